"""Replies to a list of places, as people text them: which change the search and how,
and which are something else (bot/directory/asking.py, rasa_addons/lookup.py)."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.directory.asking import parse_medication, read_refinement, wishes, without_car
from rasa_addons.lookup import LookupFollowUpPolicy, lookup_action
from rasa_addons.places import PlaceMessage, place_lookup


@pytest.mark.parametrize(
    "text, place, need, medication, wished",
    [
        ("what about norwich", "Norwich, CT", None, None, ()),
        ("06340", "Groton, CT 06340", None, None, ()),
        ("how about norwhich", "Norwich, CT", None, None, ()),  # misspelled after "about"
        ("orange ma", "Orange, MA", None, None, ()),
        ("MEDICAID", None, None, None, ("medicaid",)),
        ("any that take husky", None, None, None, ("medicaid",)),
        ("do they speak spanish", None, None, None, ("spanish",)),
        ("NOINS", None, None, None, ("uninsured",)),
        ("telehealth only", None, None, None, ("telehealth",)),
        ("walk in today?", None, None, None, ("walk_in",)),
        ("methadon", None, "treatment", "methadone", ()),
        ("suboxone instead", None, "treatment", "buprenorphine", ()),
        ("subxone near hartford", "Hartford, CT", "treatment", "buprenorphine", ()),
        ("i need narcan too", None, "naloxone", None, ()),
        ("methadone in new london with medicaid", "New London, CT", "treatment", "methadone",
         ("medicaid",)),
    ],
)  # fmt: skip
def test_replies_that_change_the_search(text, place, need, medication, wished):
    change = read_refinement(text)
    assert change is not None
    assert (change.place.label if change.place else None) == place
    assert (change.need, change.medication, change.wishes) == (need, medication, wished)
    assert lookup_action(text) == "action_refine_search"


@pytest.mark.parametrize(
    "text",
    ["how do i use narcan", "thanks", "ok", "norwhich", "is methadone safe when pregnant?",
     "my son overdosed", "can i talk to someone", "what are your hours", "yes please"],
)  # fmt: skip
def test_replies_that_are_something_else(text):
    # A misspelled town alone could be any word; questions are answered, not searched.
    assert read_refinement(text) is None and lookup_action(text) is None


def test_more_wrong_all_and_no_car():
    assert lookup_action("MORE") == "action_more_results"
    assert lookup_action("more please") == "action_more_results"
    assert lookup_action("WRONG 2") == "action_report_listing"
    assert lookup_action("wrong #3") == "action_report_listing"
    assert read_refinement("all").every
    assert read_refinement("i dont have a car").same_town
    assert without_car(["we take the bus"]) and not without_car(["my car broke my heart"])


def test_wishes_and_medications_in_their_words():
    assert wishes(["bupe in spanish with husky, walk-in"]) == ("medicaid", "spanish", "walk_in")
    assert wishes(["i have no insurance"]) == ("uninsured",)
    assert parse_medication("subxone near hartford") == "buprenorphine"
    assert parse_medication("methadon program in norwich") == "methadone"
    assert parse_medication("vivitrol shot") == "naltrexone"
    assert parse_medication("narcan") is None  # naloxone is not a treatment medication


@pytest.mark.parametrize(
    "text, entity",
    [("willimantic", ("town", "Willimantic CT")), ("im in 06340", ("zip", "06340")),
     ("i live in hartford", ("town", "Hartford CT")), ("warren ma", ("town", "Warren MA")),
     ("norwich ct please", ("town", "Norwich CT"))],
)  # fmt: skip
def test_a_message_that_is_only_a_place_is_a_lookup(text, entity):
    intent, found = place_lookup(text)
    assert intent == "find_treatment" and (found["entity"], found["value"]) == entity


@pytest.mark.parametrize(
    "text", ["im sharon", "norwhich", "my zip is 06340 and i need help", "ct", "new york",
             "took 10000", "/find_naloxone", "hi"],
)  # fmt: skip
def test_introductions_misspellings_and_more_than_a_place_are_left_to_the_classifier(text):
    assert place_lookup(text) is None


def test_the_place_component_sets_the_lookup_and_the_entity_spacy_missed():
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": "im in 06340", "intent": {"name": "out_of_scope"}})
    PlaceMessage({}).process([message])
    assert message.get("intent") == {"name": "find_treatment", "confidence": 1.0}
    assert message.get("entities")[0]["value"] == "06340"
    kept = Message(data={"text": "06340", "intent": {"name": "find_naloxone"}, "entities": []})
    PlaceMessage({}).process([kept])
    assert kept.get("intent")["name"] == "find_naloxone"  # a lookup's own need is kept


# -- the policy ---------------------------------------------------------------------------

DOMAIN = Domain.from_dict(
    {
        "intents": ["find_treatment", "needs", "overdose_now", "request_human", "greet"],
        "actions": ["action_find_help", "action_refine_search", "action_more_results",
                    "action_report_listing", "action_answer"],
    }
)  # fmt: skip


def predicted(previous_action: str, text: str, intent: str = "needs", **parse) -> str | None:
    tracker = DialogueStateTracker.from_events(
        "someone",
        [
            ActionExecuted("action_listen"),
            UserUttered("first", {"name": "find_treatment"}),
            ActionExecuted(previous_action),
            ActionExecuted("action_listen"),
            UserUttered(text, {"name": intent}, parse_data=parse or None),
        ],
    )
    config = LookupFollowUpPolicy.get_default_config()
    context = ExecutionContext(GraphSchema({}), "test")
    policy = LookupFollowUpPolicy.create(config, None, Resource("lookup"), context)
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    if max(prediction.probabilities) == 0:
        return None
    return DOMAIN.action_names_or_texts[prediction.max_confidence_index]


def test_the_policy_reads_a_reply_against_the_list_only():
    assert predicted("action_find_help", "medicaid") == "action_refine_search"
    assert predicted("action_more_results", "what about norwich") == "action_refine_search"
    assert predicted("action_refine_search", "more") == "action_more_results"
    assert predicted("action_find_help", "wrong 2") == "action_report_listing"
    # Not after anything else, and never for an emergency or a request for a person.
    assert predicted("action_answer", "medicaid") is None
    assert predicted("action_find_help", "norwich", intent="overdose_now") is None
    assert predicted("action_find_help", "06340", intent="request_human") is None
    assert predicted("action_find_help", "how do i use narcan") is None


def test_the_policy_outranks_rules_so_a_zip_is_not_a_new_lookup_that_forgets():
    from rasa.core.policies.rule_policy import RulePolicy

    assert (
        LookupFollowUpPolicy.get_default_config()["priority"]
        > (RulePolicy.get_default_config()["priority"])
    )
