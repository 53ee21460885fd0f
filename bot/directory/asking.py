"""Reading a person's answers to the lookup's questions: medication, insurance, filters.

People answer in their own words ("subs", "husky", "no insurance", "en espanol"); these
turn them into what `find_nearby` takes. Pure functions, tested on how people text.
"""

from __future__ import annotations

import re
from typing import Iterable

from rapidfuzz import fuzz, process

from bot.directory.geo import PlaceResult, resolve_place
from bot.directory.search import Filters
from bot.directory.vocab import MEDICATIONS, normalize_medication

ANY = "any"  # the person is not sure, or any medication will do
SKIP = "skip"  # the person would rather not say

# A place could not be found after repeated tries: the form ends and the lines are given.
NO_PLACE = "none"

_NOT_SURE = re.compile(
    r"\b(not sure|unsure|idk|i ?dunno|don'?t know|no idea|any|anything|whatever|either|"
    r"all of them|doesn'?t matter|what(?:'?s| is) the difference|options)\b"
)
_WORDS = re.compile(r"[a-z]+")
_INSURANCE = (
    ("medicaid", re.compile(r"\b(medicaid|husky|mass ?health|title 19|medi-?caid)\b")),
    (
        "uninsured",
        re.compile(
            r"\b(no insurance|uninsured|not insured|don'?t have (?:any )?insurance|no coverage|"
            r"none|nothing|can'?t pay|cash|self[- ]?pay|free)\b"
        ),
    ),
    ("skip", re.compile(r"\b(skip|rather not|pass|prefer not|not sure|idk|don'?t know)\b")),
    (
        "private",
        re.compile(
            r"\b(private|blue ?cross|bcbs|anthem|aetna|cigna|united|harvard pilgrim|tufts|"
            r"connecticare|insurance through work|work insurance|employer|medicare|other)\b"
        ),
    ),
)

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


_TELEHEALTH = re.compile(r"\b(telehealth|tele-?health|online|virtual|video visit|by video)\b")
_SPANISH = re.compile(r"\b(spanish|espa[nñ]ol|en espanol|hispano|habla)\b")


def parse_medication(text: str | None) -> str | None:
    """ "methadone", "buprenorphine", "naltrexone", ANY, or None when it names none."""
    if not text:
        return None
    lowered = text.lower()
    for word in _WORDS.findall(lowered):
        found = normalize_medication(word)
        if found in MEDICATIONS:
            return found
        if len(word) >= 6:
            close = process.extractOne(word, MEDICATIONS, scorer=fuzz.ratio, score_cutoff=80)
            if close:
                return close[0]
    return ANY if _NOT_SURE.search(lowered) else None


def parse_insurance(text: str | None) -> str | None:
    """ "medicaid", "uninsured", "private", SKIP, or None when the answer says none of these."""
    lowered = (text or "").lower()
    for name, pattern in _INSURANCE:
        if pattern.search(lowered):
            return name
    return None


def wanted_filters(insurance: str | None, texts: Iterable[str]) -> Filters:
    """Filters from the insurance answer and from what the person wrote along the way."""
    words = " ".join(texts).lower()
    return Filters(
        medicaid=insurance == "medicaid",
        uninsured=insurance == "uninsured",
        telehealth=bool(_TELEHEALTH.search(words)),
        spanish=bool(_SPANISH.search(words)),
    )
