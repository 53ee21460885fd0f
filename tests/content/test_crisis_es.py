"""The crisis check in Spanish: emergencies as people text them, and stories and questions
that are not emergencies (bot/crisis.py, the Spanish patterns)."""

from __future__ import annotations

import pytest

from bot.crisis import (
    CHILD_POISONING,
    GOOD_SAMARITAN,
    MEDICAL_EMERGENCY,
    OVERDOSE_NOW,
    SEXUAL_ASSAULT,
    SUICIDE,
    VIOLENCE,
    assess,
    detect,
)

OVERDOSE_NOW_ES = [
    "no respira",
    "No respira!!",
    "NO RESPIRA AYUDA",
    "no despierta",
    "no se despierta",
    "sobredosis",
    "Sobredosis!!!",
    "es una sobredosis",
    "se puso morado",
    "se puso morao",
    "mi amigo no respira",
    "necesito ayuda mi amigo no respira",
    "nesesito ayuda mi amigo no respiraaa",
    "mi amigo no está respirando",
    "mi hermano casi no respira",
    "dejó de respirar",
    "mi novio dejo de respirar despues de inyectarse",
    "respira muy lento y no despierta",
    "no lo puedo despertar",
    "no puedo despertarla",
    "no reacciona",
    "mi hijo no responde",
    "esta inconsciente",
    "tiene los labios morados",
    "sus labios estan azules",
    "se le estan poniendo los labios azules",
    "hace un ruido como ronquido y no despierta",
    "le di narcan y no responde",
    "le di la naloxona y sigue sin respirar",
    "la naloxona no funciona",
    "creo que mi hermana tiene una sobredosis",
    "mi amiga tiene una sobredosis q hago",
    "sobredosis ayuda por favor",
    "se desmayo despues de fumar fentanilo",
    "se metio demasiado y esta tirado en el baño",
    "no tiene pulso",
    "se esta muriendo ayuda",
    "necesito narcan ya",
    "my friend no respira",
    "mi bf no despierta help",
]

SUICIDE_ES = [
    "me quiero morir",
    "Me quiero morir.",
    "quiero morirme",
    "quiero morir",
    "quiero matarme",
    "me quiero matar",
    "no quiero vivir",
    "ya no quiero vivir",
    "no quiero vivir mas",
    "no quiero seguir viviendo",
    "me voy a matar",
    "voy a matarme esta noche",
    "quiero suicidarme",
    "estoy pensando en el suicidio",
    "pienso en quitarme la vida",
    "quiero acabar con todo",
    "estarian mejor sin mi",
    "no tengo razon para vivir",
    "la vida no vale la pena",
    "ya no aguanto mas",
    "me estoy cortando otra vez",
    "quiero dormir y no despertar nunca",
    "no me quiero morir pero ya no quiero vivir asi",
    "me siento una carga para todos",
]

OTHER_EMERGENCIES_ES = [
    ("mi bebe se trago una pastilla de suboxone", CHILD_POISONING),
    ("el niño se comio unas gomitas de marihuana", CHILD_POISONING),
    ("mi nieta de 2 años se tomo la metadona", CHILD_POISONING),
    ("mi papa tiene dolor de pecho muy fuerte", MEDICAL_EMERGENCY),
    ("esta convulsionando", MEDICAL_EMERGENCY),
    ("no puedo respirar", MEDICAL_EMERGENCY),
    ("me violaron anoche", SEXUAL_ASSAULT),
    ("me obligo a tener relaciones", SEXUAL_ASSAULT),
    ("mi esposo me pega", VIOLENCE),
    ("mi novio me amenazo con matarme", VIOLENCE),
    ("tengo miedo de volver a mi casa", VIOLENCE),
]

NOT_A_CRISIS_ES = [
    "que es una sobredosis",
    "cuales son las señales de una sobredosis",
    "como se si alguien tiene una sobredosis",
    "se puede tener una sobredosis con suboxone?",
    "como prevenir una sobredosis",
    "mi hermano murio de una sobredosis el año pasado",
    "mi hijo tuvo una sobredosis hace dos meses, como lo apoyo",
    "ayer mi amigo no respiraba y le di narcan, ya esta bien",
    "mi esposo sobrevivio una sobredosis, que sigue",
    "donde consigo naloxona gratis",
    "como se usa el narcan",
    "hola",
    "gracias",
    "necesito tratamiento",
    "no me quiero morir",
    "no soy suicida, solo quiero dejar de usar",
    "quiero dejar las drogas",
    "tengo miedo de que mi hijo tenga una sobredosis algun dia",
    "en la clase de naloxona nos enseñaron que hacer si alguien no respira, "
    "cada cuanto se da otra dosis",
    "la naloxona funciona con la cocaina?",
    "me van a arrestar si llamo al 911 por una sobredosis?",
    "si alguien tiene una sobredosis y llamo al 911 me protege la ley?",
]


@pytest.mark.parametrize("text", OVERDOSE_NOW_ES)
def test_an_overdose_now_in_spanish_is_detected(text: str) -> None:
    assert detect(text) == OVERDOSE_NOW


@pytest.mark.parametrize("text", SUICIDE_ES)
def test_suicidal_language_in_spanish_is_detected(text: str) -> None:
    assert detect(text) == SUICIDE


@pytest.mark.parametrize(("text", "kind"), OTHER_EMERGENCIES_ES)
def test_the_other_emergencies_in_spanish_are_detected(text: str, kind: str) -> None:
    assert detect(text) == kind


@pytest.mark.parametrize("text", NOT_A_CRISIS_ES)
def test_spanish_stories_questions_and_negations_are_not_a_crisis(text: str) -> None:
    assert detect(text) is None


def test_a_spanish_emergency_says_its_language_even_when_it_is_two_words() -> None:
    assert assess("no respira").language == "es"
    assert assess("he's not breathing").language is None


def test_wishing_not_to_wake_up_is_suicidal_not_an_overdose() -> None:
    crisis = assess("quiero dormirme y no despertar")
    assert crisis is not None and crisis.kind == SUICIDE


def test_an_overdose_with_a_legal_fear_in_spanish_gets_911_then_the_law() -> None:
    crisis = assess("mi amigo no respira, me van a deportar si llamo al 911?")
    assert crisis.kind == OVERDOSE_NOW and GOOD_SAMARITAN in crisis.also


def test_took_all_the_pills_in_spanish_gets_911_first_then_988() -> None:
    crisis = assess("me tome todas mis pastillas")
    assert crisis.kind == OVERDOSE_NOW and SUICIDE in crisis.also


def test_the_spanish_patterns_add_nothing_on_english_messages() -> None:
    """The English held-out and dev sets (1,191 messages): not one more emergency."""
    import json
    from pathlib import Path

    import yaml

    from bot.crisis import _found_en, _found_es

    texts = [json.loads(line)["text"] for line in Path("tests/dev/dev_en.jsonl").open()]
    for item in yaml.safe_load(Path("tests/heldout/heldout_en.yml").read_text())["nlu"]:
        texts += [line.strip()[2:] for line in item["examples"].splitlines() if line.strip()]
    assert len(texts) > 1000
    extra = [t for t in texts if [k for k in _found_es(t)[0] if k not in _found_en(t)[0]]]
    assert extra == []
