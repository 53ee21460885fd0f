"""The directory as the conversation uses it: a page of nearby places, the lookup counted
for the action team, and "WRONG n" reports. The actions call this; they write no SQL.

Each call is one session. Recording a lookup never costs the person their answer: a
failure to record is logged and the answer goes out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Tuple

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations.models import Conversation
from bot.db import utcnow
from bot.directory.geo import resolve_place
from bot.directory.models import Location, LookupRecord
from bot.directory.search import (
    RADII_MILES,
    Filters,
    SearchResult,
    find_nearby,
    narrowing,
    report_listing,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    """One page of a lookup: the result, or why there is none."""

    result: SearchResult | None
    # The directory has no listings at all (then `state` is the place's state, if known).
    empty_directory: bool = False
    state: str | None = None
    # What the list can be narrowed by and still show places (search.NARROWING names).
    narrowing: Tuple[str, ...] = ()


class DirectoryLookups:
    """Nearby places for one conversation's lookup, and its bookkeeping."""

    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions

    def page(
        self,
        sender_id: str,
        place: str,
        need: str,
        medication: str | None,
        filters: Filters,
        offset: int,
        size: int,
        same_town_first: bool = False,
    ) -> Page:
        """The places after `offset`; the first page of a lookup is counted in the figures."""
        with self.sessions() as session:
            if session.execute(select(func.count(Location.id))).scalar_one() == 0:
                found = resolve_place(place).place
                return Page(None, empty_directory=True, state=found.state if found else None)
            result = find_nearby(
                session, place, need=need, medication=medication, filters=filters,
                k=size, offset=offset, same_town_first=same_town_first,
            )  # fmt: skip
            if offset == 0 and result.place is not None:
                self._record_found(session, sender_id, result)
            return Page(result, narrowing=narrowing(session, result))

    def for_navigator(
        self,
        place: str,
        need: str,
        medication: str | None,
        filters: Filters,
        size: int,
    ) -> Page:
        """The same search for a navigator answering a person in the console: not counted
        in the lookup figures, which count what people themselves looked up."""
        with self.sessions() as session:
            if session.execute(select(func.count(Location.id))).scalar_one() == 0:
                found = resolve_place(place).place
                return Page(None, empty_directory=True, state=found.state if found else None)
            result = find_nearby(
                session, place, need=need, medication=medication, filters=filters, k=size
            )
            return Page(result)

    def record_unplaced(self, sender_id: str, need: str) -> None:
        """Count a lookup whose place was never understood (no town to name)."""
        with self.sessions() as session:
            _record(session, sender_id, need=need)

    def report(self, listing_id: int) -> str | None:
        """Record "WRONG n" for staff; the listing's name, or None if it is gone."""
        with self.sessions() as session:
            location = session.get(Location, listing_id)
            if location is None:
                return None
            report_listing(session, location.id, reason="reported in conversation")
            session.commit()
            return location.name

    def _record_found(self, session: Session, sender_id: str, result: SearchResult) -> None:
        place = result.place
        assert place is not None
        # Only the first page is counted, so "nearby" is at most a page: enough to tell a
        # treatment desert (0) from a town with care near it.
        nearby = sum(1 for match in result.matches if match.distance_miles <= RADII_MILES[0])
        _record(
            session,
            sender_id,
            need=result.need,
            medication=result.medication,
            town=place.name[:100],
            state=place.state,
            nearby=nearby,
            nearest_miles=result.matches[0].distance_miles if result.matches else None,
        )


def gateway_channel(session: Session, sender_id: str) -> str:
    """The gateway's name for the conversation's channel: "sms", "web", or "terminal" for
    staff trying the line. Without a gateway conversation (rasa shell, a test) the lookup
    is not a person's, so it counts as "terminal", which the figures leave out."""
    channel = session.execute(
        select(Conversation.channel).where(Conversation.sender_id == sender_id)
    ).scalar_one_or_none()
    return channel or "terminal"


def _record(session: Session, sender_id: str, **fields) -> None:
    """Keep one lookup for the action team's figures: nothing about the person, and only
    the hour, so the time of a person's message cannot find their lookup."""
    fields.setdefault("nearby", 0)
    at = utcnow().replace(minute=0, second=0, microsecond=0)
    try:
        session.add(LookupRecord(at=at, channel=gateway_channel(session, sender_id), **fields))
        session.commit()
    except SQLAlchemyError as error:
        session.rollback()
        log.error("could not record a lookup: %s", type(error).__name__)
