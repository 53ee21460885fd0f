"""The handoff actions: consent decides what a navigator sees; contact later is recorded."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import handoff as actions
from bot.handoff.models import Handoff
from bot.handoff.summary import intents_of, reason_for, summary_for
from tests.support import make_settings, make_tracker

pytestmark = pytest.mark.anyio


def user(label: str, text: str = "x") -> dict:
    """A user event as the assistant parses it: a flow intent, or a knowledge-base answer
    (group/key) chosen by the response selector under its group's intent."""
    group, _, key = label.partition("/")
    parse: dict = {"intent": {"name": group}}
    if key:
        selected = {"intent_response_key": label}
        parse["response_selector"] = {"default": {"response": selected}}
    return {"event": "user", "text": text, "parse_data": parse}


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, NAVIGATOR_HOURS="24/7")


@pytest.fixture
def handoffs(services):
    return services.handoffs


def stored(conversations) -> Handoff:
    with conversations.sessions() as session:
        return session.execute(select(Handoff)).scalar_one()


async def request(conversation, intent, events, slots=None):
    tracker = make_tracker(slots or {}, "yes", intent=intent, events=events)
    tracker.sender_id = conversation.sender_id
    dispatcher = CollectingDispatcher()
    await actions.ActionRequestNavigator().run(dispatcher, tracker, {})
    return [m["text"] for m in dispatcher.messages]


async def test_yes_shares_a_town_level_summary_and_queues_by_urgency(conversations, handoffs):
    conversation = conversations.start("sms")
    events = [user("overdose_now"), user("find_treatment"), user("request_human"), user("affirm")]
    slots = {"search_place": "Norwich, CT 06360", "search_medication": "buprenorphine",
             "search_insurance": "medicaid"}  # fmt: skip
    said = await request(conversation, "affirm", events, slots)
    assert said and "navigator" in said[0].lower()
    handoff = stored(conversations)
    assert handoff.reason == "recent_overdose" and handoff.consented
    assert handoff.summary == {
        "topic": "an overdose, finding treatment",
        "town": "Norwich, CT",
        "medication": "buprenorphine",
        "insurance": "Medicaid",
        "urgency": "overdose in the last days",
    }


async def test_no_still_connects_but_shares_nothing(conversations, handoffs):
    conversation = conversations.start("web")
    events = [user("treatment/same_day"), user("request_human"), user("deny", "no")]
    await request(conversation, "deny", events, {"search_place": "Hartford, CT"})
    handoff = stored(conversations)
    assert handoff.reason == "treatment_today" and not handoff.consented
    assert handoff.summary is None


async def test_a_conversation_the_gateway_does_not_know_gets_the_lines(conversations, handoffs):
    tracker = make_tracker({}, "yes", intent="affirm")
    dispatcher = CollectingDispatcher()
    await actions.ActionRequestNavigator().run(dispatcher, tracker, {})
    assert "1-800-662-4357" in dispatcher.messages[0]["text"]


async def test_contact_later_is_recorded_only_with_an_open_request(conversations, handoffs):
    conversation = conversations.start("sms")
    tracker = make_tracker({}, "contact me later", intent="contact_later")
    tracker.sender_id = conversation.sender_id
    dispatcher = CollectingDispatcher()
    await actions.ActionContactLater().run(dispatcher, tracker, {})
    assert "ask for a navigator any time" in dispatcher.messages[0]["text"]

    await request(conversation, "deny", [user("request_human"), user("deny")])
    dispatcher = CollectingDispatcher()
    await actions.ActionContactLater().run(dispatcher, tracker, {})
    assert "will reach out to you here later" in dispatcher.messages[0]["text"]
    assert stored(conversations).contact_later_at is not None


def test_summary_keeps_the_town_not_the_zip_and_no_unknown_values():
    summary = summary_for(["naloxone/how_to"], {"search_place": "New London, CT 06320",
                                                "search_medication": "any"})  # fmt: skip
    assert summary == {"topic": "using naloxone", "town": "New London, CT"}
    assert reason_for(intents_of([user("family/help")])) == "family"
    assert reason_for([]) == "other"
