"""The handoff migrations on both databases: append-only audit, one open request, atomic
claims, referral tags.

PostgreSQL runs when it is reachable at TEST_POSTGRES_URL (skipped locally otherwise,
required in CI), in a fresh database dropped afterwards.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.dashboard.figures import build_dashboard
from bot.db import make_engine
from bot.handoff.errors import Conflict, NotFound
from bot.handoff.models import AuditEntry, Handoff, HandoffReferral
from bot.settings import ROOT
from tests.support import dispose, make_services, make_settings

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def url(url_of_each_kind):
    return url_of_each_kind


@pytest.fixture
def services(url):
    built = make_services(make_settings(url, NAVIGATOR_HOURS="24/7"))
    yield built
    dispose(built)


def test_the_audit_log_is_append_only_in_the_database(services, url):
    conversations, handoffs = services.conversations, services.handoffs
    handoffs.request(conversations.start("web").id, "treatment", True, {})
    statements = [update(AuditEntry).values(action="edited"), delete(AuditEntry)]
    if url.startswith("postgresql"):
        statements.append(text("TRUNCATE audit_log"))
    for statement in statements:
        with conversations.sessions() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(statement)
            session.commit()
    with conversations.sessions() as session:
        assert session.execute(select(AuditEntry.action)).scalars().all() == ["request"]


def test_the_database_allows_one_open_request_per_conversation(services):
    conversations, handoffs = services.conversations, services.handoffs
    conversation = conversations.start("web")
    handoffs.request(conversation.id, "treatment", True, {})
    with conversations.sessions() as session, pytest.raises(IntegrityError):
        session.add(Handoff(conversation_id=conversation.id, reason="other", urgency=2))
        session.commit()


def test_concurrent_claims_have_one_winner(services):
    conversations, handoffs, console = services.conversations, services.handoffs, services.console
    accounts = services.accounts
    navigators = [
        accounts.create(f"n{i}@example.org", f"N{i}", "correct horse battery") for i in range(6)
    ]
    handoff = handoffs.request(conversations.start("web").id, "treatment", True, {}).handoff
    barrier, won = threading.Barrier(len(navigators)), []

    def claim(navigator):
        barrier.wait()
        try:
            console.claim(handoff.id, navigator)
            won.append(navigator.id)
        except (Conflict, NotFound):
            pass

    threads = [threading.Thread(target=claim, args=(n,)) for n in navigators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    with conversations.sessions() as session:
        assert session.get(Handoff, handoff.id).claimed_by == won[0]


def test_referral_tags_are_stored_counted_and_erased_with_the_conversation(services):
    conversations, handoffs, console = services.conversations, services.handoffs, services.console
    ana = services.accounts.create("ana@example.org", "Ana", "correct horse battery")
    ids = []
    for tags in (["housing", "naloxone", "housing"], ["naloxone"]):
        conversation = conversations.start("sms")
        handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
        console.claim(handoff.id, ana)
        console.close(handoff.id, ana, "referred", tags)
        ids.append(conversation.id)
    with conversations.sessions() as session:
        stored = session.execute(
            select(HandoffReferral.tag).order_by(HandoffReferral.handoff_id, HandoffReferral.tag)
        ).scalars()
        assert list(stored) == ["housing", "naloxone", "naloxone"]  # each once per request
        today = datetime.now(timezone.utc).date()
        figures = build_dashboard(session, today, today, "all", "UTC").handoffs
    # Treatment, naloxone (2), housing (1), food... recovery coach: small counts kept back.
    assert [count.value for count in figures.referrals] == [0, None, None, 0, 0, 0, 0]
    conversations.erase(ids)
    with conversations.sessions() as session:
        assert session.execute(select(HandoffReferral)).first() is None


def test_the_migration_goes_down_and_up_again(url):
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.downgrade(config, "0003")
    engine = make_engine(url)
    assert "audit_log" not in inspect(engine).get_table_names()
    engine.dispose()
    command.upgrade(config, "0004")
    engine = make_engine(url)
    assert {"navigators", "handoffs", "handoff_notes", "audit_log", "login_failures"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()
