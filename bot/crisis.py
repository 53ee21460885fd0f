"""Crisis check that runs before anything else: an overdose happening now, or suicide risk.

Pure Python (no Rasa), so the NLU component in rasa_addons/ and the gateway can share it.
It is deliberately eager: a missed overdose costs more than an unneeded "call 911".
Questions about signs, and plain negations ("I'm not suicidal"), do not fire.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict, List, Pattern, Tuple

OVERDOSE_NOW = "overdose_now"
SUICIDE = "suicide"

# Whole-token respellings people use in a hurry (after punctuation is removed).
_TOKEN_MAP: Dict[str, str] = {
    "hes": "he is",
    "shes": "she is",
    "theyre": "they are",
    "im": "i am",
    "ive": "i have",
    "isnt": "is not",
    "aint": "is not",
    "arent": "are not",
    "wont": "will not",
    "cant": "can not",
    "cannot": "can not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "wasnt": "was not",
    "n": "and",
    "u": "you",
    "r": "are",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "plss": "please",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "bro": "brother",
    "sis": "sister",
    "oding": "overdosing",
    "odding": "overdosing",
    "odin": "overdosing",
    "odng": "overdosing",
    "oded": "overdosed",
    "stoped": "stopped",
    "stopd": "stopped",
    "stoppd": "stopped",
    "odd": "od",
    "ods": "od",
    "odeing": "overdosing",
    "breathin": "breathing",
    "breatin": "breathing",
    "brething": "breathing",
    "breating": "breathing",
    "breahting": "breathing",
    "breathng": "breathing",
    "breathign": "breathing",
    "breth": "breath",
    "narcon": "narcan",
    "narcen": "narcan",
    "nalaxone": "naloxone",
    "noloxone": "naloxone",
    "unalive": "kill",
    "kil": "kill",
    "kms": "kill myself",
    "wanna": "want to",
    "gonna": "going to",
    "myslef": "myself",
    "myelf": "myself",
    "mysef": "myself",
    "suicidle": "suicidal",
    "suisidal": "suicidal",
    "sucidal": "suicidal",
    "sucide": "suicide",
    "suiside": "suicide",
    "suicde": "suicide",
    "wakin": "waking",
    "respondin": "responding",
    "movin": "moving",
    "blu": "blue",
    "purp": "purple",
}

# Words the fuzzy matcher may correct a misspelling to (long words only).
_VOCAB: Tuple[str, ...] = (
    "breathing",
    "breathe",
    "unresponsive",
    "responding",
    "respond",
    "overdosing",
    "overdosed",
    "overdose",
    "suicidal",
    "suicide",
    "myself",
    "gurgling",
    "snoring",
    "unconscious",
    "waking",
    "naloxone",
    "narcan",
    "purple",
    "anymore",
    "pinpoint",
)

_PERSON = (
    r"(?:he|she|they|someone|somebody|friend|my \w+|boyfriend|girlfriend|brother|sister|"
    r"son|daughter|mom|dad|husband|wife|partner|roommate|man|guy|girl|baby|kid|this \w+|"
    r"i|i am|we)"
)

_OVERDOSE_STRONG: Tuple[str, ...] = (
    r"\b(?:not|no|stopped|stop|barely|hardly|can not|will not|is not|no longer) "
    r"breath(?:ing|e|es)?\b",
    r"\bbreathing (?:is )?(?:stopped|really slow|so slow|very slow|weird|shallow)\b",
    r"\b(?:will not|can not|could not|not|wont|does not|did not) (?:wake|waking|wakeup)\b",
    r"\bcan not get (?:\w+ ){0,2}to (?:wake|respond|breathe)\b",
    r"\b(?:not|will not|can not|is not) (?:respond|responding|responsive|moving|conscious)\b",
    r"\b(?:unresponsive|unconscious|out cold|no pulse|body is limp|gone limp|went limp)\b",
    r"\b(?:lips|face|fingers|fingertips|nails|skin|he|she|they|is|are|turning|going|gone|went) "
    r"(?:are |is |look |looks |turning |going )?(?:blue|purple|gray|grey|ashen)\b",
    r"\bturn(?:ing|ed)? (?:blue|purple|gray|grey)\b",
    r"\b(?:gurgling|snoring|choking) (?:sound|sounds|noise|noises)\b",
    r"\bmaking (?:a |these |weird )?(?:gurgling|snoring) \w*",
)

# Someone named as overdosing ("my bf is oding", "i think im overdosing").
_OVERDOSE_PERSON: Tuple[str, ...] = (
    rf"\b{_PERSON} (?:just |is |are |might be |think )*(?:od|overdosing|od ing)\b",
    rf"\b{_PERSON} (?:just|might have|may have|think) (?:od|overdosed)\b",
    rf"\b{_PERSON} (?:just )?(?:took|take|did|had|used|shot|snorted|smoked) (?:way )?too? much\b",
    r"\b(?:he|she|they|someone|friend) (?:is )?dying\b",
)

# Overdose words next to a call for help ("OD HELP", "need narcan now").
_OVERDOSE_WEAK: Tuple[str, ...] = (
    r"\boverdosing\b",
    r"\b(?:od|overdosed|overdose)\b.*\b(?:help|911|now|right now|what do i do|asap|hurry|please)\b",
    r"\b(?:help|911|omg|please)\b.*\b(?:od|overdosed|overdosing)\b",
    r"\bneed (?:narcan|naloxone) (?:now|right now|asap|fast|quick|please)\b",
    r"\bwhere is (?:the|my|your) (?:narcan|naloxone)\b",
)

_SUICIDE: Tuple[str, ...] = (
    r"\bsuicid(?:e|al)\b",
    r"\bkill(?:ing)? (?:myself|me|my self|himself|herself|themselves|themself)\b",
    r"\b(?:end|ending|take|taking) (?:my|my own) life\b",
    r"\b(?:end|ending) (?:it all|it tonight|things|everything|it now)\b",
    r"\b(?:want|wants|wanting|going|ready|trying|plan|planning) to die\b",
    r"\bwish i (?:could )?(?:just )?(?:die|was dead|were dead)\b",
    r"\bbetter off (?:if i (?:was|were) )?(?:dead|without me|gone)\b",
    r"\bdo not want to (?:live|be alive|be here anymore|wake up|exist)\b",
    r"\b(?:no|nothing|no point|no point in|no reason) (?:to live|living|left to live for)\b",
    r"\b(?:not|isnt) worth living\b",
    r"\b(?:hurt|hurting|cut|cutting|harm|harming) (?:myself|my self)\b",
    r"\b(?:been|keep|started|start) cutting\b",
    r"\bself (?:harm|harming|hurt)\b",
    r"\b(?:overdose|od) on purpose\b",
    r"\b(?:take|taking|took|swallow|swallowing|swallowed) (?:all|all of) (?:my|the|these) "
    r"(?:pills|meds|medication)\b",
    r"\b(?:can not|cant) (?:go on|do this anymore|keep going|take it anymore)\b",
    r"\b(?:off|unalive) myself\b",
    r"\btired of (?:living|being alive|life)\b",
    r"\bwant (?:it|everything) to (?:be over|end|stop)\b",
)

# A negation right before the suicide phrase ("I am not suicidal", "I don't want to die").
_SUICIDE_NEGATION = re.compile(
    r"\b(?:not|never|no|do not|am not|is not|wasnt|was not|are not)\s+"
    r"(?:\w+\s+){0,2}?(?:suicid|want to die|going to die|kill|hurt myself|harm myself)"
)

# General questions about signs, or about what would happen later: not happening now.
_SIGNS_QUESTION = re.compile(
    r"\b(?:signs?|symptoms?|look like|looks like|what happens|is it normal)\b|"
    r"\b(?:will|would|could|can) (?:they|he|she|someone|a person|it) (?:stop|start)\b"
)
# A question ("how do i tell if my son is overdosing") rather than a report.
_QUESTION = re.compile(
    r"^(?:how|what|when|why|can|could|does|do|is|will|should|am|are)\b|\b(?:if|whether)\b"
)
# "can I OD on suboxone", "my son overdosed last year": not an emergency happening now.
_NOT_NOW = re.compile(
    r"\b(?:can|could|would|will|does|do|is it possible to|how (?:do|does|can|much)) "
    r"(?:i|you|someone|people|a person|he|she|they|one) (?:od|overdose)\b|"
    r"\b(?:last (?:night|week|month|year|time)|yesterday|ago|died|passed away|funeral|"
    r"lost (?:my|him|her)|anniversary|in the past|years|icu|hospital|rehab|survived)\b|"
    r"\b(?:if|when|after) (?:\w+ ){0,3}(?:od|ods|overdoses|overdose|overdosed)\b|"
    r"\b(?:avoid|prevent|not|stop|risk of|chance of|without|from|keep \w+ from) overdosing\b"
)
# Questions about the law around calling 911, not a report of an overdose.
_LEGAL = re.compile(
    r"\b(?:arrest|arrested|charged|charge|trouble|protected|probation|parole|warrant|police|"
    r"cops|law|legal|sued|jail)\b"
)
_URGENT = re.compile(
    r"\b(?:right now|help|911|please|hurry|omg|asap|what do i do|what do we do|what should i do)\b"
)


def normalize(text: str) -> str:
    """Lowercase ASCII words separated by single spaces, common respellings undone."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    text = text.lower().replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)  # "helppp" -> "help"
    tokens = [_TOKEN_MAP.get(token, _fuzzy(token)) for token in text.split()]
    return " ".join(" ".join(tokens).split())


def _fuzzy(token: str) -> str:
    """Correct a misspelled long keyword; leave every other word alone."""
    if len(token) < 6 or token in _VOCAB:
        return token
    from rapidfuzz import fuzz, process

    match = process.extractOne(token, _VOCAB, scorer=fuzz.ratio, score_cutoff=84)
    if match and match[0][0] == token[0]:
        return match[0]
    return token


@lru_cache(maxsize=1)
def _patterns() -> Dict[str, List[Pattern[str]]]:
    compile_all = lambda items: [re.compile(item) for item in items]  # noqa: E731
    return {
        "strong": compile_all(_OVERDOSE_STRONG),
        "person": compile_all(_OVERDOSE_PERSON),
        "weak": compile_all(_OVERDOSE_WEAK),
        "suicide": compile_all(_SUICIDE),
    }


def _any(patterns: List[Pattern[str]], text: str) -> bool:
    return any(pattern.search(text) for pattern in patterns)


def detect(text: str) -> str | None:
    """Return "overdose_now", "suicide" or None for one incoming message."""
    norm = normalize(text)
    if not norm:
        return None
    patterns = _patterns()
    urgent = bool(_URGENT.search(norm))
    if _any(patterns["strong"], norm) and (urgent or not _SIGNS_QUESTION.search(norm)):
        return OVERDOSE_NOW
    if _any(patterns["suicide"], norm) and not _SUICIDE_NEGATION.search(norm):
        return SUICIDE
    asking = bool(_QUESTION.search(norm) or _SIGNS_QUESTION.search(norm))
    if _NOT_NOW.search(norm) or (asking and not urgent):
        return None
    if _any(patterns["person"], norm):
        return OVERDOSE_NOW
    if _any(patterns["weak"], norm) and not _LEGAL.search(norm):
        return OVERDOSE_NOW
    return None
