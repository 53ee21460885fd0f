"""Spanish replies: every emergency reply has one, Rasa picks it when the conversation is in
Spanish (and only then), and it keeps the facts, the 988 Spanish line and the SMS limits."""

from __future__ import annotations

import asyncio
import math
import re
from functools import lru_cache
from typing import Dict, List

import pytest
import yaml

from bot.content import DOMAIN_DIR, GSM7_EXTENDED, fill_lines, lines, responses, sms_problems

# Every response in domain/crisis.yml is an emergency reply or its follow-up.
CRISIS_RESPONSES = sorted(
    (yaml.safe_load((DOMAIN_DIR / "crisis.yml").read_text(encoding="utf-8")))["responses"]
)
# Spanish words that label people (NIDA "Words Matter" applies in Spanish too).
SPANISH_STIGMA = re.compile(
    r"\b(?:drogadict[oa]s?|adict[oa]s?|tecat[oa]s?|yonquis?|viciosos?|viciosas?|"
    r"abuso de (?:drogas|sustancias)|limpi[oa]s?|suci[oa]s?|v[ií]ctimas?|recaid[oa]s?)\b",
    re.IGNORECASE,
)


ALL_VARIATIONS = list(responses())


def _is_spanish(variation: dict) -> bool:
    return any(
        c.get("name") == "language" and c.get("value") == "es"
        for c in variation.get("condition") or []
    )


SPANISH_VARIATIONS = [(n, v) for n, v in ALL_VARIATIONS if _is_spanish(v)]


def spanish(name: str) -> List[dict]:
    """The variations of a response that ask for the Spanish conversation."""
    return [v for n, v in SPANISH_VARIATIONS if n == name]


@lru_cache(maxsize=1)
def _domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(DOMAIN_DIR))


def say(response: str, channel: str = "sms", slots: Dict[str, str] | None = None) -> dict:
    """The message the assistant's response selection (endpoints.yml) sends for `response`."""
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    from rasa_addons.nlg import SpecificResponseGenerator

    domain = _domain()
    events = [SlotSet(name, value) for name, value in (slots or {}).items()]
    tracker = DialogueStateTracker.from_events("test", events, slots=domain.slots)
    nlg = SpecificResponseGenerator(domain=domain)
    message = asyncio.run(nlg.generate(response, tracker, channel))
    assert message is not None
    return message


def segments(text: str) -> int:
    """How many SMS segments a GSM-7 text takes (160 alone, 153 each when split)."""
    length = sum(2 if char in GSM7_EXTENDED else 1 for char in text)
    return 1 if length <= 160 else math.ceil(length / 153)


@pytest.mark.parametrize("name", CRISIS_RESPONSES)
def test_every_emergency_reply_has_a_spanish_variation(name: str) -> None:
    assert spanish(name), f"{name} has no Spanish variation"


def test_the_lint_sees_the_emergency_replies() -> None:
    assert {"utter_overdose_now_call", "utter_suicide_first", "utter_violence"} <= set(
        CRISIS_RESPONSES
    )
    assert len(SPANISH_VARIATIONS) >= len(CRISIS_RESPONSES)


@pytest.mark.parametrize("channel", ["sms", "webchat"])
@pytest.mark.parametrize("name", sorted({n for n, _ in SPANISH_VARIATIONS}))
def test_rasa_picks_the_spanish_variation_only_in_a_spanish_conversation(
    name: str, channel: str
) -> None:
    texts = {v["text"] for v in spanish(name)}
    english = [{}, {"language": "en"}]
    for state in (None, "CT", "MA"):
        extra = {"us_state": state} if state else {}
        assert say(name, channel, {"language": "es", **extra})["text"] in {
            fill_lines(t) for t in texts
        }
        for slots in english:
            assert say(name, channel, {**slots, **extra})["text"] not in {
                fill_lines(t) for t in texts
            }


@pytest.mark.parametrize(
    "name, variation", SPANISH_VARIATIONS, ids=[n for n, _ in SPANISH_VARIATIONS]
)
def test_spanish_texts_fit_two_sms_segments_in_gsm7(name: str, variation: dict) -> None:
    text = fill_lines(variation["text"])
    assert sms_problems(text) == []
    assert segments(text) <= 2, f"{len(text)} characters"


@pytest.mark.parametrize(
    "name, variation", SPANISH_VARIATIONS, ids=[n for n, _ in SPANISH_VARIATIONS]
)
def test_spanish_texts_use_non_stigmatizing_words_and_cite_a_source(
    name: str, variation: dict
) -> None:
    assert SPANISH_STIGMA.findall(variation["text"]) == []
    metadata = variation.get("metadata") or {}
    if name in CRISIS_RESPONSES:
        assert metadata.get("source") and metadata.get("reviewed")


def test_the_spanish_lint_catches_stigmatizing_words() -> None:
    assert SPANISH_STIGMA.findall("un drogadicto, una adicta") == ["drogadicto", "adicta"]
    assert SPANISH_STIGMA.findall("una persona que usa drogas") == []


def es(name: str) -> str:
    return say(name, "sms", {"language": "es"})["text"]


def test_the_spanish_overdose_reply_has_911_naloxone_and_cpr_for_everyone() -> None:
    first = es("utter_overdose_now_call").lower()
    assert first.startswith("llama al 911 ya.")
    for step in ("naloxona", "fosa nasal", "émbolo", "empieza rcp", "empuja fuerte"):
        assert step in first


def test_the_spanish_repeat_dose_new_device_other_nostril_and_breathing_as_the_goal() -> None:
    said = es("utter_overdose_now_breathe").lower()
    assert "atomizador nuevo" in said and "cada 2-3 minutos" in said and "otra fosa nasal" in said
    assert "la meta es que respire, no que despierte" in said


def test_the_spanish_overdose_replies_say_stay_because_naloxone_wears_off() -> None:
    said = es("utter_overdose_now_stay").lower()
    assert "de lado" in said and "30-90 minutos" in said and "responde mas" in said


def test_a_spanish_child_reply_has_poison_help_and_the_hospital() -> None:
    said = es("utter_child_poisoning").lower()
    assert "911" in said and lines()["line_poison"] in said and "hospital" in said
    assert "aunque parezca bien o despierte con la naloxona" in said


@pytest.mark.parametrize(
    "name", ["utter_suicide_first", "utter_suicide_human", "utter_suicide_stay"]
)
def test_spanish_suicide_replies_give_988_in_spanish_press_2_or_text_ayuda(name: str) -> None:
    said = es(name)
    assert "988 y oprime 2" in said and "AYUDA al 988" in said


def test_the_988_spanish_options_come_from_the_lines_file_with_a_source() -> None:
    from bot.content import line_notes

    notes = {n.name: n for n in line_notes()}
    for name in ("line_988_es", "line_988_es_text"):
        assert notes[name].source and "988lifeline.org" in notes[name].source
        assert notes[name].reviewed is not None


def test_the_spanish_legal_follow_up_says_it_is_not_legal_advice() -> None:
    said = es("utter_overdose_now_more").lower()
    assert "buen samaritano" in said and "no un consejo legal" in said
    assert "venta" in said and "orden de arresto" in said


def test_the_spanish_suicide_offer_keeps_the_english_offer() -> None:
    from bot.understanding.answers import static_offer

    assert static_offer("utter_suicide_offer") == {
        "affirm": "utter_suicide_human",
        "deny": "utter_suicide_stay",
    }
    assert "Responde SI" in es("utter_suicide_offer")


def test_the_spanish_greeting_keeps_911_and_the_web_chat_keeps_its_buttons() -> None:
    sms = es("utter_greet")
    assert sms.startswith("Hola") and "911" in sms and "PERSONA" in sms
    web = say("utter_greet", "webchat", {"language": "es"})
    english = say("utter_greet", "webchat")
    assert [b["payload"] for b in web["buttons"]] == [b["payload"] for b in english["buttons"]]
    assert web["buttons"][-1]["title"] == "Hablar con una persona"


def test_the_spanish_consent_question_asks_si_or_no_and_connects_either_way() -> None:
    text = es("utter_ask_handoff_consent")
    assert "resumen" in text and "Responde SI o NO" in text
    assert "De cualquier forma te vamos a conectar" in text
    web = say("utter_ask_handoff_consent", "webchat", {"language": "es"})
    assert [b["payload"] for b in web["buttons"]] == ["yes", "no"]


@pytest.mark.parametrize(("language", "start"), [("es", "Listo, seguimos"), ("en", "Okay")])
def test_a_switch_is_answered_in_the_new_language(language: str, start: str) -> None:
    assert say("utter_language_switched", "sms", {"language": language})["text"].startswith(start)


# -- the knowledge base in Spanish (issue 14): naloxone, recognising an overdose, the law,
# harm reduction and family support --
KB_FILES = ("naloxone.yml", "overdose.yml", "law.yml", "harm_reduction.yml", "family.yml")


def _file_responses(filename: str) -> Dict[str, List[dict]]:
    return yaml.safe_load((DOMAIN_DIR / filename).read_text(encoding="utf-8"))["responses"]


def _state(variation: dict) -> str | None:
    states = [c["value"] for c in variation.get("condition") or [] if c["name"] == "us_state"]
    return states[0] if states else None


KB_PAIRS = [
    (name, english, spanish_one)
    for filename in KB_FILES
    for name, variations in _file_responses(filename).items()
    for english in variations
    if not _is_spanish(english)
    for spanish_one in [
        next((v for v in variations if _is_spanish(v) and _state(v) == _state(english)), None)
    ]
]
KB_IDS = [f"{n} [{_state(e) or '-'}]" for n, e, _ in KB_PAIRS]


def test_the_knowledge_base_lint_sees_every_answer() -> None:
    names = {n for n, _, _ in KB_PAIRS}
    assert {
        "utter_naloxone/how_to",
        "utter_overdose/signs",
        "utter_law/good_samaritan",
        "utter_harm_reduction/xylazine",
        "utter_family/force_treatment",
    } <= names
    assert len(names) >= 56 + 13 + 18 and len(KB_PAIRS) >= 70 + 13 + 20


@pytest.mark.parametrize("name, english, variation", KB_PAIRS, ids=KB_IDS)
def test_every_knowledge_base_answer_has_a_spanish_variation_for_each_state(
    name: str, english: dict, variation: dict | None
) -> None:
    assert variation is not None, f"{name} [{_state(english)}] has no Spanish variation"
    english_md, spanish_md = english.get("metadata") or {}, variation.get("metadata") or {}
    assert spanish_md.get("source") == english_md.get("source")
    if english_md:
        assert spanish_md.get("reviewed") == "2026-12-02"
    assert bool(spanish_md.get("more")) == bool(english_md.get("more"))
    assert spanish_md.get("offer") == english_md.get("offer")
    # The same phone lines (988 in Spanish: press 2, or text AYUDA).
    lines_en = set(re.findall(r"\{(\w+)\}", english["text"])) - {"line_988"}
    assert lines_en <= set(re.findall(r"\{(\w+)\}", variation["text"]))


SPANISH_MORE = [
    (n, str(v["metadata"]["more"]))
    for n, v in SPANISH_VARIATIONS
    if (v.get("metadata") or {}).get("more")
]


@pytest.mark.parametrize("name, more", SPANISH_MORE, ids=[n for n, _ in SPANISH_MORE])
def test_spanish_more_texts_fit_one_gsm7_message_and_use_kind_words(name: str, more: str) -> None:
    assert sms_problems(fill_lines(more)) == []
    assert SPANISH_STIGMA.findall(more) == []


def test_every_responde_mas_offer_leads_somewhere() -> None:
    offers = [
        name
        for name, v in SPANISH_VARIATIONS
        if "Responde MAS" in v["text"]
        and not (v.get("metadata") or {}).get("more")
        and "affirm" not in ((v.get("metadata") or {}).get("offer") or {})
    ]
    assert offers == []


def test_mas_and_mas_with_an_accent_are_read_as_more() -> None:
    # MORE, MAS and MÁS are the `affirm` intent (data/nlu/core.yml); a reply to an offer is
    # read against the answer's MORE text (bot/understanding/answers.py).
    nlu = yaml.safe_load((DOMAIN_DIR.parent / "data" / "nlu" / "core.yml").read_text())["nlu"]
    affirm = next(item for item in nlu if item.get("intent") == "affirm")["examples"]
    examples = {line.lstrip("- ").strip() for line in affirm.splitlines()}
    assert {"more", "mas", "más"} <= examples


def es_all(name: str, state: str | None = None) -> str:
    """The Spanish text and MORE text of an answer (for a state), lower case."""
    slots = {"language": "es", **({"us_state": state} if state else {})}
    from bot.understanding.answers import variation

    chosen = variation(name, slots) or {}
    assert _is_spanish(chosen), name
    more = (chosen.get("metadata") or {}).get("more") or ""
    return fill_lines(f"{chosen['text']} {more}").lower()


@pytest.mark.parametrize(
    "name", ["utter_naloxone/how_to", "utter_naloxone/doses", "utter_overdose/what_to_do"]
)
def test_spanish_naloxone_911_a_new_device_every_2_3_minutes(name: str) -> None:
    said = es_all(name)
    assert "911" in said and "atomizador nuevo" in said and "cada 2-3 min" in said
    assert "otra fosa" in said or "cambiando de fosa" in said


@pytest.mark.parametrize(
    "name", ["utter_naloxone/how_to", "utter_overdose/rescue_breathing", "utter_overdose/signs"]
)
def test_spanish_cpr_for_everyone_hands_only_when_not_trained(name: str) -> None:
    said = es_all(name)
    assert "rcp" in said and "con las manos" in said


@pytest.mark.parametrize("name", ["utter_naloxone/worked", "utter_overdose/what_to_do"])
def test_spanish_the_goal_is_breathing_not_waking(name: str) -> None:
    assert "la meta es que respire, no que despierte" in es_all(name)


@pytest.mark.parametrize("state", ["CT", "MA", None])
def test_spanish_good_samaritan_covers_having_drugs_not_selling(state: str | None) -> None:
    said = es_all("utter_law/good_samaritan", state)
    assert "tener drogas" in said and "no consejo legal" in said
    if state:
        assert "venta" in said or "vender" in said or "distribuir" in said
        assert "orden" in said
    limits = es_all("utter_law/limits", state)
    assert "vender" in limits or "distribuir" in limits


def test_spanish_law_keeps_each_states_probation_rule() -> None:
    assert "no habla de probation ni parole" in es_all("utter_law/good_samaritan", "CT")
    ma = es_all("utter_law/probation", "MA")
    assert "probation" in ma and "parole" in ma and "no sirven para decir que violaste" in ma
    assert "cuidado razonable" in es_all("utter_law/naloxone_liability", "CT")
    assert "negligencia grave" in es_all("utter_law/naloxone_liability", "MA")


@pytest.mark.parametrize("state", ["CT", "MA"])
def test_a_spanish_conversation_about_a_state_gets_only_that_states_spanish_text(
    state: str,
) -> None:
    spanish_state = next(
        v["text"] for v in spanish("utter_law/good_samaritan") if _state(v) == state
    )
    for _ in range(20):  # Rasa's own selection picks at random among the matching ones
        said = say("utter_law/good_samaritan", "sms", {"language": "es", "us_state": state})
        assert said["text"] == fill_lines(spanish_state)


def test_the_assistant_uses_the_most_specific_response_selection() -> None:
    endpoints = (DOMAIN_DIR.parent / "endpoints.yml").read_text(encoding="utf-8")
    assert "type: rasa_addons.nlg.SpecificResponseGenerator" in endpoints


# Words that are misspelled without their accent (á, í, ó, ú are not GSM-7, so a Spanish text
# picks another word instead: "a diario" for "cada día", "a solas" for "sin compañía").
ACCENT_DROPPED = re.compile(
    r"\b(?:asi|ahi|aqui|alli|dias?|tambien|despues|ademas|facil|dificil|rapid[oa]s?|"
    r"medic[oa]s?|\w+cion|lineas?|policias?|todavia|clinicas?|comun|jovenes|telefonos?|"
    r"numeros?|ultim[oa]s?|paginas?|sera|podra|tendra)\b|\b[Mm]as\b",
)


def test_the_accent_lint_catches_a_dropped_accent() -> None:
    assert ACCENT_DROPPED.findall("Responde MAS: mas informacion cada dia") == [
        "mas",
        "informacion",
        "dia",
    ]


@pytest.mark.parametrize(
    "name, variation", SPANISH_VARIATIONS, ids=[n for n, _ in SPANISH_VARIATIONS]
)
def test_spanish_texts_choose_other_words_rather_than_drop_an_accent(
    name: str, variation: dict
) -> None:
    more = str((variation.get("metadata") or {}).get("more") or "")
    assert ACCENT_DROPPED.findall(f"{variation['text']} {more}") == []


FAMILY_988 = [
    name
    for name, variations in _file_responses("family.yml").items()
    if any(
        "{line_988}" in f"{v['text']} {(v.get('metadata') or {}).get('more')}" for v in variations
    )
]


def test_the_family_988_lint_sees_the_answers_that_give_988() -> None:
    assert {"utter_family/help", "utter_family/grief", "utter_family/self_care"} <= set(FAMILY_988)


@pytest.mark.parametrize("name", FAMILY_988)
def test_spanish_family_answers_give_988_in_spanish_press_2_or_text_ayuda(name: str) -> None:
    said = es_all(name)
    assert "988 y oprime 2" in said and "ayuda al 988" in said


def test_spanish_xylazine_give_naloxone_anyway_and_breathing_is_the_goal() -> None:
    said = es_all("utter_harm_reduction/xylazine")
    assert "no la revierte" in said and "dale naloxona igual" in said and "911" in said
    assert "la meta de la naloxona es que respire, no que despierte" in said


def test_spanish_test_strips_a_negative_is_not_safe_and_misses_tranq() -> None:
    said = es_all("utter_harm_reduction/test_strips")
    assert "un negativo no significa que sea segura" in said
    assert "no detectan xilacina" in said


@pytest.mark.parametrize(
    "name", ["utter_harm_reduction/tolerance", "utter_harm_reduction/safer_use"]
)
def test_spanish_tolerance_drops_after_a_break_and_never_use_alone(name: str) -> None:
    said = es_all(name)
    assert "la tolerancia baja pronto" in said and "no uses a solas" in said
    assert fill_lines("{line_never_use_alone}") in said


@pytest.mark.parametrize("state", ["CT", "MA", None])
def test_spanish_section_35_is_massachusetts_only_and_not_legal_advice(state: str | None) -> None:
    said = es_all("utter_family/force_treatment", state)
    assert "no consejo legal" in said
    if state == "CT":
        assert "connecticut no tiene la section 35" in said
    elif state == "MA":
        assert "corte de distrito" in said and "audiencia" in said and "abogado" in said
    else:
        assert "responde ct o ma" in said


# What a Spanish conversation gets from action_answer and after an emergency (has_spanish):
# the Spanish conversation tests (tests/conversations/test_answers_es.yml) say which replies
# are still English; this keeps those comments and the README true.
@pytest.mark.parametrize(
    ("label", "spanish_now"),
    [
        ("naloxone/how_to", True),
        ("law/good_samaritan", True),
        ("harm_reduction/xylazine", True),
        ("harm_reduction/never_use_alone", True),
        ("family/help", True),
        ("family/force_treatment", True),
        ("treatment/buprenorphine", False),
        ("treatment/detox", False),
        ("treatment/first_step", False),
    ],
)
def test_which_knowledge_base_answers_a_spanish_conversation_gets_in_spanish(
    label: str, spanish_now: bool
) -> None:
    from bot.content import has_spanish

    assert has_spanish(label) is spanish_now
