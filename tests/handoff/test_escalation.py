"""Escalation: a request nobody claims within the target texts the on-call phone again,
then the supervisor's; once each, never after a claim, and not at night for a request the
hours say waits until morning."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.accounts.models import NAVIGATOR
from bot.conversations.models import Contact, Conversation, Message
from bot.handoff.models import AuditEntry
from tests.support import make_services, make_settings, on_shift

NY = ZoneInfo("America/New_York")
ON_CALL, SUPERVISOR = "+18605550199", "+18605550123"


def local(*args) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(timezone.utc)


def built(database_url, hours="24/7", **env):
    return make_services(
        make_settings(
            database_url,
            NAVIGATOR_HOURS=hours,
            NAVIGATOR_ON_CALL_PHONE=ON_CALL,
            NAVIGATOR_SUPERVISOR_PHONE=SUPERVISOR,
            NAVIGATOR_CLAIM_TARGET_MINUTES="5",
            PUBLIC_URL="https://line.example.org",
            **env,
        )
    )


def staff_texts(services):
    """(phone, text) of every text to staff, in order."""
    with services.sessions() as session:
        rows = session.execute(
            select(Contact.phone_encrypted, Message.body)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Conversation.channel == "alert")
            .order_by(Message.id)
        ).all()
    return [(services.vault.decrypt(phone), body) for phone, body in rows]


def test_unclaimed_past_the_target_re_alerts_on_call_then_the_supervisor_once(database_url):
    services = built(database_url)
    ana = services.accounts.create("ana@example.org", "Ana", "correct horse battery", NAVIGATOR)
    on_shift(services, ana)
    handoffs = services.handoffs
    asked = datetime.now(timezone.utc)
    handoffs.request(services.conversations.start("web").id, "recent_overdose", True, {}, now=asked)
    assert handoffs.escalate_unclaimed(asked + timedelta(minutes=4)) == 0
    assert handoffs.escalate_unclaimed(asked + timedelta(minutes=6)) == 1
    assert handoffs.escalate_unclaimed(asked + timedelta(minutes=7)) == 0
    assert handoffs.escalate_unclaimed(asked + timedelta(minutes=11)) == 1
    assert handoffs.escalate_unclaimed(asked + timedelta(minutes=30)) == 0
    url = "https://line.example.org/console/"
    waited = "Helpline: an URGENT request for a navigator has waited {} min unclaimed. "
    assert staff_texts(services) == [
        (ON_CALL, "Helpline: a new URGENT request for a navigator is waiting. "
                  f"Open the console: {url}"),
        (ON_CALL, waited.format(6) + f"Open the console: {url}"),
        (SUPERVISOR, waited.format(11) + f"Open the console: {url}"),
    ]  # fmt: skip
    with services.sessions() as session:
        trail = session.execute(
            select(AuditEntry.action, AuditEntry.detail).where(
                AuditEntry.action.in_(["realert", "escalate"])
            )
        ).all()
    assert trail == [("realert", "6 min"), ("escalate", "11 min")]


def test_a_claimed_request_is_never_escalated(database_url):
    services = built(database_url)
    ana = services.accounts.create("ana@example.org", "Ana", "correct horse battery", NAVIGATOR)
    on_shift(services, ana)
    asked = datetime.now(timezone.utc)
    handoff = services.handoffs.request(
        services.conversations.start("web").id, "other", True, {}, now=asked
    ).handoff
    services.console.claim(handoff.id, ana)
    assert services.handoffs.escalate_unclaimed(asked + timedelta(minutes=30)) == 0
    assert len(staff_texts(services)) == 1  # only the first alert


def test_a_night_request_with_nobody_on_shift_waits_for_the_opening(database_url):
    services = built(database_url, hours="mon-fri 09:00-17:00")
    asked = local(2026, 12, 1, 23, 0)  # Tuesday night
    services.handoffs.request(services.conversations.start("web").id, "other", True, {}, now=asked)
    assert services.handoffs.escalate_unclaimed(local(2026, 12, 2, 3, 0)) == 0
    assert services.handoffs.escalate_unclaimed(local(2026, 12, 2, 9, 4)) == 0
    assert services.handoffs.escalate_unclaimed(local(2026, 12, 2, 9, 6)) == 1
    assert staff_texts(services)[-1][0] == ON_CALL


def test_the_queue_shows_each_wait_against_the_target(database_url):
    services = built(database_url)
    ana = services.accounts.create("ana@example.org", "Ana", "correct horse battery", NAVIGATOR)
    asked = datetime.now(timezone.utc) - timedelta(minutes=7)
    services.handoffs.request(services.conversations.start("web").id, "other", True, {}, now=asked)
    services.handoffs.request(services.conversations.start("web").id, "family", True, {})
    late, fresh = sorted(services.console.queue(ana), key=lambda item: -item.waiting_seconds)
    assert late.as_json(ana)["target_minutes"] == 5 and late.over_target
    assert not fresh.over_target


@pytest.mark.parametrize("value", ["0", "soon"])
def test_a_bad_claim_target_fails_at_start_up(database_url, value):
    from bot.settings import SettingsError

    with pytest.raises((SettingsError, ValueError)):
        make_settings(database_url, NAVIGATOR_CLAIM_TARGET_MINUTES=value)
