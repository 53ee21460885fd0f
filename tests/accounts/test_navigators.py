"""Navigator accounts: argon2 hashes, roles, throttled sign-in, and the create-admin command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.accounts import cli as navigators_module
from bot.accounts.cli import add_navigator, create_admin, deactivate_navigator
from bot.accounts.models import ADMIN, NAVIGATOR, SUPERVISOR, Navigator
from bot.accounts.service import (
    FAILURES_PER_ACCOUNT,
    FAILURES_PER_ACCOUNT_AT_ADDRESS,
    FAILURES_PER_ADDRESS,
    AccountError,
    NavigatorService,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(services) -> NavigatorService:
    return services.accounts


def stored(accounts, email) -> Navigator:
    with accounts.sessions() as session:
        return session.execute(select(Navigator).where(Navigator.email == email)).scalar_one()


def test_passwords_are_stored_as_argon2id_hashes(accounts):
    accounts.create("Ana@Example.org ", "Ana", PASSWORD)
    navigator = stored(accounts, "ana@example.org")
    assert navigator.password_hash.startswith("$argon2id$")
    assert PASSWORD not in navigator.password_hash
    assert navigator.role == NAVIGATOR


def test_sign_in_accepts_the_right_password_only(accounts):
    accounts.create("ana@example.org", "Ana", PASSWORD)
    assert accounts.sign_in("ANA@example.org", PASSWORD, "10.0.0.1").navigator.name == "Ana"
    assert accounts.sign_in("ana@example.org", PASSWORD + "!", "10.0.0.1").navigator is None
    assert accounts.sign_in("nobody@example.org", PASSWORD, "10.0.0.1").navigator is None
    assert stored(accounts, "ana@example.org").last_sign_in_at is not None


@pytest.mark.parametrize(
    "email, name, password, role, words",
    [
        ("ana@example.org", "Ana", "short", NAVIGATOR, "at least 12"),
        ("ana@example.org", "Ana", PASSWORD, "root", "Unknown role"),
        ("not-an-email", "Ana", PASSWORD, NAVIGATOR, "email address"),
        ("ana@example.org", " ", PASSWORD, NAVIGATOR, "name"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(accounts, email, name, password, role, words):
    with pytest.raises(AccountError, match=words):
        accounts.create(email, name, password, role)


def test_an_email_is_one_account(accounts):
    accounts.create("ana@example.org", "Ana", PASSWORD)
    with pytest.raises(AccountError, match="already exists"):
        accounts.create("ANA@example.org", "Other Ana", PASSWORD)


def test_guesses_lock_the_account_at_that_address_even_with_the_right_password(accounts):
    accounts.create("ana@example.org", "Ana", PASSWORD)
    for _ in range(FAILURES_PER_ACCOUNT_AT_ADDRESS):
        result = accounts.sign_in("ana@example.org", "guess", "10.6.6.6")
        assert result.navigator is None and not result.throttled
    result = accounts.sign_in("ana@example.org", PASSWORD, "10.6.6.6")
    assert result.throttled and result.navigator is None


def test_a_stranger_cannot_lock_a_navigator_out_from_elsewhere(accounts):
    accounts.create("ana@example.org", "Ana", PASSWORD)
    for _ in range(FAILURES_PER_ACCOUNT_AT_ADDRESS * 2):
        accounts.sign_in("ana@example.org", "guess", "10.6.6.6")
    assert accounts.sign_in("ana@example.org", PASSWORD, "10.0.0.1").navigator is not None


def test_a_distributed_guess_still_locks_the_account(accounts):
    accounts.create("ana@example.org", "Ana", PASSWORD)
    for attempt in range(FAILURES_PER_ACCOUNT):
        accounts.sign_in("ana@example.org", "guess", f"10.1.{attempt // 200}.{attempt % 200}")
    assert accounts.sign_in("ana@example.org", PASSWORD, "10.0.0.1").throttled


def test_failed_sign_ins_lock_the_address_across_accounts(accounts):
    accounts.create("ana@example.org", "Ana", PASSWORD)
    for attempt in range(FAILURES_PER_ADDRESS):
        accounts.sign_in(f"guess{attempt}@example.org", "guess", "10.9.9.9")
    assert accounts.sign_in("ana@example.org", PASSWORD, "10.9.9.9").throttled
    assert accounts.sign_in("ana@example.org", PASSWORD, "10.0.0.1").navigator is not None


def test_a_success_clears_the_account_failures(accounts):
    accounts.create("ana@example.org", "Ana", PASSWORD)
    for _ in range(FAILURES_PER_ACCOUNT_AT_ADDRESS - 1):
        accounts.sign_in("ana@example.org", "guess", "10.0.0.1")
    assert accounts.sign_in("ana@example.org", PASSWORD, "10.0.0.1").navigator is not None
    for _ in range(FAILURES_PER_ACCOUNT_AT_ADDRESS - 1):
        accounts.sign_in("ana@example.org", "guess", "10.0.0.1")
    assert accounts.sign_in("ana@example.org", PASSWORD, "10.0.0.1").navigator is not None


def test_inactive_accounts_cannot_sign_in(accounts):
    navigator = accounts.create("ana@example.org", "Ana", PASSWORD)
    with accounts.sessions() as session:
        session.get(Navigator, navigator.id).active = False
        session.commit()
    assert accounts.sign_in("ana@example.org", PASSWORD, "10.0.0.1").navigator is None
    assert accounts.get(navigator.id) is None


# -- the command line --------------------------------------------------------------------


@pytest.fixture
def cli(accounts, monkeypatch) -> CliRunner:
    monkeypatch.setattr(navigators_module, "_service", lambda: accounts)
    return CliRunner()


def test_create_admin_prompts_twice_and_refuses_a_second_admin(cli, accounts):
    args = ["--email", "admin@example.org", "--name", "Admin"]
    result = cli.invoke(create_admin, args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Created admin account admin@example.org" in result.output
    assert stored(accounts, "admin@example.org").role == ADMIN
    second = ["--email", "second@example.org", "--name", "Second"]
    result = cli.invoke(create_admin, second, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 1 and "--another" in result.output
    result = cli.invoke(create_admin, [*second, "--another"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0 and stored(accounts, "second@example.org").role == ADMIN


def test_create_admin_refuses_mismatched_or_weak_passwords(cli, accounts):
    args = ["--email", "admin@example.org", "--name", "Admin"]
    result = cli.invoke(create_admin, args, input=f"{PASSWORD}\nsomething else\n")
    assert result.exit_code != 0 and not accounts.admin_exists()
    result = cli.invoke(create_admin, args, input="short\nshort\n")
    assert result.exit_code == 1 and "at least 12" in result.output
    assert not accounts.admin_exists()


def test_add_navigator_with_a_role(cli, accounts):
    args = ["--email", "sup@example.org", "--name", "Sup", "--role", "supervisor"]
    result = cli.invoke(add_navigator, args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert stored(accounts, "sup@example.org").role == SUPERVISOR
    args = ["--email", "x@example.org", "--name", "X", "--role", "admin"]
    result = cli.invoke(add_navigator, args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 2  # admins only through create-admin


def test_deactivate_navigator(cli, accounts):
    navigator = accounts.create("ana@example.org", "Ana", PASSWORD)
    result = cli.invoke(deactivate_navigator, ["--email", "ANA@example.org"])
    assert result.exit_code == 0, result.output
    assert accounts.get(navigator.id) is None
    assert accounts.sign_in("ana@example.org", PASSWORD, "10.0.0.1").navigator is None
    result = cli.invoke(deactivate_navigator, ["--email", "nobody@example.org"])
    assert result.exit_code == 1 and "No account" in result.output
