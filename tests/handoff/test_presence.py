"""Presence: navigators on shift decide what a person asking for one is told, together with
the hours; a shift never outlives its console session; going on and off is audited."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.accounts.models import NAVIGATOR
from bot.handoff.hours import ConsoleSettings
from bot.handoff.models import AuditEntry, Shift
from bot.handoff.requests import NOBODY_HERE_TEXT, HandoffRequests
from tests.support import make_settings, on_shift

NY = ZoneInfo("America/New_York")
WEEKDAYS = ConsoleSettings(hours="mon-fri 09:00-17:00", claim_timeout_minutes=10)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(timezone.utc)


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, NAVIGATOR_HOURS="24/7")


@pytest.fixture
def ana(services):
    return services.accounts.create("ana@example.org", "Ana", "correct horse battery", NAVIGATOR)


@pytest.fixture
def ben(services):
    return services.accounts.create("ben@example.org", "Ben", "correct horse battery", NAVIGATOR)


def weekdays(services) -> HandoffRequests:
    return HandoffRequests(services.sessions, WEEKDAYS, presence=services.presence)


def actions(services):
    with services.sessions() as session:
        return list(session.execute(select(AuditEntry.action, AuditEntry.detail)).all())


def test_within_the_hours_with_nobody_on_shift_the_person_hears_so_honestly(
    services, conversations
):
    result = services.handoffs.request(conversations.start("web").id, "treatment", True, {})
    assert not result.on_duty
    assert result.message.startswith("No one is here right now")
    assert "shortly" not in result.message
    assert "911" in result.message and "988" in result.message
    assert "1-800-662-4357" in result.message and len(result.message) <= 320


def test_someone_on_shift_within_the_hours_means_shortly(services, conversations, ana):
    on_shift(services, ana)
    result = services.handoffs.request(conversations.start("web").id, "treatment", True, {})
    assert result.on_duty and "with you shortly" in result.message


def test_someone_on_shift_after_hours_can_be_reached_and_going_off_changes_the_text(
    services, conversations, ana
):
    saturday_night = local(2026, 11, 28, 20, 0)
    requests = weekdays(services)
    on_shift(services, ana, now=saturday_night - timedelta(minutes=5))
    reached = requests.request(conversations.start("sms").id, "other", True, {}, now=saturday_night)
    assert reached.on_duty and "with you shortly" in reached.message

    services.presence.go_off(ana, now=saturday_night)
    later = requests.request(conversations.start("sms").id, "other", True, {}, now=saturday_night)
    assert not later.on_duty
    assert "off right now" in later.message and "on Monday, November 30 at 9:00 AM" in later.message


def test_a_shift_ends_with_its_console_session_sign_out_idle_or_lifetime(services, ana, ben):
    start = datetime.now(timezone.utc)
    presence = services.presence
    token = on_shift(services, ana, now=start)
    assert presence.on_shift(start) == [(ana.id, "Ana")]
    services.console_sessions.end(token)  # signed out (or the cookie was lost)
    assert presence.on_shift(start) == []

    on_shift(services, ana, now=start)
    assert presence.is_on(ana.id, start + timedelta(minutes=29))
    assert not presence.is_on(ana.id, start + timedelta(minutes=31))  # idle past 30 min

    busy = on_shift(services, ben, now=start)
    for minutes in range(20, 12 * 60, 20):  # busy all shift: still on
        assert services.console_sessions.navigator(busy, now=start + timedelta(minutes=minutes))
        assert presence.is_on(ben.id, start + timedelta(minutes=minutes))
    assert not presence.is_on(ben.id, start + timedelta(hours=12, minutes=1))


def test_the_sweep_closes_ghost_shifts_and_audits_them_once(services, ana):
    start = datetime.now(timezone.utc)
    on_shift(services, ana, now=start)
    assert services.presence.sweep(start + timedelta(minutes=5)) == 0
    assert services.presence.sweep(start + timedelta(hours=1)) == 1
    assert services.presence.sweep(start + timedelta(hours=2)) == 0
    with services.sessions() as session:
        shift = session.execute(select(Shift)).scalar_one()
        assert shift.ended_why == "session ended" and shift.ended_at is not None
    assert actions(services) == [("shift_start", None), ("shift_end", "session ended")]


def test_going_on_twice_keeps_one_shift_and_going_off_is_audited(services, ana):
    on_shift(services, ana)
    on_shift(services, ana)  # a second tab or device
    assert services.presence.on_shift() == [(ana.id, "Ana")]
    assert services.presence.go_off(ana) is True
    assert services.presence.go_off(ana) is False
    assert services.presence.on_shift() == []
    assert [a for a, _ in actions(services)] == ["shift_start", "shift_start", "shift_end"]


def test_after_hours_with_someone_on_shift_the_timeout_counts_from_the_request(
    services, conversations, ana
):
    saturday_night = local(2026, 11, 28, 20, 0)
    requests = weekdays(services)
    conversation = conversations.start("sms")
    on_shift(services, ana, now=saturday_night)
    requests.request(conversation.id, "other", True, {}, now=saturday_night)
    assert requests.notify_unclaimed(saturday_night + timedelta(minutes=9)) == 0
    assert requests.notify_unclaimed(saturday_night + timedelta(minutes=11)) == 1
    [message] = conversations.messages_after(conversation, 0)
    assert message.body.startswith(
        "Sorry, no navigator is free yet. One will reach you here as soon"
    )


def test_the_nobody_here_text_fits_one_plain_sms():
    from bot.content import fill_lines, sms_problems, stigmatizing_terms

    text = fill_lines(NOBODY_HERE_TEXT)
    assert sms_problems(text) == [] and stigmatizing_terms(text) == []


def test_presence_works_on_each_database(url_of_each_kind):
    from tests.support import dispose, make_services

    services = make_services(make_settings(url_of_each_kind, NAVIGATOR_HOURS="24/7"))
    try:
        ana = services.accounts.create("ana@example.org", "Ana", "correct horse battery")
        start = datetime.now(timezone.utc)
        token = on_shift(services, ana, now=start)
        assert services.presence.on_shift(start + timedelta(minutes=1)) == [(ana.id, "Ana")]
        services.console_sessions.end(token)
        assert services.presence.on_shift(start + timedelta(minutes=1)) == []
        assert services.presence.sweep(start + timedelta(minutes=1)) == 1
    finally:
        dispose(services)
