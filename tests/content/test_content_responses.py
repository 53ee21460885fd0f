"""What a person sees: state-specific legal answers, filled-in lines, web chat variations."""

from __future__ import annotations

import asyncio
from functools import lru_cache

import pytest

from bot.content import DOMAIN_DIR


@lru_cache(maxsize=1)
def _domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(DOMAIN_DIR))


def say(response: str, channel: str = "sms", us_state: str | None = None) -> dict:
    """The message Rasa would send for `response` on `channel` in a fresh conversation."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = _domain()
    events = [SlotSet("us_state", us_state)] if us_state else []
    tracker = DialogueStateTracker.from_events("test", events, slots=domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    message = asyncio.run(nlg.generate(response, tracker, channel))
    assert message is not None
    return message


@pytest.mark.parametrize("response", ["utter_law/good_samaritan", "utter_law/limits"])
def test_legal_answer_asks_for_the_state_when_unknown(response: str) -> None:
    text = say(response)["text"]
    assert "reply CT or MA" in text.replace("Reply", "reply")
    assert "not legal advice" in text


def test_overdose_reply_has_the_real_numbers_filled_in() -> None:
    text = say("utter_overdose_now_call")["text"]
    assert text.startswith("Call 911 now.")
    assert "{" not in text


def test_delete_answer_is_exactly_what_the_gateway_implements() -> None:
    assert say("utter_delete_data")["text"] == (
        "Send the single word DELETE to erase this conversation."
    )


def test_asking_for_a_person_asks_consent_and_promises_the_connection_either_way() -> None:
    text = say("utter_ask_handoff_consent")["text"]
    assert "recovery navigator" in text and "summary" in text
    assert "Reply YES or NO" in text and "Either way you'll be connected" in text


def test_web_chat_gets_buttons_and_sms_gets_plain_text() -> None:
    web = say("utter_greet", channel="webchat")
    sms = say("utter_greet", channel="sms")
    assert [b["payload"] for b in web["buttons"]][:2] == [
        '/naloxone{"label": "naloxone/how_to"}',
        "/find_treatment",
    ]
    assert not sms.get("buttons")
    assert "911" in web["text"] and "911" in sms["text"]
