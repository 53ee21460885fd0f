"""Which language a message is in (English or Spanish), or None when it cannot tell.

People text a helpline in a few words ("no respira", "ok", "911", "narcan?"), and general
detectors are least sure exactly there. So a message is read in two ways: the words of this
helpline that belong to one language only ("hola", "necesito", "respira"; "the", "please",
"breathing"), and, for a message of three words or more, Lingua (lingua-language-detector:
its models ship inside the wheel, built for English and Spanish only, low-accuracy mode:
about 10 MB). Brand names, numbers, places and "ok"/"no" count for neither, so "narcan" or
"06360" keeps the conversation's language.

A person can also say which language they want: "english please", "en español", "español",
"can you speak spanish" switch. The bare word "spanish" does not (after a list of places
it asks for Spanish-speaking ones, README "The provider directory").

Plain Python: rasa_addons/language.py runs it on every message; nothing loads at import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, FrozenSet, Tuple

ENGLISH = "en"
SPANISH = "es"

# Words of this helpline's messages that are only English or only Spanish (accents
# stripped, lowercase). Words both languages use ("no", "me", "a", "ok", "solo", brand names)
# are in neither list.
SPANISH_WORDS: FrozenSet[str] = frozenset(
    """
    hola buenas buenos dias tardes noches gracias porfa favor ayuda ayudame ayudenme auxilio
    necesito necesita necesitamos quiero quiere queremos tengo tiene tienen puedo puede pueden
    podemos donde como que quien cual cuando cuanto cuanta cuantos porque por para pero
     sin del el la los las una uno unos unas es esta estan estoy estas eres soy fue
     muy mas tambien ahora ahorita aqui alli hace hacer hago haces mi mis tu tus su
    sus yo nosotros ustedes usted ella ellos ellas le les lo nos se te o de en al si pues
    amigo amiga amigos hijo hija hijos esposo esposa marido novio novia hermano hermana mama
    papa familia persona alguien nadie nada algo todos
    respira respirar respirando despierta despertar despierto responde reacciona morado
    morada azul labios sobredosis naloxona pastillas drogas droga tratamiento metadona
    buprenorfina cerca llamar llamo hablar habla hablo hablas decir dijo saber se sabe
    conseguir consigo comprar seguro ley policia miedo morir muerto muerta vivir
    matar matarme morirme suicidio triste sola dejar usar uso consumo consumir ayudar
    informacion pregunta preguntas clinica medico receta centro programa casa
    ciudad pueblo estado cerca lejos hoy manana noche semana espanol ingles entiendo
    claro vale bueno bien mal gracias adios chao oye mire mira perdon disculpa
    """.split()
)
ENGLISH_WORDS: FrozenSet[str] = frozenset(
    """
    the is are was were be been am i im ive my mine you your youre he hes she shes his her
    him they theyre them their we our us it its this that these those what whats where
    when why how who which can cant could would should will wont do does dont did didnt
    not isnt arent have has had get got need needs want wants wanna gonna please pls plz
    help hello hi hey thanks thank thx yes yeah yep nope sure and or but with without for
    from of to at in on into about near around there here now right just really very
    friend friends daughter husband wife boyfriend girlfriend brother sister mom dad
    someone somebody anyone person people family
    breathing breathe breath wake waking awake responding unresponsive blue lips overdose
    overdosing overdosed pills drugs treatment clinic place places find know tell talk call
    text speak say said die dying kill myself live alive hurt safe scared afraid sad
    quit stop stopping using use used get free cost insurance law legal police arrested
    english spanish more morning night today tomorrow week town city
    """.split()
)

# "english please", "en inglés", "can you speak english" / "en español", "habla español".
_TO_ENGLISH = re.compile(
    r"^(?:(?:in|en) )?(?:english|ingles)(?: (?:please|pls|plz|por favor|porfa))?$|"
    r"^(?:(?:can|could) (?:you|we) )?(?:speak|talk|text|write|answer|reply|respond|continue)"
    r"(?: to me| with me)?(?: in)? english(?: please| pls)?$|"
    r"^(?:puedes|puede|podemos)? ?(?:hablar|escribir|seguir|contestar)(?:me)? en ingles"
    r"(?: por favor| porfa)?$|^(?:habla|hablas|hablan) ingles$|"
    r"^(?:i )?(?:do not|dont|cant|can not) (?:speak|read|understand) spanish$|^no hablo espanol$|"
    r"^(?:no )?(?:spanish|espanol)(?: no)?,? (?:english|ingles)(?: please| por favor)?$"
)
_TO_SPANISH = re.compile(
    r"^(?:(?:in|en) )?espanol(?: (?:please|pls|plz|por favor|porfa))?$|"
    r"^(?:in )?spanish (?:please|pls|plz|por favor|porfa)$|"
    r"^(?:(?:can|could) (?:you|we) )?(?:speak|talk|text|write|answer|reply|respond|continue)"
    r"(?: to me| with me)?(?: in)? spanish(?: please| pls)?$|"
    r"^(?:do you|you) speak spanish$|"
    r"^(?:puedes|puede|podemos)? ?(?:hablar|escribir|seguir|contestar)(?:me)? en espanol"
    r"(?: por favor| porfa)?$|^(?:se )?(?:habla|hablas|hablan) espanol$|"
    r"^(?:i )?(?:do not|dont|cant|can not) (?:speak|read|understand) english$|"
    r"^no hablo ingles$|^no (?:entiendo|se) ingles$"
)
# Lingua's answer counts only when this sure, and only for three words or more.
LINGUA_MIN_CONFIDENCE = 0.8
LINGUA_MIN_WORDS = 3


@dataclass(frozen=True)
class Reading:
    """What a message says about its language: the language it is in (None: cannot tell),
    and whether the person asked for that language outright ("english please")."""

    language: str | None
    switch: bool = False


def words(text: str) -> Tuple[str, ...]:
    """Lowercase ASCII words, accents stripped, repeated letters collapsed ("holaaa")."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'", "").replace("\u2019", ""))
    return tuple(re.sub(r"([a-z])\1{2,}", r"\1", text).split())


def asked_for(text: str) -> str | None:
    """The language a person asks for outright ("english please", "en español"), or None."""
    said = " ".join(words(text))
    if _TO_ENGLISH.search(said):
        return ENGLISH
    if _TO_SPANISH.search(said):
        return SPANISH
    return None


def read(text: str, lingua: Callable[[str], Tuple[str, float]] | None = None) -> Reading:
    """The language of one message: a switch asked for, else the helpline's one-language
    words, with Lingua's vote on messages of three words or more; None when unsure."""
    wanted = asked_for(text)
    if wanted is not None:
        return Reading(wanted, switch=True)
    tokens = words(text)
    if not tokens:
        return Reading(None)
    score = float(sum(t in SPANISH_WORDS for t in tokens) - sum(t in ENGLISH_WORDS for t in tokens))
    if len(tokens) >= LINGUA_MIN_WORDS:
        language, confidence = (lingua or _lingua_guess)(text)
        if confidence >= LINGUA_MIN_CONFIDENCE:
            score += 1.5 if language == SPANISH else -1.5
    if score >= 1:
        return Reading(SPANISH)
    if score <= -1:
        return Reading(ENGLISH)
    return Reading(None)


def detect(text: str) -> str | None:
    """ "es", "en", or None for a message too short or mixed to tell."""
    return read(text).language


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return (
        LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def _lingua_guess(text: str) -> Tuple[str, float]:
    """Lingua's likelier language of the two and its confidence (0-1)."""
    from lingua import Language

    top = _detector().compute_language_confidence_values(text)[0]
    return (SPANISH if top.language == Language.SPANISH else ENGLISH), float(top.value)


def warm_up() -> None:
    """Load Lingua's two language models now (the NLU component does, at model load)."""
    _lingua_guess("warm up the detector")
