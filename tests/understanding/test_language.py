"""The conversation's language: each message read as English, Spanish or "cannot tell",
a switch asked for outright, and the slot that keeps it (rasa_addons/language.py)."""

from __future__ import annotations

import pytest

from bot.understanding.language import ENGLISH, SPANISH, asked_for, detect, read

SHORT_SPANISH = [
    "no respira",
    "hola",
    "ayuda",
    "necesito narcan",
    "no despierta",
    "sobredosis",
    "se puso morado",
    "mi amigo no respira",
    "me quiero morir",
    "gracias",
    "donde consigo naloxona",
    "buenas noches",
    "q hago",
    "ayudaaa porfa",
    "tratamiento cerca de hartford",
    "necesito metadona",
    "mi bf no despierta help",
]
SHORT_ENGLISH = [
    "help",
    "hi",
    "not breathing",
    "he wont wake up",
    "need narcan",
    "thanks",
    "yes",
    "i want to die",
    "where can i get narcan",
    "my friend is oding",
    "talk to a person",
    "methadone near me",
    "lips are blue",
    "what is naloxone",
]
CANNOT_TELL = ["ok", "no", "narcan", "naloxone", "911", "06360", "hartford", "!!", "", "1"]


@pytest.mark.parametrize("text", SHORT_SPANISH)
def test_short_spanish_messages_are_spanish(text: str) -> None:
    assert detect(text) == SPANISH


@pytest.mark.parametrize("text", SHORT_ENGLISH)
def test_short_english_messages_are_english(text: str) -> None:
    assert detect(text) == ENGLISH


@pytest.mark.parametrize("text", CANNOT_TELL)
def test_words_both_languages_use_keep_the_current_language(text: str) -> None:
    assert detect(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("english please", ENGLISH),
        ("English, please!", ENGLISH),
        ("in english", ENGLISH),
        ("can you speak english", ENGLISH),
        ("en inglés por favor", ENGLISH),
        ("no hablo español", ENGLISH),
        ("en español", SPANISH),
        ("En Español por favor", SPANISH),
        ("español", SPANISH),
        ("espanol", SPANISH),
        ("spanish please", SPANISH),
        ("can you speak spanish", SPANISH),
        ("¿habla español?", SPANISH),
        ("no hablo ingles", SPANISH),
    ],
)
def test_asking_for_a_language_switches_to_it(text: str, language: str) -> None:
    assert asked_for(text) == language
    assert read(text).switch and read(text).language == language


@pytest.mark.parametrize("text", ["spanish", "SPANISH", "any in spanish", "english is fine"])
def test_the_bare_word_spanish_is_a_lookup_refinement_not_a_switch(text: str) -> None:
    assert asked_for(text) is None


def test_lingua_only_votes_on_three_words_or_more() -> None:
    def sure_spanish(text: str):
        return SPANISH, 1.0

    assert read("hello there", lingua=sure_spanish).language == ENGLISH
    assert read("narcan ok", lingua=sure_spanish).language is None
    assert read("vivo en new london", lingua=sure_spanish).language == SPANISH


def test_lingua_is_built_for_english_and_spanish_only_and_answers_longer_messages() -> None:
    assert detect("mi hijo esta usando fentanilo y no se que hacer") == SPANISH
    assert detect("my son is using fentanyl and i dont know what to do") == ENGLISH
    assert detect("vivo en new london") == SPANISH


# -- the slot -------------------------------------------------------------------------------


def _tracker(reading: dict | None, slot: str | None = None):
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.slots import TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    parse = {"intent": {"name": "greet", "confidence": 1.0}, "entities": []}
    if reading is not None:
        parse["language"] = reading
    events = [ActionExecuted("action_listen")]
    if slot:
        events.append(SlotSet("language", slot))
    events += [UserUttered("text", parse["intent"], parse_data=parse)]
    slots = [TextSlot("language", mappings=[{"type": "custom"}], influence_conversation=False)]
    return DialogueStateTracker.from_events("someone", events, slots=slots)


@pytest.mark.parametrize(
    ("reading", "slot", "change"),
    [
        ({"detected": "es", "switch": False}, None, "es"),
        ({"detected": "es", "switch": False}, "es", None),
        ({"detected": None, "switch": False}, "es", None),
        ({"detected": "en", "switch": True}, "es", "en"),
        ({"detected": "en", "switch": False}, None, None),
        ({"detected": "es", "switch": True}, "en", "es"),
        (None, "es", None),
    ],
)
def test_the_slot_changes_only_when_a_message_says_another_language(reading, slot, change):
    from rasa_addons.language import language_change

    assert language_change(_tracker(reading, slot)) == change


@pytest.mark.slow
def test_the_policy_sets_the_slot_as_an_event_and_never_predicts_an_action():
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet

    from rasa_addons.language import LanguagePolicy

    domain = Domain.load("domain")
    context = ExecutionContext(GraphSchema({}), "test")
    policy = LanguagePolicy.create(
        LanguagePolicy.get_default_config(), None, Resource("language"), context
    )
    prediction = policy.predict_action_probabilities(
        _tracker({"detected": "es", "switch": False}), domain
    )
    assert prediction.events == [SlotSet("language", "es")]
    assert max(prediction.probabilities) == 0.0
    calm = policy.predict_action_probabilities(_tracker({"detected": None}, "es"), domain)
    assert calm.events == []


def test_the_nlu_component_writes_the_reading_and_leaves_buttons_alone() -> None:
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    from rasa_addons.language import LanguageDetector

    spanish, unsure, button = (
        Message(data={TEXT: "necesito ayuda"}),
        Message(data={TEXT: "ok"}),
        Message(data={TEXT: "/affirm"}),
    )
    LanguageDetector({}).process([spanish, unsure, button])
    assert spanish.get("language") == {"detected": "es", "switch": False}
    assert unsure.get("language") == {"detected": None, "switch": False}
    assert button.get("language") is None


def test_a_spanish_only_emergency_marks_the_message_spanish_and_skips_the_english_answer():
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from rasa_addons.crisis import CrisisOverride

    selected = {"default": {"response": {"intent_response_key": "treatment/methadone"}}}
    message = Message(
        data={
            TEXT: "me quiero morir",
            INTENT: {"name": "treatment", "confidence": 0.9},
            "response_selector": selected,
            "language": {"detected": None, "switch": False},
        }
    )
    english = Message(
        data={
            TEXT: "i want to die, is methadone safe",
            INTENT: {"name": "treatment", "confidence": 0.9},
            "response_selector": selected,
            "language": {"detected": "en", "switch": False},
        }
    )
    CrisisOverride({}).process([message, english])
    assert message.get(INTENT)["name"] == "suicide"
    assert message.get("language")["detected"] == "es"
    assert message.get("crisis_also") == []
    assert english.get("crisis_also") == ["treatment/methadone"]


def test_a_spanish_emergency_keeps_the_classifiers_answer_when_it_has_spanish():
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from rasa_addons.crisis import CrisisOverride

    selected = {"default": {"response": {"intent_response_key": "naloxone/safety"}}}
    message = Message(
        data={
            TEXT: "me quiero morir, la naloxona es segura?",
            INTENT: {"name": "naloxone", "confidence": 0.9},
            "response_selector": selected,
            "language": {"detected": "es", "switch": False},
        }
    )
    CrisisOverride({}).process([message])
    assert message.get(INTENT)["name"] == "suicide"
    assert message.get("crisis_also") == ["naloxone/safety"]


@pytest.mark.parametrize("web", [False, True])
def test_the_fallback_menu_speaks_spanish_in_a_spanish_conversation(web: bool) -> None:
    from bot.content import sms_problems
    from bot.understanding.answers import menu_text

    options = ["naloxone/how_to", "request_human"]
    text, buttons = menu_text(options, web=web, language="es")
    assert text.startswith("No estoy seguro de entenderte") and "911" in text
    assert sms_problems(text) == []
    english, _ = menu_text(options, web=web)
    assert english.startswith("I'm not sure I understood")
    if web:
        assert [b["title"] for b in buttons][-1] == "Hablar con una persona"
    else:
        assert "2) Hablar con una persona" in text and "Responde 1 o 2" in text


def test_a_switch_is_its_own_intent_whatever_the_classifier_said() -> None:
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from rasa_addons.language import LanguageDetector

    message = Message(data={TEXT: "en español", INTENT: {"name": "greet", "confidence": 0.7}})
    LanguageDetector({}).process([message])
    assert message.get(INTENT) == {"name": "switch_language", "confidence": 1.0}
    assert message.get("language") == {"detected": "es", "switch": True}
