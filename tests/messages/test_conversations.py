"""The shared message path: kept first, answered in order, never lost when Rasa is down."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from bot.assistant import Reply
from bot.conversations.models import Message, Outbox
from bot.conversations.service import safety_reply
from tests.support import hold, navigator_reply


def count_messages(service, **where) -> int:
    with service.sessions() as session:
        query = select(func.count()).select_from(Message)
        for key, value in where.items():
            query = query.where(getattr(Message, key) == value)
        return session.execute(query).scalar_one()


def test_message_is_answered_and_both_sides_are_kept(inbound, conversations, assistant):
    conversation = conversations.start("web")
    outcome = inbound.handle(conversation, "where can i get narcan")
    assert outcome.answered
    assert [r.body for r in outcome.replies] == ["echo: where can i get narcan"]
    assert outcome.replies[0].buttons == [{"title": "More", "payload": "/more"}]
    assert assistant.received == [(conversation.sender_id, "where can i get narcan", "webchat")]
    assert count_messages(conversations, direction="in", status="answered") == 1


def test_sms_and_terminal_conversations_get_sms_variations(inbound, conversations, assistant):
    for channel in ("sms", "terminal"):
        inbound.handle(conversations.start(channel), "hi")
    assert [r[2] for r in assistant.received] == ["sms", "sms"]


def test_sender_id_is_opaque_and_unique(conversations):
    ids = {conversations.start("sms").sender_id for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_assistant_down_gives_safety_reply_and_keeps_message(inbound, conversations, assistant):
    assistant.down = True
    conversation = conversations.start("sms")
    outcome = inbound.handle(conversation, "is anyone there")
    assert not outcome.answered and outcome.assistant_down
    assert [r.body for r in outcome.replies] == [safety_reply()]
    assert "911" in safety_reply() and "988" in safety_reply() and len(safety_reply()) <= 320
    assert count_messages(conversations, direction="in", status="pending") == 1

    assistant.down = False
    assert inbound.answer_pending() == 1
    later = conversations.messages_after(conversation, outcome.replies[0].id)
    assert [m.body for m in later] == ["echo: is anyone there"]
    assert count_messages(conversations, direction="in", status="pending") == 0


def test_pending_messages_are_answered_in_order_and_once(inbound, conversations, assistant):
    assistant.down = True
    conversation = conversations.start("web")
    for text in ("one", "two", "three"):
        inbound.handle(conversation, text)
    # One safety reply per kept message, even when the worker retries during the outage.
    inbound.answer_pending()
    assert count_messages(conversations, author="system") == 3
    assistant.down = False
    while inbound.answer_pending():
        pass
    assert [t for _, t, _ in assistant.received] == ["one", "two", "three"]
    assert count_messages(conversations, author="assistant") == 3


def test_a_new_message_waits_behind_an_older_pending_one(inbound, conversations, assistant):
    assistant.down = True
    conversation = conversations.start("web")
    inbound.handle(conversation, "first")
    assistant.down = False
    outcome = inbound.handle(conversation, "second")
    assert not outcome.answered
    assert assistant.received == []
    inbound.answer_pending()
    inbound.answer_pending()
    assert [t for _, t, _ in assistant.received] == ["first", "second"]


def test_repeated_external_id_is_stored_once(inbound, conversations, assistant):
    conversation = conversations.start("sms")
    first = inbound.handle(conversation, "hello", external_id="SM123")
    again = inbound.handle(conversation, "hello", external_id="SM123")
    assert again.duplicate and again.message.id == first.message.id
    assert [r.id for r in again.replies] == [r.id for r in first.replies]
    assert count_messages(conversations, direction="in") == 1
    assert len(assistant.received) == 1


def test_concurrent_duplicates_produce_one_answer(inbound, conversations, assistant):
    conversation = conversations.start("sms")
    barrier = threading.Barrier(4)

    def deliver():
        barrier.wait()
        inbound.handle(conversation, "same message", external_id="SMdup")

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count_messages(conversations, direction="in") == 1
    assert len(assistant.received) == 1


def test_overlong_text_is_capped_not_dropped(inbound, conversations, assistant):
    conversation = conversations.start("sms")
    inbound.handle(conversation, "x" * 5000)
    assert len(assistant.received[0][1]) == 1600


def test_while_a_navigator_holds_the_assistant_is_silent_but_crisis_still_answers(
    inbound, conversations, assistant
):
    conversation = conversations.start("web")
    hold(conversations.sessions, conversation.id, 7)
    quiet = inbound.handle(conversation, "can i get a ride to the clinic")
    assert quiet.replies == [] and assistant.received == []
    assert count_messages(conversations, status="for_navigator") == 1
    crisis = inbound.handle(conversation, "he's not breathing")
    assert [r.body for r in crisis.replies] == ["echo: he's not breathing"]

    reply = navigator_reply(conversations.sessions, conversation.id, "Hi, I'm Sam, a navigator.")
    assert reply.author == "navigator"
    assert count_messages(conversations, status="for_navigator") == 0
    shown = conversations.messages_after(conversation, 0)
    assert shown[-1].body == "Hi, I'm Sam, a navigator."

    hold(conversations.sessions, conversation.id, None)
    back = inbound.handle(conversation, "thanks")
    assert [r.body for r in back.replies] == ["echo: thanks"]


def test_a_navigator_reply_on_sms_goes_to_the_outbox(conversations):
    conversation = conversations.start("sms")
    hold(conversations.sessions, conversation.id, 1)
    reply = navigator_reply(conversations.sessions, conversation.id, "Hello from a navigator")
    with conversations.sessions() as session:
        entry = session.execute(select(Outbox).where(Outbox.message_id == reply.id)).scalar_one()
    assert entry.status == Outbox.QUEUED


def test_the_answer_s_topic_is_kept_on_the_person_s_message(
    inbound, conversations, assistant, monkeypatch
):
    replies = [Reply(text="Naloxone reverses an opioid overdose.", topic="naloxone"),
               Reply(text="Reply MORE for how to give it.", topic="naloxone")]  # fmt: skip
    monkeypatch.setattr(assistant, "send", lambda *args: replies)
    conversation = conversations.start("sms")
    outcome = inbound.handle(conversation, "what is narcan")
    with conversations.sessions() as session:
        kept = session.get(Message, outcome.message.id)
        assert (kept.topic, kept.body, kept.payload) == ("naloxone", "what is narcan", None)


def test_a_payload_is_what_the_assistant_is_asked_and_the_text_is_kept(conversations, assistant):
    conversation = conversations.start("sms")
    kept = conversations.set_payload(conversations.record(conversation, "1"), "/request_human")
    outcome = conversations.answer(kept, claimed=True)
    assert assistant.received[-1][1] == "/request_human"
    assert outcome.message.body == "1"


def test_two_safety_replies_stored_at_once_do_not_stop_the_answering(
    inbound, conversations, assistant
):
    # The gateway (timed out) and the worker (retrying) may both store the safety reply for
    # one message at the same moment; the next retry must not crash on the pair.
    assistant.down = True
    conversation = conversations.start("sms")
    outcome = inbound.handle(conversation, "is anyone there")
    with conversations.sessions() as session:
        first = session.get(Message, outcome.replies[0].id)
        session.add(
            Message(
                conversation_id=conversation.id, direction=Message.OUTBOUND, author="system",
                body=first.body, reply_to_id=first.reply_to_id, status=first.status,
            )
        )  # fmt: skip
        session.commit()
    inbound.answer_pending()  # still down: no crash
    assistant.down = False
    assert inbound.answer_pending() == 1


def test_the_worker_keeps_going_after_a_failed_pass(monkeypatch, caplog):
    import time

    from click.testing import CliRunner

    import bot.bootstrap
    import bot.checkins.scheduler
    from bot.cli import main

    passes = []

    class Inbound:
        def answer_pending(self):
            passes.append(1)
            if len(passes) == 1:
                raise RuntimeError("someone wrote this")
            return 0

    class Nothing:
        def notify_unclaimed(self):
            return 0

        def escalate_unclaimed(self):
            return 0

    class Services:
        sender = None
        inbound = Inbound()
        handoffs = Nothing()
        settings = type(
            "S",
            (),
            {"database_url": "sqlite://", "directory_sync": type("N", (), {"nightly": False})()},
        )()
        checkin_sending = retention = type("R", (), {"run": None})()

    class Scheduler:
        def __init__(self, *args, **kwargs):
            pass

        def start(self):
            pass

        def shutdown(self, wait):
            pass

    def stop_after_two(seconds):
        if len(passes) >= 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(bot.bootstrap, "bootstrap", lambda: Services())
    monkeypatch.setattr(bot.checkins.scheduler, "CheckInScheduler", Scheduler)
    monkeypatch.setattr(time, "sleep", stop_after_two)
    CliRunner().invoke(main, ["worker", "--interval", "0"])
    assert len(passes) == 2  # the failed pass was followed by another
    assert "worker pass failed: RuntimeError" in caplog.text
    assert "someone wrote this" not in caplog.text
