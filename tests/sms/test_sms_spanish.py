"""The carrier keywords in Spanish: ALTO, PARAR, CANCELAR and BASTA opt out like STOP,
AYUDA answers like HELP, BORRAR erases like DELETE, each answered in Spanish."""

from __future__ import annotations

import pytest

from bot.content import lines, sms_problems
from bot.conversations.keywords import keyword, keyword_language
from bot.conversations.models import Contact, Message
from bot.sms.inbound import TEXTS, TEXTS_ES, sms_text
from tests.sms.test_sms import client, count_rows, replies, text_in  # noqa: F401

SPANISH_STOP = [
    "ALTO",
    "alto",
    "Alto.",
    "PARAR",
    "parar",
    "CANCELAR",
    "Cancelar!",
    "BASTA",
    "basta",
]


@pytest.mark.parametrize("word", SPANISH_STOP)
def test_spanish_stop_words_opt_out_at_once_and_answer_in_spanish(
    client,  # noqa: F811
    assistant,
    conversations,
    word,
):
    confirm = replies(text_in(client, word))
    assert len(confirm) == 1
    assert confirm[0].startswith("Listo: ya no te vamos a mandar textos")
    assert "START" in confirm[0] and "911" in confirm[0]
    assert replies(text_in(client, "hola?")) == []
    assert assistant.received == []
    assert count_rows(conversations, Message, Message.status == Message.SUPPRESSED) == 1


def test_start_resumes_after_alto(client, assistant):  # noqa: F811
    text_in(client, "ALTO")
    assert replies(text_in(client, "START"))[0].startswith("Welcome back")
    assert replies(text_in(client, "hola")) == ["echo: hola"]


@pytest.mark.parametrize("text", ["alto ahi", "no puedo parar de usar", "basta de drogas"])
def test_a_spanish_stop_word_inside_a_sentence_is_a_question(client, assistant, text):  # noqa: F811
    assert replies(text_in(client, text)) == [f"echo: {text}"]


def test_ayuda_answers_like_help_in_spanish_with_911_988_and_a_person(client, assistant):  # noqa: F811
    answer = replies(text_in(client, "AYUDA"))
    assert len(answer) == 1
    said = answer[0]
    assert "Test County Helpline" in said and "911" in said
    assert "988 y oprime 2" in said and "AYUDA al 988" in said
    assert lines()["line_samhsa"] in said and "ALTO" in said and "BORRAR" in said
    assert sms_problems(said) == []
    assert assistant.received == []


def test_ayuda_in_a_sentence_goes_to_the_assistant(client, assistant):  # noqa: F811
    assert replies(text_in(client, "ayuda mi amigo no respira")) == [
        "echo: ayuda mi amigo no respira"
    ]


def test_borrar_erases_like_delete_and_says_so_in_spanish(
    client,  # noqa: F811
    assistant,
    conversations,
    trackers,
):
    text_in(client, "hola")
    sender_id = assistant.received[0][0]
    confirm = replies(text_in(client, "borrar"))
    assert confirm == [TEXTS_ES["delete"]]
    assert trackers.erased == [sender_id]
    assert count_rows(conversations, Message) == 0
    assert count_rows(conversations, Contact) == 0


def test_english_keywords_keep_their_english_replies(client, assistant):  # noqa: F811
    assert replies(text_in(client, "HELP"))[0].startswith("Test County Helpline: free")
    assert "Reply START" in replies(text_in(client, "STOP"))[0]


@pytest.mark.parametrize(
    ("text", "name", "language"),
    [
        ("ALTO", "stop", "es"),
        ("¡Basta!", "stop", "es"),
        ("parar", "stop", "es"),
        ("cancelar", "stop", "es"),
        ("CANCEL", "stop", None),
        ("REVOKE", "stop", None),
        ("optout", "stop", None),
        ("ayuda", "help", "es"),
        ("¿Ayuda?", "help", "es"),
        ("HELP", "help", None),
        ("BORRAR", "delete", "es"),
        ("delete", "delete", None),
        ("START", "start", None),
        ("no respira", None, None),
    ],
)
def test_keywords_and_their_language(text: str, name: str | None, language: str | None) -> None:
    assert keyword(text) == name
    assert keyword_language(text) == language


@pytest.mark.parametrize("name", sorted(TEXTS_ES))
def test_every_spanish_keyword_text_fits_two_gsm7_segments(name: str) -> None:
    text = sms_text(name, "County Overdose Response Helpline", "es")
    assert sms_problems(text) == []
    assert len(text) <= 306  # two segments of 153 GSM-7 characters
    assert name in TEXTS and text != sms_text(name, "County Overdose Response Helpline")
