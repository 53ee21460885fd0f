"""The whole helpline, end to end, against each profile (SQLite defaults; PostgreSQL + Redis)."""

from __future__ import annotations

import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

from bot.conversations.messages import safety_reply
from bot.settings import ROOT
from tests.integration.support import TWILIO_TEST_TOKEN, sms_texts, wait_for

pytestmark = pytest.mark.integration


def test_health_reports_a_loaded_model_and_every_part(helpline):
    body = requests.get(f"{helpline.gateway}/health").json()
    assert body["status"] == "ok"
    assert body["checks"] == {"rasa": True, "action_server": True, "database": True}
    assert body["model"]


def test_a_message_through_the_gateway_gets_the_assistants_answer(helpline):
    session_id = helpline.new_chat()
    data = helpline.say(session_id, "hey")
    assert data["pending"] is False
    assert [r["text"] for r in data["replies"]][0] in sms_texts("utter_greet")


def test_rasa_sees_only_the_opaque_id_and_keeps_it_in_the_configured_tracker_store(helpline):
    session_id = helpline.new_chat()
    helpline.say(session_id, "thanks")
    tracker = requests.get(
        f"{helpline.rasa}/conversations/{session_id}/tracker",
        params={"token": helpline.env["RASA_TOKEN"]},
    ).json()
    assert tracker["sender_id"] == session_id and len(session_id) == 32
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["thanks"]
    engine = create_engine(helpline.env["TRACKER_DATABASE_URL"], future=True)
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": session_id}
        ).scalar_one()
    engine.dispose()
    assert stored >= 2


def test_rasa_api_needs_the_token(helpline):
    assert requests.get(f"{helpline.rasa}/status").status_code == 401
    assert requests.get(f"{helpline.rasa}/status", params={"token": "wrong"}).status_code == 401


def test_terminal_chat_talks_through_the_gateway(helpline):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "helpline"), "chat", "--url", helpline.gateway],
        input="hey\n/quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=helpline.env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    shown = " ".join(result.stdout.split())
    greeting = " ".join(sms_texts("utter_greet")[0].split())
    assert greeting[:60] in shown


def test_messages_sent_while_rasa_is_down_are_kept_and_answered_when_it_is_back(helpline):
    session_id = helpline.new_chat()
    helpline.stop("rasa")
    down = helpline.say(session_id, "hey")
    assert down["pending"] is True
    assert [r["text"] for r in down["replies"]] == [safety_reply()]
    assert requests.get(f"{helpline.gateway}/health").status_code == 503

    helpline.start("rasa")
    helpline.wait_healthy()

    def answered():
        messages = requests.get(
            f"{helpline.gateway}/api/chat/messages",
            headers={"X-Chat-Session": session_id},
            params={"after": down["replies"][-1]["id"]},
        ).json()["messages"]
        return [m for m in messages if m["author"] == "assistant"]

    replies = wait_for(answered, timeout=60)
    assert replies[0]["text"] in sms_texts("utter_greet")


def test_a_signed_text_gets_the_assistants_answer_as_twiml(helpline):
    params = {"From": "+18605550177", "Body": "hey", "MessageSid": f"SMit{uuid.uuid4().hex}"}
    url = f"{helpline.gateway}/sms/inbound"
    signature = RequestValidator(TWILIO_TEST_TOKEN).compute_signature(url, params)
    headers = {"X-Twilio-Signature": signature}
    first = requests.post(url, data=params, headers=headers, timeout=30)
    assert first.status_code == 200
    texts = [m.text for m in ET.fromstring(first.content).iter("Message")]
    assert texts[0] in sms_texts("utter_greet")
    again = requests.post(url, data=params, headers=headers, timeout=30)
    assert list(ET.fromstring(again.content).iter("Message")) == []
    forged = requests.post(url, data=params, headers={"X-Twilio-Signature": "x"}, timeout=30)
    assert forged.status_code == 403


def test_no_process_logs_a_phone_number_or_a_message_body(helpline):
    params = {"From": "+18605550188", "Body": "zebra quartz words", "MessageSid": "SMlogcheck"}
    url = f"{helpline.gateway}/sms/inbound"
    signature = RequestValidator(TWILIO_TEST_TOKEN).compute_signature(url, params)
    requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
    session_id = helpline.new_chat()
    helpline.say(session_id, "zebra quartz words")
    logs = {path.name: path.read_text(errors="replace") for path in helpline.logs.glob("*.log")}
    assert set(logs) >= {f"{helpline.name}-{p}.log" for p in ("rasa", "actions", "gateway")}
    for name, logged in logs.items():
        for secret in ("5550188", "5550177", "zebra quartz"):
            assert secret not in logged, f"{secret!r} appears in {name}"
