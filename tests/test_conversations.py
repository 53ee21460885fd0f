"""The shared message path: kept first, answered in order, never lost when Rasa is down."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from bot.assistant import Reply
from bot.conversations.models import Message, Outbox
from bot.conversations.service import safety_reply


def count_messages(service, **where) -> int:
    with service.sessions() as session:
        query = select(func.count()).select_from(Message)
        for key, value in where.items():
            query = query.where(getattr(Message, key) == value)
        return session.execute(query).scalar_one()


def test_message_is_answered_and_both_sides_are_kept(conversations, assistant):
    conversation = conversations.start("web")
    outcome = conversations.receive(conversation, "where can i get narcan")
    assert outcome.answered
    assert [r.body for r in outcome.replies] == ["echo: where can i get narcan"]
    assert outcome.replies[0].buttons == [{"title": "More", "payload": "/more"}]
    assert assistant.received == [(conversation.sender_id, "where can i get narcan", "webchat")]
    assert count_messages(conversations, direction="in", status="answered") == 1


def test_sms_and_terminal_conversations_get_sms_variations(conversations, assistant):
    for channel in ("sms", "terminal"):
        conversations.receive(conversations.start(channel), "hi")
    assert [r[2] for r in assistant.received] == ["sms", "sms"]


def test_sender_id_is_opaque_and_unique(conversations):
    ids = {conversations.start("sms").sender_id for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_assistant_down_gives_safety_reply_and_keeps_message(conversations, assistant):
    assistant.down = True
    conversation = conversations.start("sms")
    outcome = conversations.receive(conversation, "is anyone there")
    assert not outcome.answered and outcome.assistant_down
    assert [r.body for r in outcome.replies] == [safety_reply()]
    assert "911" in safety_reply() and "988" in safety_reply() and len(safety_reply()) <= 320
    assert count_messages(conversations, direction="in", status="pending") == 1

    assistant.down = False
    assert conversations.answer_pending() == 1
    later = conversations.messages_after(conversation, outcome.replies[0].id)
    assert [m.body for m in later] == ["echo: is anyone there"]
    assert count_messages(conversations, direction="in", status="pending") == 0


def test_pending_messages_are_answered_in_order_and_once(conversations, assistant):
    assistant.down = True
    conversation = conversations.start("web")
    for text in ("one", "two", "three"):
        conversations.receive(conversation, text)
    # One safety reply per kept message, even when the worker retries during the outage.
    conversations.answer_pending()
    assert count_messages(conversations, author="system") == 3
    assistant.down = False
    while conversations.answer_pending():
        pass
    assert [t for _, t, _ in assistant.received] == ["one", "two", "three"]
    assert count_messages(conversations, author="assistant") == 3


def test_a_new_message_waits_behind_an_older_pending_one(conversations, assistant):
    assistant.down = True
    conversation = conversations.start("web")
    conversations.receive(conversation, "first")
    assistant.down = False
    outcome = conversations.receive(conversation, "second")
    assert not outcome.answered
    assert assistant.received == []
    conversations.answer_pending()
    conversations.answer_pending()
    assert [t for _, t, _ in assistant.received] == ["first", "second"]


def test_repeated_external_id_is_stored_once(conversations, assistant):
    conversation = conversations.start("sms")
    first = conversations.receive(conversation, "hello", external_id="SM123")
    again = conversations.receive(conversation, "hello", external_id="SM123")
    assert again.duplicate and again.message.id == first.message.id
    assert [r.id for r in again.replies] == [r.id for r in first.replies]
    assert count_messages(conversations, direction="in") == 1
    assert len(assistant.received) == 1


def test_concurrent_duplicates_produce_one_answer(conversations, assistant):
    conversation = conversations.start("sms")
    barrier = threading.Barrier(4)

    def deliver():
        barrier.wait()
        conversations.receive(conversation, "same message", external_id="SMdup")

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count_messages(conversations, direction="in") == 1
    assert len(assistant.received) == 1


def test_overlong_text_is_capped_not_dropped(conversations, assistant):
    conversation = conversations.start("sms")
    conversations.receive(conversation, "x" * 5000)
    assert len(assistant.received[0][1]) == 1600


def test_while_a_navigator_holds_the_assistant_is_silent_but_crisis_still_answers(
    conversations, assistant
):
    conversation = conversations.start("web")
    conversations.hold(conversation.id, navigator_id=7)
    quiet = conversations.receive(conversation, "can i get a ride to the clinic")
    assert quiet.replies == [] and assistant.received == []
    assert count_messages(conversations, status="for_navigator") == 1
    crisis = conversations.receive(conversation, "he's not breathing")
    assert [r.body for r in crisis.replies] == ["echo: he's not breathing"]

    reply = conversations.add_navigator_reply(conversation.id, "Hi, I'm Sam, a navigator.")
    assert reply.author == "navigator"
    assert count_messages(conversations, status="for_navigator") == 0
    shown = conversations.messages_after(conversation, 0)
    assert shown[-1].body == "Hi, I'm Sam, a navigator."

    conversations.hold(conversation.id, navigator_id=None)
    back = conversations.receive(conversation, "thanks")
    assert [r.body for r in back.replies] == ["echo: thanks"]


def test_a_navigator_reply_on_sms_goes_to_the_outbox(conversations):
    conversation = conversations.start("sms")
    conversations.hold(conversation.id, navigator_id=1)
    reply = conversations.add_navigator_reply(conversation.id, "Hello from a navigator")
    with conversations.sessions() as session:
        entry = session.execute(select(Outbox).where(Outbox.message_id == reply.id)).scalar_one()
    assert entry.status == Outbox.QUEUED


def test_the_answer_s_topic_is_kept_on_the_person_s_message(conversations, assistant, monkeypatch):
    replies = [Reply(text="Naloxone reverses an opioid overdose.", topic="naloxone"),
               Reply(text="Reply MORE for how to give it.", topic="naloxone")]  # fmt: skip
    monkeypatch.setattr(assistant, "send", lambda *args: replies)
    conversation = conversations.start("sms")
    outcome = conversations.receive(conversation, "what is narcan")
    with conversations.sessions() as session:
        kept = session.get(Message, outcome.message.id)
        assert (kept.topic, kept.body, kept.payload) == ("naloxone", "what is narcan", None)


def test_a_payload_is_what_the_assistant_is_asked_and_the_text_is_kept(conversations, assistant):
    conversation = conversations.start("sms")
    outcome = conversations.receive(conversation, "1", payload="/request_human")
    assert assistant.received[-1][1] == "/request_human"
    assert outcome.message.body == "1"
