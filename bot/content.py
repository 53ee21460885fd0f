"""The assistant's content as data: phone lines, response texts and the words to avoid.

Plain Python (no Flask, no rasa_sdk). Files are read on first use and cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_DIR = ROOT / "domain"
LINES_FILE = DOMAIN_DIR / "lines.yml"

# SMS limits: one message must fit in 320 GSM-7 characters, one reply in three messages.
SMS_MAX_CHARS = 320
SMS_MAX_MESSAGES = 3
GSM7_CHARS = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€")

# Stigmatizing terms (NIDA "Words Matter"; FACTS.md). Whole words, case-insensitive.
STIGMA_TERMS: Tuple[str, ...] = (
    r"addicts?",
    r"junkies?",
    r"junky",
    r"(?:drug|substance|opioid|heroin|iv|needle)[- ]users?",
    r"users? of (?:drugs|opioids|heroin)",
    r"abusers?",
    r"abuse",
    r"abusing",
    r"clean",
    r"dirty",
    r"(?:drug )?habits?",
    r"fell off the wagon",
    r"relapsed?",
    r"relapsing",
    r"replacement therapy",
    r"substitution(?: therapy)?",
    r"replac(?:e|es|ing) one drug",
    r"suffering from",
    r"suffers from",
    r"victims?",
    r"crackheads?",
    r"druggies?",
    r"dope ?fiends?",
    r"tweakers?",
)


@lru_cache(maxsize=1)
def lines() -> Dict[str, str]:
    """Every phone line by slot name (e.g. "line_samhsa"), read from domain/lines.yml."""
    data = yaml.safe_load(LINES_FILE.read_text(encoding="utf-8"))
    return {name: str(slot["initial_value"]) for name, slot in data["slots"].items()}


@lru_cache(maxsize=1)
def stigma_pattern() -> re.Pattern[str]:
    """One case-insensitive whole-word pattern for every stigmatizing term."""
    return re.compile(r"\b(?:" + "|".join(STIGMA_TERMS) + r")\b", re.IGNORECASE)


def stigmatizing_terms(text: str) -> List[str]:
    """The stigmatizing terms found in `text`, as written."""
    return [match.group(0) for match in stigma_pattern().finditer(text)]


def fill_lines(text: str) -> str:
    """Replace {line_...} placeholders with the configured numbers."""
    values = lines()
    return re.sub(r"\{(line_\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def domain_files() -> List[Path]:
    """The domain files, sorted."""
    return sorted(DOMAIN_DIR.glob("*.yml"))


def responses() -> Iterator[Tuple[str, dict]]:
    """Every (response name, variation) pair in the domain."""
    for path in domain_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            for variation in variations:
                yield name, variation


def more_texts() -> Iterator[Tuple[str, str]]:
    """Every (response name, MORE text) pair: the second SMS a knowledge-base answer sends
    when the person replies MORE (its variation's metadata.more)."""
    for name, variation in responses():
        more = (variation.get("metadata") or {}).get("more")
        if more:
            yield name, str(more)


@lru_cache(maxsize=1)
def spanish_responses() -> frozenset[str]:
    """The responses with a Spanish variation (`condition: language == es`)."""
    return frozenset(
        name
        for name, variation in responses()
        if any(
            c.get("name") == "language" and c.get("value") == "es"
            for c in variation.get("condition") or []
        )
    )


def has_spanish(label: str) -> bool:
    """True when an answer ("naloxone/how_to") or response ("utter_...") has Spanish."""
    name = label if label.startswith("utter_") else f"utter_{label}"
    return name in spanish_responses()


@lru_cache(maxsize=1)
def response_topics() -> Dict[str, str]:
    """Response name -> its topic: the domain file it lives in ("naloxone", "treatment"...).

    The domain is split by topic, so this is what the action team's figures count.
    """
    topics = {}
    for path in domain_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        topics.update({name: path.stem for name in data.get("responses") or {}})
    return topics


# The reply the assistant gives to each crisis, in order (data/rules/overdose.yml); the
# gateway can send the same texts when Rasa is unavailable.
CRISIS_REPLIES: Dict[str, Tuple[str, ...]] = {
    "overdose_now": (
        "utter_overdose_now_call",
        "utter_overdose_now_breathe",
        "utter_overdose_now_stay",
    ),
    "child_poisoning": ("utter_child_poisoning",),
    "medical_emergency": ("utter_medical_emergency",),
    "suicide": ("utter_suicide_first", "utter_suicide_offer"),
    "sexual_assault": ("utter_sexual_assault",),
    "violence": ("utter_violence",),
}


def response_text(name: str, language: str | None = None, channel: str | None = None) -> str:
    """The text of a response with the lines filled in: by default its plain (SMS) text;
    with `language` ("es") its variation for that language, and with `channel` ("webchat")
    that channel's own variation, where it has them."""
    chosen = variation(name, {"language": language} if language else None, channel)
    if chosen is None:
        raise KeyError(name)
    return fill_lines(chosen["text"])


@lru_cache(maxsize=1)
def response_variations() -> Dict[str, Tuple[dict, ...]]:
    """Each response's variations, read once (the gateway answers emergencies from them)."""
    found: Dict[str, List[dict]] = {}
    for name, each in responses():
        found.setdefault(name, []).append(each)
    return {name: tuple(variations) for name, variations in found.items()}


def variation(
    name: str, slots: Mapping[str, object] | None = None, channel: str | None = None
) -> dict | None:
    """The variation of response `name` Rasa gives for `slots` (rasa_addons/nlg.py): of
    those whose conditions all hold, the one with the most conditions (a Spanish one in a
    Spanish conversation, a state's own), else the one without a condition; `channel`'s own
    variation ahead of the plain one, and without `channel` only plain (SMS) ones. None for
    an unknown response."""
    slots = slots or {}
    chosen, rank = None, (-1, False)
    for candidate in response_variations().get(name, ()):
        own = candidate.get("channel")
        if own and own != channel:
            continue
        conditions = candidate.get("condition") or []
        if all(slots.get(c["name"]) == c["value"] for c in conditions):
            if (len(conditions), bool(own)) > rank:
                chosen, rank = candidate, (len(conditions), bool(own))
    return chosen


def crisis_reply(kind: str, language: str | None = None, channel: str | None = None) -> List[str]:
    """The messages for a crisis kind ("overdose_now", "suicide", ...), as SMS texts (or as
    `channel` shows them, in `language`)."""
    return [response_text(name, language, channel) for name in CRISIS_REPLIES[kind]]


def sms_problems(text: str) -> List[str]:
    """Why `text` would not fit one GSM-7 SMS of 320 characters (empty when it fits)."""
    problems = []
    length = sum(2 if char in GSM7_EXTENDED else 1 for char in text)
    if length > SMS_MAX_CHARS:
        problems.append(f"{length} characters (max {SMS_MAX_CHARS})")
    bad = sorted({char for char in text if char not in GSM7_CHARS and char not in GSM7_EXTENDED})
    if bad:
        problems.append("non GSM-7 characters: " + " ".join(repr(char) for char in bad))
    return problems


# -- the content report (`helpline content report`) ----------------------------------------

# How long a reviewed answer or line stays current before program staff re-check it.
REVIEW_INTERVAL_DAYS = 365
_LINE_NOTE = re.compile(
    r"Source:\s*(?P<source>.+?)\.?\s+Reviewed\s+(?P<reviewed>\d{4}-\d{2}-\d{2})"
)


@dataclass(frozen=True)
class Reviewed:
    """One answer (a response variation) or phone line, with where it comes from."""

    kind: str  # "answer" or "line"
    name: str  # response name (with its condition, e.g. "utter_law/limits [CT]") or slot
    text: str
    source: str | None
    reviewed: date | None

    @property
    def states_facts(self) -> bool:
        """A line, or an answer with a source (greetings and questions state no facts)."""
        return self.kind == "line" or self.source is not None or self.reviewed is not None

    def due(self, today: date, interval_days: int = REVIEW_INTERVAL_DAYS) -> bool:
        """A fact never reviewed, or reviewed longer ago than the interval."""
        if not self.states_facts:
            return False
        return self.reviewed is None or (today - self.reviewed).days > interval_days


def line_notes() -> List[Reviewed]:
    """Every phone line with the source and review date its comment in lines.yml gives."""
    notes: List[Reviewed] = []
    comment: List[str] = []
    values = lines()
    for raw in LINES_FILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if stripped.startswith("#"):
            comment.append(stripped.lstrip("# "))
        elif re.match(r"^  line_\w+:$", raw):
            name = stripped[:-1]
            match = _LINE_NOTE.search(" ".join(comment))
            source = match.group("source") if match else None
            when = date.fromisoformat(match.group("reviewed")) if match else None
            notes.append(Reviewed("line", name, values.get(name, ""), source, when))
            comment = []
        elif not stripped.startswith(("type", "influence", "initial", "mappings", "- type")):
            comment = []
    return notes


def answer_notes() -> List[Reviewed]:
    """Every response variation with its metadata's source and review date."""
    notes = []
    for name, variation in responses():
        metadata = variation.get("metadata") or {}
        conditions = [str(c.get("value")) for c in variation.get("condition") or []]
        shown = f"{name} [{', '.join(conditions)}]" if conditions else name
        reviewed = metadata.get("reviewed")
        notes.append(
            Reviewed(
                "answer",
                shown,
                str(variation.get("text") or ""),
                str(metadata["source"]).strip() if metadata.get("source") else None,
                date.fromisoformat(str(reviewed)) if reviewed else None,
            )
        )
    return notes


def content_report(
    today: date, interval_days: int = REVIEW_INTERVAL_DAYS, only_due: bool = False
) -> Tuple[List[str], int]:
    """The report's lines (every answer and line: review date, DUE flag, source, text) and
    how many are due for review or have no source."""
    out: List[str] = []
    due = 0
    for title, notes in (("PHONE LINES", line_notes()), ("ANSWERS", answer_notes())):
        out.append(f"== {title} ==")
        for note in notes:
            late = note.due(today, interval_days)
            missing = note.kind == "line" and not note.source
            due += late or missing
            if only_due and not (late or missing):
                continue
            flag = "DUE " if late else "    "
            when = note.reviewed.isoformat() if note.reviewed else "never     "
            if not note.states_facts:
                when = "no facts  "
            out.append(f"{flag}{when}  {note.name}")
            out.append(f"      source: {note.source or '(none given)'}")
            out.append(f"      text:   {note.text.strip()}")
    out.append(
        f"{due} due for review (reviewed more than {interval_days} days before {today}, or never)."
    )
    return out, due
