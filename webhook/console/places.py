"""Places from the directory on the conversation page: the search form's values, read from
the query string (a plain GET form, so it works without JavaScript), and the nearest
listings from the assistant's own search (bot/directory/lookups.py).

The form starts from what the person agreed to share: their town, the medication and the
insurance in the summary. A navigator's search is not counted in the lookup figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Tuple

from werkzeug.datastructures import MultiDict

from bot.directory.asking import filters_for
from bot.directory.lookups import Page
from bot.directory.replies import WISH_WORDS, place_line, stale, street_address, what_was_asked
from bot.directory.search import Match
from bot.directory.vocab import MEDICATIONS, normalize_medication
from bot.handoff.models import Handoff
from webhook.context import services

# How many listings the page shows, nearest first.
SHOWN = 5
MAX_PLACE = 60
NEEDS: Dict[str, str] = {"treatment": "Medication treatment (MOUD)", "naloxone": "Naloxone"}
MEDICATION_CHOICES: Dict[str, str] = {
    "": "Any medication",
    "methadone": "Methadone",
    "buprenorphine": "Buprenorphine (Suboxone)",
    "naltrexone": "Naltrexone (Vivitrol)",
}
# The directory's filters for treatment (search.Filters), as the form names them.
WISHES: Dict[str, str] = {
    "medicaid": "Takes Medicaid",
    "uninsured": "For people without insurance",
    "telehealth": "Telehealth",
    "spanish": "Spanish spoken",
    "walk_in": "Walk-in",
}
# The summary's insurance words (bot/handoff/summary.py) as a wish.
INSURANCE_WISHES = {"Medicaid": "medicaid", "no insurance": "uninsured"}


@dataclass(frozen=True)
class FoundPlace:
    """A listing as the page shows it, and the line it inserts into the reply."""

    match: Match
    street: str
    line: str
    stale: bool


@dataclass(frozen=True)
class PlaceSearch:
    """The form's values and, once it was sent, what the directory found."""

    near: str
    need: str
    medication: str
    wishes: Tuple[str, ...]
    searched: bool = False
    page: Page | None = None
    found: List[FoundPlace] = field(default_factory=list)
    # "medication treatment (MOUD) taking Medicaid": what was looked for, in words.
    asked: str = ""


def starting_form(handoff: Handoff) -> PlaceSearch:
    """The form before any search: the consented summary's town, medication, insurance."""
    summary = (handoff.summary or {}) if handoff.consented else {}
    medication = normalize_medication(str(summary.get("medication") or "")) or ""
    wish = INSURANCE_WISHES.get(str(summary.get("insurance") or ""))
    need = "naloxone" if handoff.reason == "naloxone" or medication == "naloxone" else "treatment"
    return PlaceSearch(
        near=str(summary.get("town") or ""),
        need=need,
        medication=medication if medication in MEDICATIONS else "",
        wishes=(wish,) if wish else (),
    )


def place_search(handoff: Handoff, args: MultiDict[str, str]) -> PlaceSearch:
    """The search the form asked for (the starting form when it was not sent)."""
    if "near" not in args:
        return starting_form(handoff)
    near = " ".join(args.get("near", "").split())[:MAX_PLACE]
    need = _one_of(args.get("need", ""), NEEDS, "treatment")
    medication = _one_of(args.get("medication", ""), MEDICATIONS, "")
    wishes = tuple(name for name in WISHES if name in args.getlist("wish"))
    form = PlaceSearch(near, need, medication, wishes, searched=True)
    if not near:
        return form
    treatment = need == "treatment"
    page = services().directory.for_navigator(
        near,
        need=need,
        medication=(medication or None) if treatment else None,
        filters=filters_for(wishes if treatment else ()),
        size=SHOWN,
    )
    result = page.result
    if result is None or not result.place_found:
        return PlaceSearch(near, need, medication, wishes, True, page)
    asked = ", ".join([what_was_asked(result)] + [WISH_WORDS[w] for w in result.filters.features()])
    found = [
        FoundPlace(match, street_address(match), place_line(match), stale(match))
        for match in result.matches
    ]
    return PlaceSearch(near, need, medication, wishes, True, page, found, asked)


def _one_of(value: str, allowed: Iterable[str], default: str) -> str:
    return value if value in allowed else default
