"""The crisis check fires on misspellings and slang, and stays quiet on questions."""

from __future__ import annotations

import pytest

from bot.crisis import OVERDOSE_NOW, SUICIDE, detect

OVERDOSE_NOW_TEXTS = [
    "he's not breathing",
    "HE ISNT BREATHING",
    "hes not breathin",
    "shes not breating what do i do",
    "she stoped breathing",
    "HELPPPP he's not breathinggg",
    "he aint breathing",
    "she won't wake up",
    "she wont wake up pls help",
    "cant wake him up",
    "his lips r blue",
    "her lips are purple",
    "he's turning blue",
    "shes limp and her lips are grey",
    "she's making gurgling sounds",
    "my son is unresponsive",
    "my son is unresponsve",
    "he is barely breathing",
    "breathing really slow and wont wake",
    "my friend is oding help",
    "hes od ing rn",
    "my roommate od'd and isnt breathing",
    "bf odd help",
    "OD HELP",
    "my gf just overdosed",
    "i think im overdosing",
    "someone overdosing in the bathroom",
    "gave him narcan and he's still not breathing",
    "need narcan now",
    "my friend took way too much",
    "what if someone is not breathing",
    "he cant keep his head up after that bag",
    "this batch is way stronger than usual and i can't keep my eyes open",
]

SUICIDE_TEXTS = [
    "i want to kill myself",
    "my son wrote a goodbye text to his friends",
    "i have been saving up my meds for when i am ready",
    "she says she won't be around much longer",
    "i want to kill my self",
    "i want to killll myself",
    "i wanna die",
    "kms",
    "i wanna kms",
    "thinking about suicide",
    "im suicidal",
    "SUCIDAL",
    "i have been having suicidal thoughts",
    "i dont want to live anymore",
    "i want to end it all",
    "i want to unalive myself",
    "im gonna od on purpose",
    "i want to take all my pills",
    "i cant go on",
    "everyone would be better off without me",
    "i keep cutting myself",
    "i just want it to be over",
    "nothing to live for",
    "my friend says he wants to kill himself",
]

NOT_A_CRISIS = [
    "what are the signs of an overdose",
    "signs of overdose blue lips",
    "how do i know if someone is overdosing",
    "what does an overdose look like",
    "how do i use narcan",
    "how long does narcan last",
    "how much naloxone do i give",
    "where can i get narcan",
    "is narcan safe",
    "I'm not suicidal",
    "im not suicidal just curious",
    "i dont want to die from an overdose",
    "my son overdosed last year",
    "my daughter overdosed and is in icu",
    "my brother died of an overdose",
    "i lost my daughter to an overdose last month",
    "after my son's overdose how do i cope",
    "can i od on suboxone",
    "can you overdose on methadone",
    "can i get arrested for calling 911 if my friend ods",
    "how do i avoid overdosing",
    "what is 988",
    "hi",
    "",
    "breaking bad",
]


@pytest.mark.parametrize("text", OVERDOSE_NOW_TEXTS)
def test_overdose_happening_now_is_detected(text: str) -> None:
    assert detect(text) == OVERDOSE_NOW


@pytest.mark.parametrize("text", SUICIDE_TEXTS)
def test_suicide_risk_is_detected(text: str) -> None:
    assert detect(text) == SUICIDE


@pytest.mark.parametrize("text", NOT_A_CRISIS)
def test_questions_and_negations_are_not_a_crisis(text: str) -> None:
    assert detect(text) is None


def test_someone_not_breathing_wins_over_suicide_words() -> None:
    assert detect("he said he wanted to die and now hes not breathing") == OVERDOSE_NOW


@pytest.mark.slow
def test_nlu_component_overrides_an_unsure_classifier() -> None:
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from rasa_addons.crisis import CrisisOverride

    fallback = {"name": "nlu_fallback", "confidence": 0.45}
    unsure = Message(
        data={TEXT: "my frend wont wake up", INTENT: fallback, INTENT_RANKING_KEY: [fallback]}
    )
    calm = Message(
        data={TEXT: "how do i use narcan", INTENT: {"name": "naloxone_how_to", "confidence": 0.9}}
    )
    button = Message(
        data={TEXT: "/naloxone_how_to", INTENT: {"name": "naloxone_how_to", "confidence": 1.0}}
    )

    CrisisOverride({}).process([unsure, calm, button])

    assert unsure.get(INTENT) == {"name": "overdose_now", "confidence": 1.0}
    assert unsure.get(INTENT_RANKING_KEY)[0]["name"] == "overdose_now"
    assert calm.get(INTENT)["name"] == "naloxone_how_to"
    assert button.get(INTENT)["name"] == "naloxone_how_to"


@pytest.mark.parametrize(
    "text",
    [
        "my boyfriend smashed my phone again when i tried to call my sister",
        "i'm scared to leave the house since he got out",
        "i need to get out of here with my kids tonight, he's drinking again",
        "if i say the wrong thing i know i'll pay for it later",
    ],
)
def test_coercive_control_without_the_word_abuse_gets_the_hotline(text: str) -> None:
    from bot.crisis import assess

    found = assess(text)
    assert found is not None and found.kind == "violence"
