"""`helpline create-admin`, `add-navigator`, `deactivate-navigator`, `reset-second-factor`."""

from __future__ import annotations

import click

from bot.accounts.models import ADMIN, NAVIGATOR, SUPERVISOR
from bot.accounts.service import AccountError, NavigatorService


def _service() -> NavigatorService:
    from bot.db import session_factory

    return NavigatorService(session_factory())


def _create(service: NavigatorService, email: str, name: str, password: str, role: str) -> None:
    try:
        navigator = service.create(email, name, password, role)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} account {navigator.email}. Sign in at /console/sign-in.")


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--another", is_flag=True, help="Add an admin even though one exists.")
@click.password_option(help="Asked twice when not given.")
def create_admin(email: str, name: str, another: bool, password: str) -> None:
    """Create the first console admin (refused when one exists, unless --another)."""
    service = _service()
    if service.admin_exists() and not another:
        raise click.ClickException("An admin already exists; use --another to add one more.")
    _create(service, email, name, password, ADMIN)


@click.command("add-navigator")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([NAVIGATOR, SUPERVISOR]), default=NAVIGATOR)
@click.password_option(help="Asked twice when not given.")
def add_navigator(email: str, name: str, role: str, password: str) -> None:
    """Create a navigator (or supervisor) account for the console."""
    _create(_service(), email, name, password, role)


@click.command("deactivate-navigator")
@click.option("--email", required=True)
def deactivate_navigator(email: str) -> None:
    """Stop a console account from signing in; its sessions end at once."""
    if not _service().deactivate(email):
        raise click.ClickException(f"No account {email}.")
    click.echo(f"Deactivated {email.strip().lower()}.")


@click.command("reset-second-factor")
@click.option("--email", required=True)
def reset_second_factor(email: str) -> None:
    """For a lost authenticator: the account enrols again at its next sign-in (its
    recovery codes and open sessions end now)."""
    from bot.accounts.second_factor import SecondFactor
    from bot.db import session_factory
    from bot.privacy import PhoneVault
    from bot.settings import get_settings

    settings = get_settings()
    factor = SecondFactor(session_factory(), PhoneVault(settings.hmac_key, settings.encryption_key))
    if not factor.reset(email):
        raise click.ClickException(f"No account {email}.")
    click.echo(f"Reset the second step of {email.strip().lower()}: they enrol at next sign-in.")
