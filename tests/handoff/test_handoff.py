"""The warm handoff: requests, urgency, claims (also at once), hours, the timeout, the audit."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from bot.accounts.models import ADMIN, NAVIGATOR
from bot.accounts.service import NavigatorService
from bot.content import fill_lines, sms_problems, stigmatizing_terms
from bot.conversations.models import Contact, Conversation, Message, Outbox
from bot.handoff.alerts import ALERT_TEXT, REMINDER_TEXT
from bot.handoff.errors import Conflict, NotAllowed, NotFound
from bot.handoff.hours import ConsoleSettings, Schedule
from bot.handoff.models import AuditEntry, Handoff, HandoffNote
from bot.handoff.requests import (
    NOBODY_HERE_TEXT,
    NOT_YET_TEXT,
    OFF_DUTY_TEXT,
    ON_DUTY_TEXT,
    HandoffRequests,
)
from bot.sms.inbound import InboundSms
from tests.support import make_services, make_settings, on_shift

NY = ZoneInfo("America/New_York")
ALWAYS = ConsoleSettings(hours="24/7")
SUMMARY = {
    "topic": "methadone",
    "town": "Hartford",
    "medication": "yes",
    "insurance": "Medicaid",
    "urgency": "today",
    "phone": "+18605550142",
}


def local(*args) -> datetime:
    return datetime(*args, tzinfo=NY).astimezone(timezone.utc)


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, NAVIGATOR_HOURS="24/7")


@pytest.fixture
def accounts(services) -> NavigatorService:
    return services.accounts


@pytest.fixture
def ana(accounts):
    return accounts.create("ana@example.org", "Ana", "correct horse battery", NAVIGATOR)


@pytest.fixture
def ben(accounts):
    return accounts.create("ben@example.org", "Ben", "correct horse battery", NAVIGATOR)


@pytest.fixture
def boss(accounts):
    return accounts.create("boss@example.org", "Boss", "correct horse battery", ADMIN)


@pytest.fixture
def handoffs(services) -> HandoffRequests:
    return services.handoffs


@pytest.fixture
def console(services):
    return services.console


def audit_actions(conversations) -> list:
    with conversations.sessions() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


# -- the schedule ------------------------------------------------------------------------


def test_schedule_knows_hours_holidays_and_the_next_opening():
    schedule = Schedule.parse(
        "mon-fri 09:00-17:00; sat 10:00-14:00", "2026-12-25", "America/New_York"
    )
    assert schedule.is_open(local(2026, 11, 23, 9, 0))  # Monday 9:00
    assert not schedule.is_open(local(2026, 11, 23, 17, 0))
    assert not schedule.is_open(local(2026, 11, 29, 12, 0))  # Sunday
    assert schedule.is_open(local(2026, 11, 28, 13, 59))  # Saturday
    # Friday night: Saturday 10:00 local, said in local time.
    friday_night = local(2026, 11, 27, 22, 30)
    opening = schedule.next_opening(friday_night)
    assert opening == local(2026, 11, 28, 10, 0)
    assert schedule.describe(opening, friday_night) == "tomorrow at 10:00 AM EST"
    # Christmas Eve after hours: Christmas is a holiday, so Saturday the 26th.
    eve = local(2026, 12, 24, 18, 0)
    assert schedule.describe(schedule.next_opening(eve), eve) == (
        "on Saturday, December 26 at 10:00 AM EST"
    )
    early = local(2026, 11, 23, 7, 15)
    assert schedule.describe(schedule.next_opening(early), early) == "today at 9:00 AM EST"


def test_schedule_across_daylight_saving_and_always_open():
    schedule = Schedule.parse("daily 09:00-17:00", "", "America/New_York")
    # The Saturday before DST starts (2027-03-14): the next opening is 9:00 EDT (13:00 UTC).
    opening = schedule.next_opening(local(2027, 3, 13, 20, 0))
    assert opening == datetime(2027, 3, 14, 13, 0, tzinfo=timezone.utc)
    always = Schedule.parse("24/7")
    assert always.is_open(datetime(2026, 1, 1, 3, 0, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    "env, words",
    [
        ({"NAVIGATOR_HOURS": "weekdays 9-5"}, "NAVIGATOR_HOURS"),
        ({"NAVIGATOR_HOURS": "mon 17:00-09:00"}, "NAVIGATOR_HOURS"),
        ({"NAVIGATOR_HOLIDAYS": "Christmas"}, "NAVIGATOR_HOLIDAYS"),
        ({"NAVIGATOR_TIMEZONE": "Mars/Olympus"}, "NAVIGATOR_TIMEZONE"),
    ],
)
def test_malformed_hours_fail_at_start_up_naming_the_variable(env, words):
    with pytest.raises(ValueError, match=words):
        ConsoleSettings.from_env(env)


def test_console_settings_defaults_and_values():
    assert ConsoleSettings.from_env({}) == ConsoleSettings()
    made = ConsoleSettings.from_env(
        {
            "NAVIGATOR_HOURS": "sat 10:00-14:00",
            "NAVIGATOR_CLAIM_TIMEOUT_MINUTES": "3",
            "NAVIGATOR_TIMEZONE": "America/Chicago",
        }
    )
    assert (made.hours, made.claim_timeout_minutes, made.timezone) == (
        "sat 10:00-14:00",
        3,
        "America/Chicago",
    )


# -- requests ----------------------------------------------------------------------------


def test_request_on_duty_says_shortly_and_keeps_only_the_consented_summary(
    services, handoffs, conversations, ana
):
    on_shift(services, ana)
    conversation = conversations.start("web")
    result = handoffs.request(conversation.id, "treatment_today", True, SUMMARY)
    assert result.created and result.on_duty
    assert "with you shortly" in result.message
    assert result.handoff.summary == {k: v for k, v in SUMMARY.items() if k != "phone"}
    assert result.handoff.urgency == 1


def test_declined_summary_is_not_stored_but_the_person_is_still_queued(
    console, handoffs, conversations, ana
):
    conversation = conversations.start("sms")
    result = handoffs.request(conversation.id, "treatment", False, SUMMARY)
    assert result.handoff.summary is None and not result.handoff.consented
    [item] = console.queue(ana)
    assert item.handoff.id == result.handoff.id and item.as_json(ana)["summary"] == []


def test_off_hours_request_says_when_honestly_with_the_24_7_lines(conversations):
    service = HandoffRequests(conversations.sessions, ConsoleSettings(hours="mon-fri 09:00-17:00"))
    conversation = conversations.start("sms")
    saturday = local(2026, 11, 28, 2, 0)
    result = service.request(conversation.id, "other", True, {}, now=saturday)
    assert not result.on_duty
    assert result.next_opening == local(2026, 11, 30, 9, 0)
    assert "on Monday, November 30 at 9:00 AM EST" in result.message
    assert (
        "911" in result.message and "988" in result.message and "1-800-662-4357" in (result.message)
    )
    assert len(result.message) <= 320


def test_one_open_request_per_conversation(console, handoffs, conversations, ana):
    conversation = conversations.start("web")
    first = handoffs.request(conversation.id, "treatment", False, None)
    again = handoffs.request(conversation.id, "recent_overdose", True, {"town": "Hartford"})
    assert not again.created and again.handoff.id == first.handoff.id
    [item] = console.queue(ana)
    # Consent given the second time is honoured.
    assert item.handoff.urgency == 0 and item.handoff.summary == {"town": "Hartford"}
    # Asking again for something less urgent keeps the place; declining withdraws the summary.
    handoffs.request(conversation.id, "family", False, {"town": "Hartford"})
    [item] = console.queue(ana)
    assert item.handoff.reason == "recent_overdose" and item.handoff.summary is None


def test_unknown_reason_is_other(handoffs, conversations):
    conversation = conversations.start("web")
    assert handoffs.request(conversation.id, "anything", False).handoff.reason == "other"


def test_queue_is_most_urgent_then_longest_waiting(console, handoffs, conversations, ana):
    now = datetime.now(timezone.utc)
    ids = {}
    for minutes, reason in (
        (30, "treatment"),
        (5, "recent_overdose"),
        (20, "treatment_today"),
        (40, "family"),
        (1, "treatment_today"),
    ):
        conversation = conversations.start("web")
        handoff = handoffs.request(
            conversation.id, reason, True, {}, now=now - timedelta(minutes=minutes)
        ).handoff
        ids[(minutes, reason)] = handoff.id
    order = [item.handoff.id for item in console.queue(ana)]
    assert order == [
        ids[k]
        for k in (
            (5, "recent_overdose"),
            (20, "treatment_today"),
            (1, "treatment_today"),
            (40, "family"),
            (30, "treatment"),
        )
    ]
    assert console.queue(ana)[0].waiting_seconds >= 5 * 60


# -- claiming and the conversation -------------------------------------------------------


def test_claim_holds_the_conversation_and_the_assistant_stays_silent(
    console, inbound, handoffs, conversations, assistant, ana
):
    conversation = conversations.start("web")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    console.claim(handoff.id, ana)
    outcome = inbound.handle(conversation, "are you a real person?")
    assert outcome.replies == [] and assistant.received == []
    reply = console.reply(handoff.id, ana, "Yes, I'm Ana, a recovery navigator.")
    assert reply.author == "navigator"
    shown = [m.body for m in conversations.messages_after(conversation, 0)]
    assert shown == ["Yes, I'm Ana, a recovery navigator."]


def test_only_one_of_many_concurrent_claims_wins(console, handoffs, conversations, accounts):
    navigators = [
        accounts.create(f"nav{i}@example.org", f"Nav {i}", "correct horse battery")
        for i in range(8)
    ]
    conversation = conversations.start("web")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    start = threading.Barrier(len(navigators))
    won, lost = [], []

    def claim(navigator):
        start.wait()
        try:
            console.claim(handoff.id, navigator)
            won.append(navigator.id)
        except (Conflict, NotFound):
            lost.append(navigator.id)

    threads = [threading.Thread(target=claim, args=(n,)) for n in navigators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and len(lost) == len(navigators) - 1
    with conversations.sessions() as session:
        stored = session.get(Handoff, handoff.id)
        held = session.get(Conversation, conversation.id).navigator_id
    assert stored.claimed_by == won[0] == held


def test_navigators_see_the_queue_and_their_own_supervisors_see_all(
    console, handoffs, conversations, ana, ben, boss
):
    mine = handoffs.request(conversations.start("web").id, "treatment", True, {}).handoff
    theirs = handoffs.request(conversations.start("web").id, "treatment", True, {}).handoff
    waiting = handoffs.request(conversations.start("web").id, "treatment", True, {}).handoff
    console.claim(mine.id, ana)
    console.claim(theirs.id, ben)
    assert {i.handoff.id for i in console.queue(ana)} == {mine.id, waiting.id}
    assert {i.handoff.id for i in console.queue(boss)} == {mine.id, theirs.id, waiting.id}
    with pytest.raises(NotFound):
        console.view(theirs.id, ana)
    with pytest.raises(NotFound):
        console.reply(theirs.id, ana, "hello")
    with pytest.raises(NotAllowed):
        console.reply(theirs.id, boss, "hello")  # supervisors read, the holder replies
    assert console.view(theirs.id, boss).handoff.id == theirs.id
    assert "denied" in audit_actions(conversations)


def test_hand_back_then_close_records_the_outcome(
    console, inbound, handoffs, conversations, assistant, ana
):
    conversation = conversations.start("web")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    console.claim(handoff.id, ana)
    inbound.handle(conversation, "thank you")
    console.hand_back(handoff.id, ana)
    inbound.handle(conversation, "one more question")
    assert [r[1] for r in assistant.received] == ["one more question"]
    with pytest.raises(Conflict):
        console.reply(handoff.id, ana, "too late")
    console.close(handoff.id, ana, "treatment")
    with conversations.sessions() as session:
        stored = session.get(Handoff, handoff.id)
    assert (stored.status, stored.outcome) == ("closed", "treatment")
    assert console.queue(ana) == []
    # Closed: a later request opens a fresh one.
    again = handoffs.request(conversation.id, "other", False)
    assert again.created and again.handoff.id != handoff.id


def test_closing_a_held_conversation_hands_it_back(console, handoffs, conversations, ana):
    conversation = conversations.start("web")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    console.claim(handoff.id, ana)
    with pytest.raises(Exception, match="outcomes"):
        console.close(handoff.id, ana, "cured")
    console.close(handoff.id, ana, "no_response")
    with conversations.sessions() as session:
        assert session.get(Conversation, conversation.id).navigator_id is None


def test_asking_again_after_a_hand_back_returns_to_the_queue(
    console, handoffs, conversations, ana, ben
):
    conversation = conversations.start("web")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    console.claim(handoff.id, ana)
    console.hand_back(handoff.id, ana)
    again = handoffs.request(conversation.id, "treatment_today", True, {})
    assert again.created and again.handoff.id == handoff.id
    assert [i.handoff.status for i in console.queue(ben)] == ["waiting"]


def test_notes_are_private_and_audited_without_their_text(console, handoffs, conversations, ana):
    conversation = conversations.start("web")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    console.claim(handoff.id, ana)
    console.note(handoff.id, ana, "Prefers a call after 6pm")
    view = console.view(handoff.id, ana)
    assert [(n.body, name) for n, name in view.notes] == [("Prefers a call after 6pm", "Ana")]
    assert conversations.messages_after(conversation, 0) == []
    with conversations.sessions() as session:
        details = session.execute(select(AuditEntry.detail)).scalars().all()
    assert not any(d and "6pm" in d for d in details)
    assert audit_actions(conversations)[-2:] == ["note", "view"]


def test_a_note_on_a_waiting_request_needs_a_claim_first(console, handoffs, conversations, ana):
    conversation = conversations.start("web")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    with pytest.raises(NotAllowed):
        console.note(handoff.id, ana, "Looks like my neighbour")


# -- not yet claimed ---------------------------------------------------------------------


def test_unclaimed_past_the_timeout_tells_the_person_once_by_sms(conversations):
    service = HandoffRequests(
        conversations.sessions,
        ConsoleSettings(hours="24/7", claim_timeout_minutes=10),
    )
    conversation = conversations.start("sms")
    now = datetime.now(timezone.utc)
    service.request(conversation.id, "treatment", True, {}, now=now - timedelta(minutes=9))
    assert service.notify_unclaimed(now) == 0
    assert service.notify_unclaimed(now + timedelta(minutes=2)) == 1
    assert service.notify_unclaimed(now + timedelta(minutes=30)) == 0
    [message] = conversations.messages_after(conversation, 0)
    assert message.author == "system" and "no navigator is free yet" in message.body
    assert "988" in message.body and len(message.body) <= 320
    with conversations.sessions() as session:
        assert session.execute(select(Outbox.status)).scalar_one() == Outbox.QUEUED


def test_off_hours_request_times_out_from_the_next_opening(conversations):
    service = HandoffRequests(
        conversations.sessions,
        ConsoleSettings(hours="mon-fri 09:00-17:00", claim_timeout_minutes=10),
    )
    conversation = conversations.start("web")
    service.request(conversation.id, "treatment", True, {}, now=local(2026, 11, 28, 2, 0))
    assert service.notify_unclaimed(local(2026, 11, 29, 23, 0)) == 0  # still the weekend
    assert service.notify_unclaimed(local(2026, 11, 30, 9, 5)) == 0
    assert service.notify_unclaimed(local(2026, 11, 30, 9, 11)) == 1
    assert conversations.messages_after(conversation, 0)[0].body.startswith(
        "Sorry, no navigator is free yet. One will reach you here as soon as one is free."
    )


def test_claimed_requests_are_never_told_not_yet(console, handoffs, conversations, ana):
    conversation = conversations.start("web")
    handoff = handoffs.request(
        conversation.id, "treatment", True, {}, now=datetime.now(timezone.utc) - timedelta(hours=1)
    ).handoff
    console.claim(handoff.id, ana)
    assert handoffs.notify_unclaimed() == 0


def test_contact_later_consent_is_recorded(console, handoffs, conversations, ana):
    conversation = conversations.start("sms")
    assert handoffs.request_contact_later(conversation.id) is False
    handoffs.request(conversation.id, "treatment", True, {})
    assert handoffs.request_contact_later(conversation.id) is True
    [item] = console.queue(ana)
    assert item.as_json(ana)["contact_later"] is True
    assert "contact_later_consent" in audit_actions(conversations)


def test_failed_sms_of_a_navigator_is_flagged(console, handoffs, conversations, ana):
    conversation = conversations.start("sms")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    console.claim(handoff.id, ana)
    sent = console.reply(handoff.id, ana, "Hi, this is Ana.")
    assert console.view(handoff.id, ana).messages[-1].delivery == Outbox.QUEUED
    assert console.queue(ana)[0].delivery_failed is False
    with conversations.sessions() as session:
        session.execute(
            update(Outbox).where(Outbox.message_id == sent.id).values(status=Outbox.FAILED)
        )
        session.commit()
    assert console.queue(ana)[0].delivery_failed is True
    assert console.view(handoff.id, ana).messages[-1].delivery == Outbox.FAILED


# -- the audit log -----------------------------------------------------------------------


def test_every_action_is_audited_without_bodies(console, handoffs, conversations, ana):
    conversation = conversations.start("web")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    console.view(handoff.id, ana)
    console.claim(handoff.id, ana)
    message = console.reply(handoff.id, ana, "secret words")
    console.hand_back(handoff.id, ana)
    console.close(handoff.id, ana, "referred")
    with conversations.sessions() as session:
        entries = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [(e.action, e.navigator_id) for e in entries] == [
        ("request", None),
        ("view", ana.id),
        ("claim", ana.id),
        ("reply", ana.id),
        ("hand_back", ana.id),
        ("close", ana.id),
    ]
    assert entries[3].detail == f"message {message.id}" and entries[-1].detail == "referred"
    assert all(e.conversation_id == conversation.id for e in entries)


def test_the_audit_log_refuses_update_and_delete_in_the_database(handoffs, conversations):
    handoffs.request(conversations.start("web").id, "treatment", True, {})
    for statement in (
        update(AuditEntry).values(action="edited"),
        delete(AuditEntry),
        text("UPDATE audit_log SET navigator_id = 1"),
    ):
        with conversations.sessions() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(statement)
            session.commit()
    assert audit_actions(conversations) == ["request"]


def test_erasing_a_conversation_removes_its_handoff_and_notes_but_keeps_the_trail(
    console, handoffs, conversations, ana
):
    conversation = conversations.start("web")
    handoff = handoffs.request(conversation.id, "treatment", True, {"town": "Hartford"}).handoff
    console.claim(handoff.id, ana)
    console.note(handoff.id, ana, "note")
    conversations.erase([conversation.id])
    with conversations.sessions() as session:
        for model in (Handoff, HandoffNote, Message):
            assert session.execute(select(func.count()).select_from(model)).scalar_one() == 0
    assert audit_actions(conversations) == ["request", "claim", "note"]


# -- the on-call alert -------------------------------------------------------------------


def test_a_new_request_texts_the_on_call_navigator_once_without_details(
    database_url, conversations
):
    on_call = make_settings(
        database_url,
        NAVIGATOR_HOURS="24/7",
        NAVIGATOR_ON_CALL_PHONE="+18605550199",
        PUBLIC_URL="https://line.example.org",
    )
    built = make_services(on_call)
    service, vault = built.handoffs, built.vault
    person = conversations.start("web")
    service.request(person.id, "recent_overdose", True, {"town": "Hartford"})
    service.request(person.id, "recent_overdose", True, {"town": "Hartford"})  # no second alert
    service.request(conversations.start("web").id, "family", False)
    with conversations.sessions() as session:
        rows = session.execute(
            select(Message.body, Contact.phone_encrypted, Outbox.status)
            .join(Outbox, Outbox.message_id == Message.id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .order_by(Message.id)
        ).all()
    assert [body for body, _, _ in rows] == [
        "Helpline: a new URGENT request for a navigator is waiting. Open the console: "
        "https://line.example.org/console/",
        "Helpline: a new request for a navigator is waiting. Open the console: "
        "https://line.example.org/console/",
    ]
    assert {vault.decrypt(phone) for _, phone, _ in rows} == {"+18605550199"}
    assert {status for _, _, status in rows} == {Outbox.QUEUED}
    # The on-call phone texting the line is an ordinary conversation, not the alert thread.
    built.sms.handle(InboundSms(phone="+18605550199", body="hi", message_sid="SMoncall"))
    with conversations.sessions() as session:
        channels = session.execute(select(Conversation.channel).order_by(Conversation.id))
        assert list(channels.scalars()) == ["web", "alert", "web", "sms"]


@pytest.mark.parametrize(
    "template",
    [ON_DUTY_TEXT, OFF_DUTY_TEXT, NOBODY_HERE_TEXT, NOT_YET_TEXT, ALERT_TEXT, REMINDER_TEXT],
)
def test_texts_fit_one_sms_and_use_plain_words(template):
    longest_when = "on Wednesday, September 30 at 12:00 PM EDT"
    filled = fill_lines(
        template.replace("{when}", longest_when)
        .replace("{urgent}", "URGENT ")
        .replace("{url}", "https://helpline.example.org/console/")
        .replace("{request}", "an URGENT request")
        .replace("{minutes}", "1440")
    )
    assert sms_problems(filled) == [] and stigmatizing_terms(filled) == []
    assert "{" not in filled


# -- access follows the claim --------------------------------------------------------------


def test_a_past_holder_loses_access_after_the_grace_and_later_texts_stay_private(
    console, handoffs, conversations, ana
):
    conversation = conversations.start("sms")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    console.claim(handoff.id, ana)
    console.close(handoff.id, ana, "referred")
    console.view(handoff.id, ana)  # within the grace: notes and outcome can be finished
    with conversations.sessions() as session:
        session.execute(
            update(Handoff)
            .where(Handoff.id == handoff.id)
            .values(closed_at=datetime.now(timezone.utc) - timedelta(hours=1))
        )
        session.commit()
    for look in (
        lambda: console.view(handoff.id, ana),
        lambda: console.messages_since(handoff.id, ana, 0),
        lambda: console.start_checkins(handoff.id, ana, "after overdose", True),
    ):
        with pytest.raises(NotFound):
            look()
    assert audit_actions(conversations)[-3:] == ["denied", "denied", "denied"]


def test_a_poll_that_brings_new_messages_is_audited(console, handoffs, conversations, ana):
    conversation = conversations.start("web")
    handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
    console.claim(handoff.id, ana)
    shown, _ = console.messages_since(handoff.id, ana, 0)
    newest = max([m.message.id for m in shown], default=0)
    before = audit_actions(conversations)
    console.messages_since(handoff.id, ana, newest)  # nothing new: not a read
    assert audit_actions(conversations) == before
    conversations.record(conversation, "are you there?")
    console.messages_since(handoff.id, ana, newest)
    assert audit_actions(conversations)[-1] == "poll"
