"""The actions in a Spanish conversation: the emergency's follow-ups and the fallback menu."""

from __future__ import annotations

import asyncio
from typing import Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAlso, ActionClarify, ActionFollowUp


def tracker(language: str | None, **parse: object) -> Tracker:
    message: Dict[str, object] = {
        "text": "mi amigo no respira, me van a deportar si llamo?",
        "intent": {"name": "overdose_now", "confidence": 1.0},
        "entities": [],
        **parse,
    }
    return Tracker(
        sender_id="0123456789abcdef0123456789abcdef",
        slots={"language": language},
        latest_message=message,
        events=[{"event": "user", "text": message["text"], "parse_data": message}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action, language: str | None, **parse: object) -> List[dict]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker(language, **parse), {}))
    return dispatcher.messages


def test_a_spanish_legal_fear_after_an_overdose_gets_the_good_samaritan_answer():
    # utter_law/good_samaritan has Spanish variations: Rasa picks the Spanish one.
    said = run(ActionAlso(), "es", crisis_also=["law/good_samaritan"])
    assert [m.get("response") for m in said] == ["utter_law/good_samaritan"]
    assert said[0]["offer"] == {"state": "label:law/good_samaritan"}


def test_in_spanish_an_answer_without_a_spanish_variation_is_left_out():
    said = run(ActionAlso(), "es", crisis_also=["suicide", "treatment/methadone"])
    assert [m.get("response") for m in said] == ["utter_suicide_first"]
    english = run(ActionAlso(), None, crisis_also=["suicide", "treatment/methadone"])
    assert [m.get("response") for m in english] == [
        "utter_suicide_first",
        "utter_treatment/methadone",
    ]


def test_in_english_the_legal_fear_gets_the_knowledge_base_answer():
    said = run(ActionAlso(), None, crisis_also=["law/good_samaritan"])
    assert [m.get("response") for m in said] == ["utter_law/good_samaritan"]


def test_988_after_an_overdose_that_was_meant_is_the_same_response_in_both_languages():
    for language in ("es", None):
        said = run(ActionAlso(), language, crisis_also=["suicide"])
        assert [m.get("response") for m in said] == ["utter_suicide_first"]


def test_the_fallback_menu_is_in_spanish_for_a_spanish_conversation():
    ranking = [
        {"label": "naloxone/how_to", "confidence": 0.4},
        {"label": "treatment/cost", "confidence": 0.3},
    ]
    spanish = run(ActionClarify(), "es", answer_ranking=ranking)
    english = run(ActionClarify(), None, answer_ranking=ranking)
    assert spanish[0]["text"].startswith("No estoy seguro de entenderte")
    assert "3) Hablar con una persona" in spanish[0]["text"]
    assert english[0]["text"].startswith("I'm not sure I understood")
    assert spanish[0]["offer"] == english[0]["offer"]


def test_a_number_without_a_menu_or_out_of_range_is_answered_in_spanish():
    from bot.content import sms_problems

    dispatcher = CollectingDispatcher()
    menu = {
        "event": "bot",
        "text": "menu",
        "metadata": {"offer": {"choose": ["naloxone/how_to", "request_human"]}},
    }
    chosen = tracker("es", intent={"name": "choose_option", "confidence": 1.0})
    chosen.latest_message["text"] = "7"
    chosen.events[:0] = [{"event": "user", "text": "hola"}, menu]
    asyncio.run(ActionFollowUp().run(dispatcher, chosen, {}))
    assert dispatcher.messages[0]["text"] == "Elige del 1 al 2: responde solo con esa cifra."
    assert sms_problems(dispatcher.messages[0]["text"]) == []
    none = CollectingDispatcher()
    lonely = tracker("es", intent={"name": "choose_option", "confidence": 1.0})
    asyncio.run(ActionFollowUp().run(none, lonely, {}))
    assert none.messages[0]["text"].startswith("No te di una lista")
    assert sms_problems(none.messages[0]["text"]) == []
