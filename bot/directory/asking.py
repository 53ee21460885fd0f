"""Reading what a person writes to the lookup: the place, the medication, what they want
from a place, and replies to a list of places.

People write in their own words ("subs", "husky", "no insurance", "en espanol", "what
about norwich"); these turn them into what `find_nearby` takes. Pure functions, tested on
how people text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Tuple

from rapidfuzz import fuzz, process

from bot.directory.geo import Place, PlaceResult, resolve_place
from bot.directory.search import Filters
from bot.directory.vocab import MEDICATIONS, normalize_medication

ANY = "any"  # the person is not sure, or any medication will do

# A place could not be found after repeated tries: the form ends and the lines are given.
NO_PLACE = "none"

_NOT_SURE = re.compile(
    r"\b(not sure|unsure|idk|i ?dunno|don'?t know|no idea|any|anything|whatever|either|"
    r"all of them|doesn'?t matter|what(?:'?s| is) the difference|options)\b"
)
_WORDS = re.compile(r"[a-z]+")
# Words around a place name in how people answer "where?" ("im in storrs ct please").
_BEFORE_PLACE = re.compile(
    r"^(?:(?:i'?m|i am|we'?re|we are|i live|we live|living|staying|located|currently|"
    r"right now|rn|its|it's|somewhere|anywhere)\s+)*(?:in|at|near|around|by|from|close to)?\s*"
    r"(?:the\s+)?",
    re.IGNORECASE,
)
_AFTER_PLACE = re.compile(r"\s*(?:area|please|pls|plz|thanks|thank you|thx)?[\s.!?]*$", re.I)


def find_place(text: str) -> PlaceResult:
    """Resolve a place from a whole answer, trying it as written, then without filler words."""
    result = resolve_place(text)
    if result.found:
        return result
    core = _AFTER_PLACE.sub("", _BEFORE_PLACE.sub("", text.strip()))
    if core and core != text.strip():
        cleaned = resolve_place(core)
        if cleaned.found or cleaned.alternatives:
            return cleaned
    return result


# "im sharon" introduces a person; "im in sharon" names a place.
_INTRODUCTION = re.compile(
    r"^\s*(?:i'?m|i am|we'?re|we are|it'?s|its|this is|my name is)\s+"
    r"(?!(?:in|near|around|at|by|from|close to|out)\b)",
    re.IGNORECASE,
)


def only_place(text: str) -> Place | None:
    """The place a message names when it is nothing but a place ("willimantic", "im in
    06340", "norwich ct please"); misspellings and introductions ("im sharon") are not."""
    if _INTRODUCTION.match(text or ""):
        return None
    core = _AFTER_PLACE.sub("", _BEFORE_PLACE.sub("", (text or "").strip()))
    if re.fullmatch(r"\d{5}(?:-\d{4})?", core) or (core and not re.search(r"\d", core)):
        result = resolve_place(core)
        if result.place is not None and not result.corrected:
            return result.place
    return None


def parse_medication(text: str | None) -> str | None:
    """ "methadone", "buprenorphine", "naltrexone", ANY, or None when it names none.

    People's spellings count ("subs", "methadon", "subxone"); naloxone is not a treatment
    medication and is left to the caller (see `read_refinement`).
    """
    if not text:
        return None
    lowered = text.lower()
    for word in _WORDS.findall(lowered):
        found = normalize_medication(word) or _close_medication(word)
        if found in MEDICATIONS:
            return found
    return ANY if _NOT_SURE.search(lowered) else None


# What people say they want from a place, beyond the service ("any that take husky",
# "spanish speaking", "walk in today"): the search filter each phrase switches on.
_WISHES = (
    ("medicaid", re.compile(r"\b(medicaid|husky|mass ?health|title ?19)\b")),
    (
        "uninsured",
        re.compile(
            r"\b(no ?ins(?:urance)?|uninsured|not insured|don'?t have (?:any )?insurance|"
            r"no coverage|can'?t pay|cant afford|self[- ]?pay|sliding(?: fee| scale)?|free)\b"
        ),
    ),
    ("telehealth", re.compile(r"\b(tele-?health|online|virtual|video(?: visit)?|by phone)\b")),
    ("spanish", re.compile(r"\b(spanish|espa[nñ]ol|hispano|habla)\b")),
    (
        "walk_in",
        re.compile(r"\b(walk ?-?ins?|same ?-?day|no appointment|without an appointment)\b"),
    ),
    ("pregnant", re.compile(r"\b(pregnant|pregnancy|expecting)\b")),
    ("veterans", re.compile(r"\b(veterans?|vets?|military)\b")),
    ("youth", re.compile(r"\b(teens?|teenagers?|youth|adolescents?|under 18|minors?)\b")),
)
# "no car", "on the bus": distances should be walkable, so places in the town come first.
_NO_CAR = re.compile(
    r"\b(no car|don'?t have a car|dont drive|can'?t drive|no ride|no license|by bus|the bus|"
    r"bus line|walk(?:ing)? distance|on foot|public transport(?:ation)?)\b"
)


def wishes(texts: Iterable[str]) -> Tuple[str, ...]:
    """The filters (Filters field names) that what the person wrote asks for."""
    words = " ".join(texts).lower()
    return tuple(name for name, pattern in _WISHES if pattern.search(words))


def without_car(texts: Iterable[str]) -> bool:
    """True when the person said they have no car (then the same town comes first)."""
    return bool(_NO_CAR.search(" ".join(texts).lower()))


def filters_for(features: Iterable[str]) -> Filters:
    """A Filters with the named features switched on (unknown names are ignored)."""
    known = set(vars(Filters()))
    return Filters(**{name: True for name in features if name in known})


def insurance_of(features: Iterable[str]) -> str | None:
    """The insurance a set of wishes implies, in the words the handoff summary uses."""
    chosen = set(features)
    return "medicaid" if "medicaid" in chosen else "uninsured" if "uninsured" in chosen else None


@dataclass(frozen=True)
class Refinement:
    """A reply to a result list that changes the search: a place, a need, a medication,
    filters; or MORE; or WRONG n."""

    place: Place | None = None
    need: str | None = None
    medication: str | None = None
    wishes: Tuple[str, ...] = ()
    same_town: bool = False  # "no car": places in the town come first
    every: bool = False  # ALL: drop the wishes
    more: bool = False
    wrong: int | None = None


# Words around a refinement that carry no request of their own ("what about", "any that
# take", "do they speak"). A reply with anything else in it is a new question, not a
# refinement: "how do i use narcan" is answered, not searched.
_FILLER = frozenset(
    """what whats what's about how hows and also any anything ones one that take takes
    taking accept accepts accepting with in near around by for only instead please pls plz
    do does they them of those these places place options show me try the a an there speak
    speaks speaking who which ok okay now i im i'm need want looking look for find some
    else other closer nearer same but or is are it its you can could get got have has
    insurance program programs clinic clinics provider providers doctor doctors treatment
    kits kit where at go town area here mine my we our just instead then list too as well
    thanks thank today tonight tomorrow asap""".split()
)
_MORE = re.compile(r"^\s*(more|next|more places|show more|more please|next page)\W*$", re.I)
_ALL = re.compile(r"^\s*(all|show all|all places|every place|everything|all of them)\W*$", re.I)
_WRONG = re.compile(r"^\s*wrong\W*(?:number\W*|#\W*)?(\d{1,2})\b", re.I)
_TOKENS = re.compile(r"[a-z0-9ñ']+")
_PLACE_LEAD = re.compile(r"\b(?:what|how) about\b|\b(?:in|near|around|try)\s+\w", re.I)


def read_refinement(text: str) -> Refinement | None:
    """How a reply to a result list changes the search, or None when it is something else.

    Only replies made of refinement words (a place, a medication, naloxone, a wish such as
    MEDICAID or SPANISH) and filler count; a misspelled town counts only after "what
    about", "in", "near" or "try", so a stray word is never read as a place.
    """
    if _MORE.match(text or ""):
        return Refinement(more=True)
    if _ALL.match(text or ""):
        return Refinement(every=True)
    wrong = _WRONG.match(text or "")
    if wrong:
        return Refinement(wrong=int(wrong.group(1)))
    lowered = (text or "").lower()
    found_wishes = wishes([lowered])
    remainder = lowered
    for _, pattern in _WISHES:
        remainder = pattern.sub(" ", remainder)
    same_town = without_car([lowered])
    remainder = _NO_CAR.sub(" ", remainder)
    need = medication = None
    place_words: List[str] = []
    for word in _TOKENS.findall(remainder):
        named = normalize_medication(word) or _close_medication(word)
        if named == "naloxone":
            need = "naloxone"
        elif named in MEDICATIONS:
            need, medication = "treatment", named
        elif word not in _FILLER:
            place_words.append(word)
    place = None
    if place_words:
        result = resolve_place(" ".join(place_words))
        if result.place is None or (result.corrected and not _PLACE_LEAD.search(lowered)):
            return None
        place = result.place
    if not (place or need or found_wishes or same_town):
        return None
    return Refinement(place, need, medication, found_wishes, same_town)


def _close_medication(word: str) -> str | None:
    """A misspelled medication name ("methadon", "subxone"), for words of 6+ letters."""
    if len(word) < 6:
        return None
    close = process.extractOne(word, list(_SPELLINGS), scorer=fuzz.ratio, score_cutoff=80)
    return _SPELLINGS[close[0]] if close else None


_SPELLINGS = {
    "methadone": "methadone",
    "buprenorphine": "buprenorphine",
    "suboxone": "buprenorphine",
    "subutex": "buprenorphine",
    "sublocade": "buprenorphine",
    "naltrexone": "naltrexone",
    "vivitrol": "naltrexone",
    "naloxone": "naloxone",
}
