"""Helpers for the tests that run the real helpline (tests/integration/conftest.py starts it)."""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from functools import cache

import requests
from twilio.request_validator import RequestValidator

from bot.bootstrap import Services, bootstrap
from bot.db import make_engine, session_factory
from bot.settings import ROOT, Settings
from tests.harness import Helpline

TWILIO_TEST_TOKEN = "integration-twilio-token"


@cache
def response_texts(response: str, channel: str = "sms") -> tuple:
    """What a channel shows for a domain response: its own variations, else the defaults."""
    from rasa.shared.core.domain import Domain

    domain = Domain.load(str(ROOT / "domain"))
    slots = {slot.name: slot.initial_value for slot in domain.slots}
    variations = domain.responses[response]
    own = [v for v in variations if v.get("channel") == channel]
    chosen = own or [v for v in variations if not v.get("channel")]
    return tuple(v["text"].format(**slots) for v in chosen)


def sms_texts(response: str) -> tuple:
    """The SMS variations of a domain response, with slot values filled in."""
    return response_texts(response, "sms")


def wait_for(predicate, timeout=120.0, every=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"gave up after {timeout}s")


def text_in(helpline, body, phone):
    url = f"{helpline.gateway}/sms/inbound"
    params = {"From": phone, "Body": body, "MessageSid": f"SM{uuid.uuid4().hex}", "NumMedia": "0"}
    signature = RequestValidator(TWILIO_TEST_TOKEN).compute_signature(url, params)
    response = requests.post(
        url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
    )
    assert response.status_code == 200
    return [m.text for m in ET.fromstring(response.content).iter("Message")]


def sessions_of(helpline: Helpline):
    """Sessions over one running profile's gateway database."""
    return session_factory(make_engine(helpline.env["DATABASE_URL"]))


def services_for(helpline: Helpline) -> Services:
    """The services over one running profile, as the console's gateway builds them."""
    return bootstrap(Settings.from_env(helpline.env), sessions=sessions_of(helpline))
