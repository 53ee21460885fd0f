"""The directory's service API for the conversation: nearby help, and wrong-listing reports.

Typical use from an action (one session per action):

    with session_factory()() as session:
        result = find_nearby(session, "06360", need="treatment", medication="bupe",
                             filters=Filters(medicaid=True), k=3)
    if not result.place_found: ask again, quoting result.reason
    elif not result.matches: nothing within result.radius_miles
    else: for m in result.matches: m.name, m.distance_miles, m.phone, m.last_verified ...

Listings can be stale: every match carries the date its source last confirmed it and the
source's name, and `report_listing` records that someone found it wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import List, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.directory.geo import Place, PlaceResult, resolve_place
from bot.directory.index import get_index, mask_for
from bot.directory.models import ListingReport, Location
from bot.directory.vocab import (
    FORMS,
    MEDICATIONS,
    NEEDS,
    PAYMENTS,
    SOURCES,
    normalize_medication,
)

# First look this far; if that cannot fill the page, widen once to the second radius.
RADII_MILES: Tuple[float, ...] = (25.0, 60.0)
MAX_K = 20


@dataclass(frozen=True)
class Filters:
    """What the person asked for beyond the service itself; all off by default."""

    medicaid: bool = False
    uninsured: bool = False  # self-pay, sliding fee, free or state-funded care
    telehealth: bool = False
    spanish: bool = False
    walk_in: bool = False
    # Programs for these groups (SAMHSA special-program codes; local sources).
    pregnant: bool = False
    youth: bool = False
    veterans: bool = False

    def features(self) -> List[str]:
        """Index feature names of the filters that are on."""
        return [name for name, on in vars(self).items() if on]


@dataclass(frozen=True)
class ServiceOffer:
    """One service at a matched location, with who says so and when they last did."""

    kind: str
    forms: Tuple[str, ...]
    sources: Tuple[str, ...]
    last_verified: date


@dataclass(frozen=True)
class Match:
    """A location near the person that offers what they asked for."""

    id: int
    name: str
    distance_miles: float
    address: str
    town: str | None
    state: str
    postal_code: str | None
    phone: str | None
    intake_phone: str | None
    website: str | None
    hours: str | None
    services: Tuple[ServiceOffer, ...]
    matched_services: Tuple[ServiceOffer, ...]
    payment: Tuple[str, ...]
    telehealth: bool
    walk_in: bool
    languages: Tuple[str, ...]
    populations: Tuple[str, ...]
    last_verified: date
    sources: Tuple[str, ...]
    source_names: Tuple[str, ...]
    # True when the map point is a ZIP or town centre, not the street address.
    approximate_location: bool


@dataclass(frozen=True)
class SearchResult:
    """Where we looked, for what, and what we found (nearest first)."""

    query: str
    place_result: PlaceResult
    need: str
    medication: str | None
    filters: Filters
    matches: Tuple[Match, ...] = ()
    radius_miles: float | None = None
    widened: bool = False
    has_more: bool = False
    offset: int = 0

    @property
    def place(self) -> Place | None:
        """The resolved place, or None when the text named no known place."""
        return self.place_result.place

    @property
    def place_found(self) -> bool:
        """True when the query resolved to a place (matches may still be empty)."""
        return self.place_result.found

    @property
    def reason(self) -> str:
        """Why the place was not found (empty when it was)."""
        return self.place_result.reason


@dataclass(frozen=True)
class _Query:
    need: str
    medication: str | None
    filters: Filters = field(default_factory=Filters)

    def services(self) -> Tuple[str, ...]:
        if self.need != "treatment":
            return (self.need,)
        return (self.medication,) if self.medication else MEDICATIONS

    def mask(self) -> int:
        service = self.medication if self.need == "treatment" and self.medication else self.need
        return mask_for([service, *self.filters.features()])


def _query(need: str, medication: str | None, filters: Filters | None) -> _Query:
    """Validate and normalise what was asked for ("bupe" -> buprenorphine)."""
    filters = filters or Filters()
    chosen = normalize_medication(medication) if medication else None
    if medication and chosen is None:
        raise ValueError(f"unknown medication {medication!r}")
    if chosen == "naloxone":
        need, chosen = "naloxone", None
    if need not in NEEDS:
        raise ValueError(f"need must be one of {', '.join(NEEDS)}, got {need!r}")
    return _Query(need, chosen if need == "treatment" else None, filters)


def find_nearby(
    session: Session,
    place_query: str,
    need: str = "treatment",
    medication: str | None = None,
    filters: Filters | None = None,
    k: int = 3,
    offset: int = 0,
    radii: Tuple[float, ...] = RADII_MILES,
    same_town_first: bool = False,
) -> SearchResult:
    """The `k` nearest listings (after `offset`) for a ZIP code or town, widening once.

    With `same_town_first` (the person has no car), places in the town itself come before
    nearer places across a town line.

    `need` is "treatment" (any MOUD, or `medication`: methadone, buprenorphine or
    naltrexone, as people say them: "bupe", "Suboxone", "Vivitrol"), "naloxone", or a local
    support service ("harm_reduction", "recovery_coaching", "navigation"). Raises
    ValueError for an unknown need or medication; an unknown place is a result, not an error.
    """
    query = _query(need, medication, filters)
    resolved = resolve_place(place_query)
    if not resolved.found:
        return SearchResult(place_query, resolved, query.need, query.medication, query.filters)
    return _search(session, place_query, resolved, query, k, offset, radii, same_town_first)


def find_near_place(
    session: Session,
    place: Place,
    need: str = "treatment",
    medication: str | None = None,
    filters: Filters | None = None,
    k: int = 3,
    offset: int = 0,
    radii: Tuple[float, ...] = RADII_MILES,
    same_town_first: bool = False,
) -> SearchResult:
    """Like `find_nearby`, for a place already resolved (e.g. kept from an earlier turn)."""
    query = _query(need, medication, filters)
    resolved = PlaceResult(place.label, place)
    return _search(session, place.label, resolved, query, k, offset, radii, same_town_first)


def _search(
    session: Session,
    text: str,
    resolved: PlaceResult,
    query: _Query,
    k: int,
    offset: int,
    radii: Tuple[float, ...],
    same_town_first: bool = False,
) -> SearchResult:
    k, offset = max(1, min(k, MAX_K)), max(0, offset)
    place, index = resolved.place, get_index(session)
    assert place is not None, "only resolved places are searched"
    wanted = k + offset + 1  # one more than the page tells whether there is a next page
    if same_town_first:
        wanted = max(wanted, MAX_K + offset)  # the town's own places may not be the nearest
    hits: List[Tuple[int, float]] = []
    radius = None
    for step, radius in enumerate(radii):
        hits = index.nearest(place.latitude, place.longitude, query.mask(), wanted, radius)
        if len(hits) >= k + offset or step == len(radii) - 1:
            break
    if same_town_first:
        hits = _town_first(session, hits, place.name)
    page = hits[offset : offset + k]
    return SearchResult(
        query=text,
        place_result=resolved,
        need=query.need,
        medication=query.medication,
        filters=query.filters,
        matches=tuple(_matches(session, page, query)),
        radius_miles=radius,
        widened=radius is not None and len(radii) > 1 and radius != radii[0],
        has_more=len(hits) > offset + k,
        offset=offset,
    )


# What a list can be narrowed by, in the order it is offered: a medication when none was
# named, then what people ask of a place.
NARROWING = ("methadone", "buprenorphine", "medicaid", "uninsured", "telehealth", "spanish")


def narrowing(session: Session, result: SearchResult) -> Tuple[str, ...]:
    """The narrowings (NARROWING names) that would still leave a place within the list's
    radius, so a list never offers a filter the data cannot answer (most CT listings say
    nothing about insurance)."""
    place = result.place
    if place is None or not result.matches or result.need != "treatment":
        return ()
    index = get_index(session)
    on = set(result.filters.features())
    kept = []
    for name in NARROWING:
        if name in MEDICATIONS:
            if result.medication:
                continue
            query = _Query(result.need, name, result.filters)
        elif name in on:
            continue
        else:
            query = _Query(result.need, result.medication, replace(result.filters, **{name: True}))
        if index.nearest(place.latitude, place.longitude, query.mask(), 1, result.radius_miles):
            kept.append(name)
    return tuple(kept)


def _town_first(
    session: Session, hits: List[Tuple[int, float]], town: str
) -> List[Tuple[int, float]]:
    """`hits` with the places in `town` first, each group still nearest first."""
    ids = [location_id for location_id, _ in hits]
    rows = session.execute(select(Location.id, Location.city).where(Location.id.in_(ids)))
    in_town = {row.id for row in rows if (row.city or "").lower() == town.lower()}
    return sorted(hits, key=lambda hit: hit[0] not in in_town)


def _matches(session: Session, hits: List[Tuple[int, float]], query: _Query) -> List[Match]:
    if not hits:
        return []
    locations = {
        location.id: location
        for location in session.scalars(
            select(Location)
            .where(Location.id.in_([location_id for location_id, _ in hits]))
            .options(selectinload(Location.services))
        )
    }
    return [_match(locations[i], miles, query) for i, miles in hits if i in locations]


def _match(location: Location, miles: float, query: _Query) -> Match:
    offers = tuple(
        ServiceOffer(
            kind=s.kind,
            forms=tuple(FORMS.get(f, f) for f in s.forms.split(",") if f),
            sources=tuple(s.sources.split(",")),
            last_verified=s.last_verified,
        )
        for s in location.services
    )
    wanted = query.services()
    sources = tuple(location.sources.split(","))
    return Match(
        id=location.id,
        name=location.name,
        distance_miles=round(miles, 1),
        address=", ".join(p for p in (location.address_1, location.address_2) if p),
        town=location.city,
        state=location.state,
        postal_code=location.postal_code,
        phone=location.phone,
        intake_phone=location.intake_phone,
        website=location.website,
        hours=location.hours,
        services=offers,
        matched_services=tuple(o for o in offers if o.kind in wanted),
        payment=tuple(name for name in PAYMENTS if getattr(location, name)),
        telehealth=location.telehealth,
        walk_in=location.walk_in,
        languages=tuple(filter(None, location.languages.split(","))),
        populations=tuple(filter(None, location.populations.split(","))),
        last_verified=location.last_verified,
        sources=sources,
        source_names=tuple(SOURCES.get(s, s) for s in sources),
        approximate_location=not location.precise,
    )


# Reports must hold no personal data; people sometimes type their number or email anyway.
_CONTACT_RE = re.compile(r"\S+@\S+|\+?\(?\d[\d\s().-]{6,}\d")


def report_listing(session: Session, listing_id: int, reason: str | None = None) -> int:
    """Record that listing `listing_id` is wrong (closed, wrong number...); returns the report id.

    Phone numbers and email addresses in `reason` are removed before it is stored.
    Raises LookupError for an unknown listing. The caller commits.
    """
    if session.get(Location, listing_id) is None:
        raise LookupError(f"no listing {listing_id}")
    text = _CONTACT_RE.sub("[removed]", reason or "").strip()[:500] or None
    report = ListingReport(location_id=listing_id, reason=text)
    session.add(report)
    session.flush()
    return report.id
