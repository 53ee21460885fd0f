"""Deciding which listings are the same place, and merging them into one location.

Sources describe the same clinic with different spellings ("Comp Trt Ctr" / "Comprehensive
Trt Ctr") and slightly different map points. Two listings from different sources are the
same place when they share a street address under a broadly similar name, or lie within
0.1 mile under a closely similar name.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Dict, List, Set, Tuple

from rapidfuzz import fuzz

from bot.directory.geo import haversine_miles
from bot.directory.listing import Listing

NEAR_MILES = 0.1
STREET_WORDS = {
    "street": "st", "avenue": "ave", "road": "rd", "drive": "dr", "boulevard": "blvd",
    "lane": "ln", "place": "pl", "court": "ct", "highway": "hwy", "turnpike": "tpke",
    "parkway": "pkwy", "square": "sq", "north": "n", "south": "s", "east": "e", "west": "w",
    "route": "rt", "suite": "ste",
}  # fmt: skip


_UNIT = re.compile(r",|\s(?:suite|ste|unit|floor|fl|room|rm|level|bldg|building|#)\b\.?|#")


def address_key(street: str | None, postal_code: str | None) -> str | None:
    """A street address normalised for comparison ("12 Main Street" == "12 main st")."""
    # The building, not the suite: "201 South Main Street, Suite 3" is "201 South Main St".
    building = _UNIT.split((street or "").lower())[0]
    words = re.sub(r"[^a-z0-9 ]+", " ", building).split()
    if not words or not postal_code:
        return None
    return " ".join(STREET_WORDS.get(w, w) for w in words) + "|" + postal_code


@dataclass
class _Candidate:
    location_id: int
    name: str
    address: str | None
    latitude: float
    longitude: float
    sources: Set[str]


class PlaceMatcher:
    """Finds the stored location that a listing from another source describes."""

    def __init__(self) -> None:
        self._cells: Dict[Tuple[int, int], List[_Candidate]] = defaultdict(list)
        self._addresses: Dict[str, List[_Candidate]] = defaultdict(list)

    @staticmethod
    def _cell(latitude: float, longitude: float) -> Tuple[int, int]:
        return math.floor(latitude * 100), math.floor(longitude * 100)

    def add(self, location_id: int, name: str, address: str | None, lat, lon, sources):
        """Remember a location as a merge target (`name` in lower case)."""
        candidate = _Candidate(location_id, name, address, lat, lon, set(sources))
        self._cells[self._cell(lat, lon)].append(candidate)
        if address:
            self._addresses[address].append(candidate)

    def find(self, listing: Listing) -> int | None:
        """The id of the location `listing` describes, or None for a new place."""
        address = address_key(listing.address_1, listing.postal_code)
        row, col = self._cell(listing.latitude, listing.longitude)
        nearby = [
            c
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            for c in self._cells.get((row + dr, col + dc), ())
        ]
        best, best_score = None, 0.0
        for candidate in nearby + self._addresses.get(address or "", []):
            if listing.source in candidate.sources:
                continue
            score = fuzz.token_set_ratio(listing.display_name.lower(), candidate.name)
            same_address = address is not None and candidate.address == address
            near = (
                haversine_miles(
                    listing.latitude, listing.longitude, candidate.latitude, candidate.longitude
                )
                <= NEAR_MILES
            )
            if ((same_address and score >= 60) or (near and score >= 85)) and score > best_score:
                best, best_score = candidate, score
        if best is None:
            return None
        best.sources.add(listing.source)
        return best.location_id


def merge(listings: List[Listing]) -> dict:
    """Location fields from all listings of one place: freshest source first, sets united."""
    ordered = sorted(listings, key=Listing.rank)
    first = ordered[0]
    located = next((item for item in ordered if item.precise), first)

    def first_of(name: str):
        return next((getattr(item, name) for item in ordered if getattr(item, name)), None)

    flags = set().union(*(item.flags for item in ordered))
    fields = {
        "name": first.display_name[:255],
        "address_1": first.address_1,
        "address_2": first.address_2,
        "city": first.city,
        "state": first.state,
        "postal_code": first.postal_code,
        "latitude": located.latitude,
        "longitude": located.longitude,
        "precise": located.precise,
        "phone": first_of("phone"),
        "intake_phone": first_of("intake_phone"),
        "website": first_of("website"),
        "hours": first_of("hours"),
        "languages": ",".join(sorted(set().union(*(i.languages for i in ordered)))),
        "populations": ",".join(sorted(set().union(*(i.populations for i in ordered)))),
        "sources": ",".join(sorted({item.source for item in ordered})),
        "last_verified": max(item.last_verified for item in ordered),
        "active": True,
    }
    for flag in (
        "medicaid", "medicare", "private_insurance", "self_pay", "sliding_fee", "free",
        "state_funded", "telehealth", "walk_in",
    ):  # fmt: skip
        fields[flag] = flag in flags
    return fields


def merged_services(listings: List[Listing]) -> List[dict]:
    """One service row per kind: forms united, with the sources that list it."""
    kinds: Dict[str, dict] = {}
    for item in listings:
        for kind, forms in item.services.items():
            entry = kinds.setdefault(
                kind, {"kind": kind, "forms": set(), "sources": set(), "last_verified": date.min}
            )
            entry["forms"].update(forms)
            entry["sources"].add(item.source)
            entry["last_verified"] = max(entry["last_verified"], item.last_verified)
    return [
        {**e, "forms": ",".join(sorted(e["forms"])), "sources": ",".join(sorted(e["sources"]))}
        for e in kinds.values()
    ]


def name_key(name: str) -> str:
    """Organisation identity for de-duplication: lower-case letters and digits only."""
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()[:255]
