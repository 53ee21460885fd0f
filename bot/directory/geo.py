"""Offline gazetteer: ZIP codes and Connecticut/Massachusetts towns to coordinates.

Coordinates are ZIP centroids from the `zipcodes` package (GeoNames, CC BY 4.0). A town
resolves to the mean of its standard ZIP codes. Postal names cover most towns; the alias
table below covers official town names the Postal Service does not use.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Tuple

import zipcodes
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

STATES: Tuple[str, ...] = ("CT", "MA")
STATE_NAMES = {"CT": "Connecticut", "MA": "Massachusetts"}
EARTH_RADIUS_MILES = 3958.7613

# The 169 towns of Connecticut (CT Secretary of the State's Register and Manual).
CT_TOWNS: Tuple[str, ...] = (
    "Andover", "Ansonia", "Ashford", "Avon", "Barkhamsted", "Beacon Falls", "Berlin",
    "Bethany", "Bethel", "Bethlehem", "Bloomfield", "Bolton", "Bozrah", "Branford",
    "Bridgeport", "Bridgewater", "Bristol", "Brookfield", "Brooklyn", "Burlington",
    "Canaan", "Canterbury", "Canton", "Chaplin", "Cheshire", "Chester", "Clinton",
    "Colchester", "Colebrook", "Columbia", "Cornwall", "Coventry", "Cromwell", "Danbury",
    "Darien", "Deep River", "Derby", "Durham", "East Granby", "East Haddam",
    "East Hampton", "East Hartford", "East Haven", "East Lyme", "East Windsor",
    "Eastford", "Easton", "Ellington", "Enfield", "Essex", "Fairfield", "Farmington",
    "Franklin", "Glastonbury", "Goshen", "Granby", "Greenwich", "Griswold", "Groton",
    "Guilford", "Haddam", "Hamden", "Hampton", "Hartford", "Hartland", "Harwinton",
    "Hebron", "Kent", "Killingly", "Killingworth", "Lebanon", "Ledyard", "Lisbon",
    "Litchfield", "Lyme", "Madison", "Manchester", "Mansfield", "Marlborough", "Meriden",
    "Middlebury", "Middlefield", "Middletown", "Milford", "Monroe", "Montville", "Morris",
    "Naugatuck", "New Britain", "New Canaan", "New Fairfield", "New Hartford",
    "New Haven", "New London", "New Milford", "Newington", "Newtown", "Norfolk",
    "North Branford", "North Canaan", "North Haven", "North Stonington", "Norwalk",
    "Norwich", "Old Lyme", "Old Saybrook", "Orange", "Oxford", "Plainfield", "Plainville",
    "Plymouth", "Pomfret", "Portland", "Preston", "Prospect", "Putnam", "Redding",
    "Ridgefield", "Rocky Hill", "Roxbury", "Salem", "Salisbury", "Scotland", "Seymour",
    "Sharon", "Shelton", "Sherman", "Simsbury", "Somers", "South Windsor", "Southbury",
    "Southington", "Sprague", "Stafford", "Stamford", "Sterling", "Stonington",
    "Stratford", "Suffield", "Thomaston", "Thompson", "Tolland", "Torrington", "Trumbull",
    "Union", "Vernon", "Voluntown", "Wallingford", "Warren", "Washington", "Waterbury",
    "Waterford", "Watertown", "West Hartford", "West Haven", "Westbrook", "Weston",
    "Westport", "Wethersfield", "Willington", "Wilton", "Winchester", "Windham",
    "Windsor", "Windsor Locks", "Wolcott", "Woodbridge", "Woodbury", "Woodstock",
)  # fmt: skip

# Official town names whose post office has another name, mapped to that ZIP code.
# Canaan is listed because the postal "Canaan" (06018) lies in the town of North Canaan.
TOWN_ALIASES: Dict[Tuple[str, str], str] = {
    ("Canaan", "CT"): "06031",  # Falls Village
    ("Franklin", "CT"): "06254",  # North Franklin
    ("Hartland", "CT"): "06027",  # East Hartland
    ("Mansfield", "CT"): "06268",  # Storrs Mansfield
    ("North Canaan", "CT"): "06018",  # Canaan
    ("Sprague", "CT"): "06330",  # Baltic
    ("Winchester", "CT"): "06098",  # Winsted
    ("Storrs", "CT"): "06268",
    ("Gosnold", "MA"): "02713",  # Cuttyhunk
    ("Manchester-by-the-Sea", "MA"): "01944",  # Manchester
    ("Tisbury", "MA"): "02568",  # Vineyard Haven
    ("Yarmouth", "MA"): "02664",  # South Yarmouth
}

ZIP_RE = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
US_STATE_NAMES = (
    "Alabama:AL Alaska:AK Arizona:AZ Arkansas:AR California:CA Colorado:CO "
    "Connecticut:CT Delaware:DE District_of_Columbia:DC Florida:FL Georgia:GA Hawaii:HI "
    "Idaho:ID Illinois:IL Indiana:IN Iowa:IA Kansas:KS Kentucky:KY Louisiana:LA Maine:ME "
    "Maryland:MD Massachusetts:MA Michigan:MI Minnesota:MN Mississippi:MS Missouri:MO "
    "Montana:MT Nebraska:NE Nevada:NV New_Hampshire:NH New_Jersey:NJ New_Mexico:NM "
    "New_York:NY North_Carolina:NC North_Dakota:ND Ohio:OH Oklahoma:OK Oregon:OR "
    "Pennsylvania:PA Puerto_Rico:PR Rhode_Island:RI South_Carolina:SC South_Dakota:SD "
    "Tennessee:TN Texas:TX Utah:UT Vermont:VT Virginia:VA Washington:WA "
    "West_Virginia:WV Wisconsin:WI Wyoming:WY Conn:CT Mass:MA"
)
# One slip (typo, missed or swapped letter) in a name of five or more letters.
FUZZY_CUTOFF = 80


@dataclass(frozen=True)
class Place:
    """A resolved place: what the person asked for and where it is."""

    name: str
    state: str
    latitude: float
    longitude: float
    kind: str  # "zip" or "town"
    postal_code: str | None = None

    @property
    def label(self) -> str:
        """How to name the place back to the person, e.g. "Norwich, CT 06360"."""
        zip_part = f" {self.postal_code}" if self.postal_code else ""
        return f"{self.name}, {self.state}{zip_part}"


@dataclass(frozen=True)
class PlaceResult:
    """The outcome of resolving free text to a place; `place` is None when not found."""

    query: str
    place: Place | None = None
    reason: str = ""
    corrected: bool = False
    alternatives: Tuple[str, ...] = field(default_factory=tuple)

    @property
    def found(self) -> bool:
        """True when the text named a known place."""
        return self.place is not None


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


@lru_cache(maxsize=1)
def _zip_index() -> Dict[str, dict]:
    """Five-digit ZIP code -> `zipcodes` record (its own lookup scans the whole list)."""
    return {record["zip_code"]: record for record in zipcodes.list_all()}


def zip_record(code: str) -> dict | None:
    """The `zipcodes` record for a five-digit ZIP code, or None if there is none."""
    return _zip_index().get(code or "")


def zip_place(code: str) -> Place | None:
    """The centroid of a US ZIP code, or None for an unknown code."""
    record = zip_record(code)
    if record is None or not record.get("lat"):
        return None
    return Place(
        name=record["city"].title(),
        state=record["state"],
        latitude=float(record["lat"]),
        longitude=float(record["long"]),
        kind="zip",
        postal_code=code,
    )


@lru_cache(maxsize=1)
def _gazetteer() -> Dict[Tuple[str, str], Place]:
    """(lower-case name, state) -> town place, for CT and MA."""
    by_name: Dict[Tuple[str, str], List[dict]] = defaultdict(list)
    secondary: Dict[Tuple[str, str], List[dict]] = defaultdict(list)
    for state in STATES:
        for record in zipcodes.filter_by(state=state):
            if not record.get("lat"):
                continue
            by_name[(record["city"].lower(), state)].append(record)
            for other in record.get("acceptable_cities") or []:
                secondary[(other.lower(), state)].append(record)
    places: Dict[Tuple[str, str], Place] = {}
    for key in set(by_name) | set(secondary):
        # A name's own post offices beat ZIPs that merely accept the name.
        records = by_name.get(key) or secondary[key]
        standard = [r for r in records if r["zip_code_type"] == "STANDARD"] or records
        places[key] = Place(
            name=_display(key[0]),
            state=key[1],
            latitude=sum(float(r["lat"]) for r in standard) / len(standard),
            longitude=sum(float(r["long"]) for r in standard) / len(standard),
            kind="town",
        )
    for (name, state), code in TOWN_ALIASES.items():
        at = zip_place(code)
        if at is not None:
            places[(name.lower(), state)] = Place(name, state, at.latitude, at.longitude, "town")
    for town in CT_TOWNS:
        # Official names keep their official spelling when shown back.
        key = (town.lower(), "CT")
        if key in places:
            p = places[key]
            places[key] = Place(town, "CT", p.latitude, p.longitude, "town")
    return places


def _display(lower_name: str) -> str:
    return " ".join(part.capitalize() for part in lower_name.split())


@lru_cache(maxsize=1)
def _names_by_state() -> Dict[str, List[str]]:
    names: Dict[str, List[str]] = defaultdict(list)
    for name, state in _gazetteer():
        names[state].append(name)
    return names


@lru_cache(maxsize=1)
def _us_city_states() -> Dict[str, Tuple[str, ...]]:
    """Lower-case US postal city name -> states outside CT/MA that have it."""
    found: Dict[str, set] = defaultdict(set)
    for record in _zip_index().values():
        if record["state"] not in STATES:
            found[record["city"].lower()].add(record["state"])
    return {name: tuple(sorted(states)) for name, states in found.items()}


@lru_cache(maxsize=1)
def place_names(states: Tuple[str, ...] = STATES) -> List[str]:
    """Every place name the assistant should recognise as a town, sorted."""
    names = {place.name for (_, state), place in _gazetteer().items() if state in states}
    if "CT" in states:
        names.update(CT_TOWNS)
    return sorted(names)


def resolve_place(query: str, states: Tuple[str, ...] = STATES) -> PlaceResult:
    """Resolve a ZIP code or a CT/MA town name (misspellings tolerated) to a place.

    Any real US ZIP code resolves (the directory is national); town names resolve only
    within `states`, preferring the first state when a name exists in both.
    """
    text = (query or "").strip()
    zip_match = ZIP_RE.search(text)
    if zip_match:
        place = zip_place(zip_match.group(1))
        if place is None:
            return PlaceResult(query, reason=f"{zip_match.group(1)} is not a known ZIP code")
        return PlaceResult(query, place)
    name, wanted = _split_state(text)
    if len(name) < 2 or not re.search(r"[a-z]", name):
        return PlaceResult(query, reason="no town name or ZIP code given")
    if wanted is not None and wanted not in states:
        return PlaceResult(
            query, reason=f"towns are known only in {_state_words(states)}, not {wanted}"
        )
    search_states = tuple(s for s in states if wanted in (None, s))
    gazetteer = _gazetteer()
    exact = [gazetteer[(name, s)] for s in search_states if (name, s) in gazetteer]
    if exact:
        return PlaceResult(query, exact[0], alternatives=_labels(exact[1:]))
    elsewhere = _us_city_states().get(name)
    if elsewhere and wanted is None:
        return PlaceResult(
            query,
            reason=f"{_display(name)} is not a town in {_state_words(states)} "
            f"(there is one in {', '.join(elsewhere[:3])})",
        )
    fuzzy = _fuzzy(name, search_states)
    if fuzzy:
        return PlaceResult(query, fuzzy[0], corrected=True, alternatives=_labels(fuzzy[1:]))
    return PlaceResult(
        query, reason=f"no town called {text!r} in {_state_words(search_states or states)}"
    )


@lru_cache(maxsize=1)
def _state_suffixes() -> Tuple[re.Pattern, Dict[str, str]]:
    """A pattern for a trailing state name or code, and its lower-case text -> code."""
    codes: Dict[str, str] = {}
    for item in US_STATE_NAMES.split():
        name, code = item.split(":")
        codes[name.replace("_", " ").lower()] = code
        codes[code.lower()] = code
    words = "|".join(sorted(map(re.escape, codes), key=len, reverse=True))
    return re.compile(rf"(?:^|[\s,]+)({words})$"), codes


def _split_state(text: str) -> Tuple[str, str | None]:
    """Lower-case town name and the state code written after it, if any."""
    name = re.sub(r"\s+", " ", text.lower().replace(".", " ")).strip(" ,")
    pattern, codes = _state_suffixes()
    match = pattern.search(name)
    if not match or match.start() == 0:
        return name, None
    return name[: match.start()].strip(" ,"), codes[match.group(1)]


def _fuzzy(name: str, states: Tuple[str, ...]) -> List[Place]:
    if len(name) < 4:
        return []
    gazetteer = _gazetteer()
    places = []
    for state in states:
        best = process.extractOne(
            name,
            _names_by_state()[state],
            scorer=DamerauLevenshtein.normalized_similarity,
            processor=None,
            score_cutoff=FUZZY_CUTOFF / 100,
        )
        if best:
            places.append((best[1], -states.index(state), gazetteer[(best[0], state)]))
    return [p for *_, p in sorted(places, key=lambda item: item[:2], reverse=True)]


def _labels(places: List[Place]) -> Tuple[str, ...]:
    return tuple(p.label for p in places)


def _state_words(states: Tuple[str, ...]) -> str:
    return " or ".join(STATE_NAMES.get(s, s) for s in states)
