"""Retention: old texts and Rasa's trackers go, what is owed stays, the aggregates survive.

Messages are made through the real message path at frozen times (day 0, day 20, ...) and
retention runs at day 31 with the default 30 days unless a test says otherwise.
"""

from __future__ import annotations

import functools
import logging
import os
from datetime import datetime, timedelta, timezone
from typing import List

import pytest
import time_machine
from sqlalchemy import create_engine, select, text, update

from bot.checkins.models import CheckInSeries
from bot.conversations.models import Conversation, Message, Outbox
from bot.conversations.service import ConversationService
from bot.handoff.models import Handoff
from bot.retention import RetentionResult, RetentionService
from bot.tracker import erase_trackers
from tests.support import hold, keep, make_services, make_settings, navigator_reply

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

DAY_0 = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)


def day(n: int) -> datetime:
    """A moment `n` days after the first messages."""
    return DAY_0 + timedelta(days=n)


def on(n: int):
    """Freeze the clock on day `n`."""
    return time_machine.travel(day(n), tick=False)


class RecordingEraser:
    """Stands in for bot.tracker.erase_trackers: records the sender ids it was given."""

    def __init__(self, events_each: int = 3) -> None:
        self.calls: List[List[str]] = []
        self.events_each = events_each

    def __call__(self, sender_ids: List[str]) -> int:
        self.calls.append(list(sender_ids))
        return self.events_each * len(sender_ids)

    @property
    def erased(self) -> List[str]:
        return sorted(s for call in self.calls for s in call)


def messages_of(service: ConversationService, conversation: Conversation) -> List[Message]:
    with service.sessions() as session:
        return list(
            session.execute(
                select(Message)
                .where(Message.conversation_id == conversation.id)
                .order_by(Message.id)
            ).scalars()
        )


def bodies_of(service: ConversationService, conversation: Conversation) -> List[str | None]:
    return [m.body for m in messages_of(service, conversation)]


def expired_at(service: ConversationService, conversation: Conversation) -> datetime | None:
    with service.sessions() as session:
        return as_utc(session.get(Conversation, conversation.id).expired_at)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite gives times back without their (UTC) offset."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def set_outbox_status(service: ConversationService, message_id: int, status: str) -> None:
    with service.sessions() as session:
        session.execute(update(Outbox).where(Outbox.message_id == message_id).values(status=status))
        session.commit()


def add_handoff(service: ConversationService, conversation: Conversation, status: str) -> None:
    with service.sessions() as session:
        session.add(
            Handoff(
                conversation_id=conversation.id,
                status=status,
                reason="treatment",
                urgency=2,
                requested_at=day(0),
                closed_at=day(1) if status == Handoff.CLOSED else None,
            )
        )
        session.commit()


def add_series(service: ConversationService, conversation: Conversation, status: str) -> None:
    with service.sessions() as session:
        session.add(
            CheckInSeries(
                conversation_id=conversation.id,
                status=status,
                reason="overdose",
                enrolled_by="person",
                consented_at=day(0),
                ended_at=day(2) if status == CheckInSeries.ENDED else None,
            )
        )
        session.commit()


@pytest.fixture
def eraser() -> RecordingEraser:
    return RecordingEraser()


def retention(service: ConversationService, eraser, days: int = 30) -> RetentionService:
    return RetentionService(service.sessions, eraser, days=days)


def test_old_texts_go_and_what_is_owed_or_recent_stays(inbound, conversations, assistant, eraser):
    with on(0):
        answered = conversations.start("sms")
        inbound.handle(answered, "where can i get narcan")
        with conversations.sessions() as session:
            session.execute(
                update(Message)
                .where(Message.conversation_id == answered.id, Message.direction == "in")
                .values(topic="naloxone", payload="/ask_naloxone")
            )
            session.commit()
        recent = conversations.start("web")
        inbound.handle(recent, "day zero question")
        queued = conversations.start("sms")
        inbound.handle(queued, "can someone call me")
        said = navigator_reply(conversations.sessions, queued.id, "I will call at 5")
        assistant.down = True
        pending = conversations.start("sms")
        inbound.handle(pending, "is anyone there")
    with on(20):
        assistant.down = False
        inbound.handle(recent, "day twenty question")

    with on(31):
        result = retention(conversations, eraser).run()

    # The answered exchange: texts and buttons gone, the row and its figures kept.
    person, reply = messages_of(conversations, answered)
    assert (person.body, reply.body, reply.buttons) == (None, None, None)
    assert (person.direction, person.author, person.status) == ("in", "person", "answered")
    assert (person.topic, person.payload) == ("naloxone", "/ask_naloxone")
    assert as_utc(person.created_at) == day(0) and as_utc(person.answered_at) == day(0)
    assert (reply.direction, reply.author, reply.reply_to_id) == ("out", "assistant", person.id)
    assert expired_at(conversations, answered) == day(31)

    # Day-20 messages stay; the day-0 exchange of the same conversation goes.
    assert bodies_of(conversations, recent) == [
        None,
        None,
        "day twenty question",
        "echo: day twenty question",
    ]
    assert expired_at(conversations, recent) is None

    # A reply still queued for the provider keeps its text; the answered message does not.
    assert bodies_of(conversations, queued) == [None, None, "I will call at 5"]
    assert said.body == "I will call at 5"
    assert expired_at(conversations, queued) is None

    # The person's unanswered message keeps its text; the safety reply already went out.
    assert bodies_of(conversations, pending) == ["is anyone there", None]
    assert messages_of(conversations, pending)[0].status == "pending"
    assert expired_at(conversations, pending) is None

    assert eraser.calls == [[answered.sender_id]]
    assert result == RetentionResult(
        bodies_deleted=2 + 2 + 2 + 1, conversations_expired=1, tracker_events_deleted=3
    )


def test_every_owed_message_keeps_its_text_and_its_conversation(inbound, conversations, eraser):
    with on(0):
        processing = conversations.start("sms")
        keep(
            conversations.sessions, processing, "claimed by a worker that died", status="processing"
        )
        for_navigator = conversations.start("sms")
        hold(conversations.sessions, for_navigator.id, 7)
        inbound.handle(for_navigator, "are you still there")
        sending = conversations.start("sms")
        inbound.handle(sending, "hi")
        held = navigator_reply(conversations.sessions, sending.id, "the provider may have this")
        set_outbox_status(conversations, held.id, Outbox.SENDING)
        done = {}
        for status in (Outbox.SENT, Outbox.DELIVERED, Outbox.FAILED, Outbox.UNKNOWN):
            done[status] = conversations.start("sms")
            inbound.handle(done[status], "hello")
            gone = navigator_reply(conversations.sessions, done[status].id, f"reply {status}")
            set_outbox_status(conversations, gone.id, status)
        suppressed = conversations.start("sms")
        keep(conversations.sessions, suppressed, "after STOP", status="suppressed")

    with on(31):
        retention(conversations, eraser).run()

    assert bodies_of(conversations, processing) == ["claimed by a worker that died"]
    assert bodies_of(conversations, for_navigator) == ["are you still there"]
    assert bodies_of(conversations, sending) == [None, None, "the provider may have this"]
    for owed in (processing, for_navigator, sending):
        assert expired_at(conversations, owed) is None
    for finished in (*done.values(), suppressed):
        assert set(bodies_of(conversations, finished)) == {None}
        assert expired_at(conversations, finished) == day(31)
    assert eraser.erased == sorted(c.sender_id for c in (*done.values(), suppressed))


def test_open_handoffs_and_running_check_ins_keep_the_conversation(inbound, conversations, eraser):
    with on(0):
        handoffs = {status: conversations.start("sms") for status in (*Handoff.OPEN, "closed")}
        series = {status: conversations.start("sms") for status in ("active", "paused", "ended")}
        for status, conversation in handoffs.items():
            inbound.handle(conversation, "I want to talk to someone")
            add_handoff(conversations, conversation, status)
        for status, conversation in series.items():
            inbound.handle(conversation, "CHECKIN")
            add_series(conversations, conversation, status)

    with on(31):
        result = retention(conversations, eraser).run()

    kept = [handoffs[s] for s in Handoff.OPEN] + [series["active"], series["paused"]]
    for conversation in kept:
        assert expired_at(conversations, conversation) is None
    assert expired_at(conversations, handoffs["closed"]) == day(31)
    assert expired_at(conversations, series["ended"]) == day(31)
    assert eraser.erased == sorted([handoffs["closed"].sender_id, series["ended"].sender_id])
    assert result.conversations_expired == 2
    # The texts themselves follow the message rule: answered and old, so gone everywhere.
    for conversation in (*handoffs.values(), *series.values()):
        assert set(bodies_of(conversations, conversation)) == {None}


def test_a_later_reply_keeps_the_conversation_until_it_is_old_too(inbound, conversations, eraser):
    with on(0):
        conversation = conversations.start("sms")
        inbound.handle(conversation, "hello")
    with on(25):
        navigator_reply(conversations.sessions, conversation.id, "checking on you")
        set_outbox_status(conversations, messages_of(conversations, conversation)[-1].id, "sent")

    with on(31):
        retention(conversations, eraser).run()
    assert bodies_of(conversations, conversation) == [None, None, "checking on you"]
    assert expired_at(conversations, conversation) is None

    with on(56):
        retention(conversations, eraser).run()
    assert bodies_of(conversations, conversation) == [None, None, None]
    assert expired_at(conversations, conversation) == day(56)
    assert eraser.calls == [[conversation.sender_id]]


def test_the_number_of_days_is_configurable(inbound, conversations, eraser):
    with on(0):
        early = conversations.start("web")
        inbound.handle(early, "day zero")
    with on(20):
        late = conversations.start("web")
        inbound.handle(late, "day twenty")

    with on(31):
        result = retention(conversations, eraser, days=7).run()

    assert bodies_of(conversations, early) == [None, None]
    assert bodies_of(conversations, late) == [None, None]
    assert eraser.erased == sorted([early.sender_id, late.sender_id])
    assert result == RetentionResult(4, 2, 6)


@pytest.mark.parametrize("days", [0, -1])
def test_days_must_be_at_least_one(conversations, days):
    with pytest.raises(ValueError, match="at least 1"):
        RetentionService(conversations.sessions, None, days=days)


def test_now_must_carry_its_time_zone(conversations):
    with pytest.raises(ValueError, match="timezone-aware"):
        RetentionService(conversations.sessions, None).run(now=datetime(2026, 2, 5, 9, 30))


def test_a_second_run_changes_nothing(inbound, conversations, assistant, eraser):
    with on(0):
        for channel in ("sms", "web"):
            inbound.handle(conversations.start(channel), "hello")
    service = retention(conversations, eraser)
    first = service.run(now=day(31))
    assert first == RetentionResult(4, 2, 6)

    assert service.run(now=day(31)) == RetentionResult(0, 0, 0)
    assert service.run(now=day(40)) == RetentionResult(0, 0, 0)
    assert len(eraser.calls) == 1


def test_a_conversation_that_comes_back_expires_again(inbound, conversations, eraser):
    with on(0):
        conversation = conversations.start("sms")
        inbound.handle(conversation, "first time")
    retention(conversations, eraser).run(now=day(31))
    with on(40):
        inbound.handle(conversation, "back again")

    assert retention(conversations, eraser).run(now=day(60)).conversations_expired == 0
    result = retention(conversations, eraser).run(now=day(71))

    assert result == RetentionResult(2, 1, 3)
    assert set(bodies_of(conversations, conversation)) == {None}
    assert expired_at(conversations, conversation) == day(71)
    assert eraser.calls == [[conversation.sender_id], [conversation.sender_id]]


def test_small_batches_reach_everything(inbound, conversations, eraser):
    with on(0):
        started = [conversations.start("sms") for _ in range(5)]
        for conversation in started:
            inbound.handle(conversation, "hello")

    result = retention(conversations, eraser).run(now=day(31), batch=2)

    assert result == RetentionResult(10, 5, 15)
    assert [len(call) for call in eraser.calls] == [2, 2, 1]
    assert eraser.erased == sorted(c.sender_id for c in started)
    for conversation in started:
        assert bodies_of(conversations, conversation) == [None, None]


def test_rasa_trackers_of_expired_conversations_are_erased(inbound, conversations, tmp_path):
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    with on(0):
        old = conversations.start("web")
        inbound.handle(old, "old")
    with on(20):
        recent = conversations.start("web")
        inbound.handle(recent, "recent")
    engine = create_engine(tracker_url, future=True)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT)"))
        for sender_id in (old.sender_id, old.sender_id, recent.sender_id):
            connection.execute(text("INSERT INTO events (sender_id) VALUES (:s)"), {"s": sender_id})

    eraser = functools.partial(erase_trackers, tracker_url)
    result = RetentionService(conversations.sessions, eraser).run(now=day(31))

    assert result.tracker_events_deleted == 2
    with engine.connect() as connection:
        left = connection.execute(text("SELECT sender_id FROM events")).scalars().all()
    assert left == [recent.sender_id]
    engine.dispose()


def test_without_a_tracker_store_conversations_still_expire(inbound, conversations):
    with on(0):
        conversation = conversations.start("web")
        inbound.handle(conversation, "hello")
    result = RetentionService(conversations.sessions, None).run(now=day(31))
    assert result == RetentionResult(2, 1, 0)
    assert expired_at(conversations, conversation) == day(31)


def test_the_log_says_counts_never_texts_or_ids(inbound, conversations, eraser, caplog):
    with on(0):
        conversation = conversations.start("sms")
        inbound.handle(conversation, "my secret question")
    with caplog.at_level(logging.DEBUG, logger="bot.retention"):
        retention(conversations, eraser).run(now=day(31))
    assert "2 message bodies deleted, 1 conversations expired, 3 tracker events" in caplog.text
    assert "secret" not in caplog.text and conversation.sender_id not in caplog.text


@pytest.fixture
def url(url_of_each_kind):
    return url_of_each_kind


def test_the_rules_hold_on_both_databases(url, assistant, eraser):
    path = make_services(make_settings(url), assistant).inbound
    service = path.conversations
    with on(0):
        answered = service.start("sms")
        path.handle(answered, "hello")
        queued = service.start("sms")
        path.handle(queued, "call me")
        navigator_reply(service.sessions, queued.id, "calling soon")
        handed_off = service.start("sms")
        path.handle(handed_off, "a person please")
        add_handoff(service, handed_off, Handoff.WAITING)
        checking_in = service.start("sms")
        path.handle(checking_in, "CHECKIN")
        add_series(service, checking_in, CheckInSeries.ACTIVE)
        assistant.down = True
        pending = service.start("sms")
        path.handle(pending, "anyone?")
    with on(20):
        assistant.down = False
        recent = service.start("web")
        path.handle(recent, "recent")

    result = RetentionService(service.sessions, eraser).run(now=day(31), batch=2)

    assert bodies_of(service, answered) == [None, None]
    assert bodies_of(service, queued) == [None, None, "calling soon"]
    assert bodies_of(service, pending) == ["anyone?", None]
    assert bodies_of(service, recent) == ["recent", "echo: recent"]
    assert messages_of(service, answered)[0].status == "answered"
    assert expired_at(service, answered) == day(31)
    for kept in (queued, handed_off, checking_in, pending, recent):
        assert expired_at(service, kept) is None
    assert eraser.calls == [[answered.sender_id]]
    assert result == RetentionResult(2 + 2 + 2 + 2 + 1, 1, 3)
    assert RetentionService(service.sessions, eraser).run(now=day(31)) == RetentionResult()


def test_phone_numbers_go_once_every_conversation_has_expired(conversations, eraser):
    from bot.conversations.models import Contact

    with on(0):
        with conversations.sessions() as session:
            quiet = Contact(key="k-quiet", phone_encrypted="secret-1")
            stopped = Contact(key="k-stop", phone_encrypted="secret-2", opted_out_at=day(0))
            recent = Contact(key="k-recent", phone_encrypted="secret-3")
            session.add_all([quiet, stopped, recent])
            session.commit()
            ids = quiet.id, stopped.id, recent.id
        for contact_id in ids[:2]:
            conversations.start("sms", contact_id=contact_id)
    with on(25):
        conversations.start("sms", contact_id=ids[2])
    with on(31):
        result = retention(conversations, eraser).run()
    assert result.phones_forgotten == 2
    with conversations.sessions() as session:
        assert session.get(Contact, ids[0]) is None
        kept = session.get(Contact, ids[1])
        assert kept.phone_encrypted == "" and kept.key == "k-stop" and kept.opted_out_at
        assert session.get(Contact, ids[2]).phone_encrypted == "secret-3"
        orphans = session.execute(select(Conversation).where(Conversation.contact_id.is_(None)))
        assert len(orphans.all()) == 1  # the quiet person's conversation stays for the counts
