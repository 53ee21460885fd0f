"""An emergency never waits in line: when the assistant is slow, the emergency reply's first
message goes at once, and the assistant's answer follows without repeating it."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import List

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.assistant import AssistantUnavailable, Reply
from bot.content import crisis_reply
from bot.conversations.models import Message, Outbox
from tests.support import PUBLIC, TWILIO_TOKEN, ScriptedAssistant, dispose, make_services
from webhook import create_app

OVERDOSE = "my friend isnt breathing"
SUICIDE = "i want to kill myself"


class SlowAssistant(ScriptedAssistant):
    """Answers like Rasa would, but only once `release` is set (busy with others)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.answered = threading.Event()
        self.fail = False

    def send(self, sender_id: str, text: str, input_channel: str = "sms") -> List[Reply]:
        self.received.append((sender_id, text, input_channel))
        self.release.wait(10)
        try:
            if self.fail:
                raise AssistantUnavailable("went down while busy")
            kind = "suicide" if "kill" in text else "overdose_now"
            channel = "webchat" if input_channel == "webchat" else None
            return [Reply(text=t) for t in crisis_reply(kind, None, channel)]
        finally:
            self.answered.set()


@pytest.fixture
def slow(settings):
    assistant = SlowAssistant()
    services = make_services(replace(settings, crisis_wait=0.05), assistant)
    yield services, assistant
    assistant.release.set()
    dispose(services)


def chat(client):
    session_id = client.post("/api/chat/sessions", json={"channel": "web"}).get_json()["session_id"]
    return session_id, {"X-Chat-Session": session_id}


def settled(services, message_id: int, timeout: float = 5.0) -> Message:
    """The message once the late answer's thread has stored it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with services.sessions() as session:
            message = session.get(Message, message_id)
            if message.status != Message.PROCESSING:
                return message
        time.sleep(0.02)
    raise AssertionError("the late answer was never stored")


def test_a_slow_assistant_does_not_hold_back_the_911_reply_in_the_web_chat(slow):
    services, assistant = slow
    client = create_app(services, {"TESTING": True}).test_client()
    _, headers = chat(client)
    started = time.monotonic()
    data = client.post("/api/chat/messages", headers=headers, json={"text": OVERDOSE}).get_json()
    took = time.monotonic() - started

    steps = crisis_reply("overdose_now", None, "webchat")
    assert [r["text"] for r in data["replies"]] == steps[:1]
    assert data["following"] is True and data["pending"] is False
    assert took < 2  # the assistant has not answered at all yet
    # The assistant was still asked, so the conversation's state stays right.
    assert [text for _, text, _ in assistant.received] == [OVERDOSE]

    assistant.release.set()
    settled(services, data["message_id"])
    later = client.get(
        f"/api/chat/messages?after={data['replies'][0]['id']}", headers=headers
    ).get_json()["messages"]
    assert [m["text"] for m in later] == steps[1:]  # the first step is not repeated
    history = client.get("/api/chat/messages?history=1", headers=headers).get_json()["messages"]
    assert [m["text"] for m in history] == [OVERDOSE, *steps]


def test_a_quick_assistant_answers_an_emergency_whole_as_before(settings):
    assistant = ScriptedAssistant()  # answers at once
    assistant.script[SUICIDE] = [Reply(text=t) for t in crisis_reply("suicide")]
    services = make_services(replace(settings, crisis_wait=1.0), assistant)
    client = create_app(services, {"TESTING": True}).test_client()
    _, headers = chat(client)
    data = client.post("/api/chat/messages", headers=headers, json={"text": SUICIDE}).get_json()
    assert [r["text"] for r in data["replies"]] == crisis_reply("suicide")
    assert data["following"] is False and data["pending"] is False
    dispose(services)


def test_a_spanish_emergency_gets_its_first_reply_in_spanish(slow):
    services, assistant = slow
    client = create_app(services, {"TESTING": True}).test_client()
    _, headers = chat(client)
    data = client.post(
        "/api/chat/messages", headers=headers, json={"text": "mi amigo no respira"}
    ).get_json()
    assert [r["text"] for r in data["replies"]] == crisis_reply("overdose_now", "es", "webchat")[:1]
    assert "911" in data["replies"][0]["text"]


def test_an_assistant_that_fails_after_the_first_reply_leaves_the_message_to_the_worker(slow):
    services, assistant = slow
    client = create_app(services, {"TESTING": True}).test_client()
    _, headers = chat(client)
    assistant.fail = True
    data = client.post("/api/chat/messages", headers=headers, json={"text": OVERDOSE}).get_json()
    assert len(data["replies"]) == 1 and "911" in data["replies"][0]["text"]
    assistant.release.set()
    message = settled(services, data["message_id"])
    assert message.status == Message.PENDING  # kept: the worker answers it when Rasa is back

    assistant.fail = False
    assert services.inbound.answer_pending() == 1
    history = client.get("/api/chat/messages?history=1", headers=headers).get_json()["messages"]
    # The worker's answer skips what was already sent, and nothing is lost.
    assert [m["text"] for m in history] == [
        OVERDOSE,
        *crisis_reply("overdose_now", None, "webchat"),
    ]


def test_by_sms_the_first_reply_is_the_twiml_and_the_rest_goes_through_the_outbox(slow):
    services, assistant = slow
    client = create_app(services, {"TESTING": True}).test_client()
    params = {"From": "+18605550177", "To": "+18605550100", "Body": OVERDOSE,
              "MessageSid": "SM" + "7" * 32, "NumMedia": "0"}  # fmt: skip
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC + "/sms/inbound", params)
    response = client.post("/sms/inbound", data=params, headers={"X-Twilio-Signature": signature})
    inline = [m.text for m in ET.fromstring(response.get_data()).iter("Message")]
    steps = crisis_reply("overdose_now")
    assert inline == steps[:1]

    assistant.release.set()
    assert assistant.answered.wait(5)
    with services.sessions() as session:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            queued = (
                session.execute(
                    select(Message.body)
                    .join(Outbox, Outbox.message_id == Message.id)
                    .where(Outbox.status == Outbox.QUEUED)
                    .order_by(Message.id)
                )
                .scalars()
                .all()
            )
            if queued:
                break
            time.sleep(0.02)
            session.expire_all()
    assert queued == steps[1:]
