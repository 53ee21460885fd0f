"""The whole helpline, end to end, against each profile (SQLite defaults; PostgreSQL + Redis)."""

from __future__ import annotations

import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.conversations import SAFETY_REPLY
from bot.settings import ROOT

pytestmark = pytest.mark.integration


@cache
def sms_texts(response: str) -> tuple:
    """The SMS variations of a domain response, with slot values filled in."""
    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(ROOT / "domain"))
    slots = {slot.name: slot.initial_value for slot in domain.slots}
    return tuple(
        variation["text"].format(**slots)
        for variation in domain.responses[response]
        if not variation.get("channel") or variation.get("channel") == "sms"
    )


def wait_for(predicate, timeout=120.0, every=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"gave up after {timeout}s")


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
    assert [r["text"] for r in down["replies"]] == [SAFETY_REPLY]
    assert requests.get(f"{helpline.gateway}/health").status_code == 503

    helpline.start("rasa")
    helpline.wait_healthy()

    def answered():
        messages = requests.get(
            f"{helpline.gateway}/api/chat/sessions/{session_id}/messages",
            params={"after": down["replies"][-1]["id"]},
        ).json()["messages"]
        return [m for m in messages if m["author"] == "assistant"]

    replies = wait_for(answered, timeout=60)
    assert replies[0]["text"] in sms_texts("utter_greet")
