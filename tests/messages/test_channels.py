"""The Rasa input channels' replies carry their topic (for the action team's figures)."""

from __future__ import annotations

import pytest

from bot.assistant import _to_reply
from bot.content import response_topics
from bot.dashboard.figures import TOPICS
from rasa_addons.channels import SmsInput, _NamedCollector

pytestmark = pytest.mark.anyio


async def collected(message: dict) -> list:
    collector = type("SmsCollector", (_NamedCollector,), {"channel_name": SmsInput.name()})()
    await collector.send_response("someone", message)
    return collector.messages


async def test_a_response_carries_the_topic_of_its_domain_file():
    [item] = await collected(
        {"text": "Naloxone reverses...", "utter_action": "utter_naloxone/what"}
    )
    assert item["topic"] == "naloxone"
    assert _to_reply(item).topic == "naloxone"


async def test_a_custom_action_names_its_own_topic():
    items = await collected(
        {
            "text": "1. Clinic A",
            "topic": "directory",
            "buttons": [{"title": "More", "payload": "/more"}],
        }
    )
    assert [item["topic"] for item in items] == ["directory"]
    assert items[0]["buttons"] == [{"title": "More", "payload": "/more"}]


async def test_a_reply_without_a_known_source_has_no_topic():
    [item] = await collected({"text": "hello"})
    assert item["topic"] is None and _to_reply(item).topic is None


def test_every_response_has_the_topic_of_the_file_it_lives_in():
    topics = response_topics()
    assert topics["utter_treatment/options"] == "treatment"
    assert topics["utter_ask_handoff_consent"] == "handoff"
    assert topics["utter_overdose_now_call"] == "crisis"
    assert topics["utter_law/good_samaritan"] == "law"
    # The directory's and the fallback menu's replies come from actions, which name them.
    assert set(topics.values()) == set(TOPICS) - {"fallback", "directory"}
