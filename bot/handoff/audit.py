"""The append-only audit log: who did what to which conversation, and when.

Ids and action names only, never message text. Every view and action of a conversation
adds a row in the same transaction as the change it records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import List, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.accounts.models import Navigator
from bot.handoff.models import AuditEntry, Handoff


def entry(navigator_id: int | None, action: str, handoff: Handoff, detail=None) -> AuditEntry:
    """An audit row for `action` on `handoff` (add it to the use case's session)."""
    return AuditEntry(
        navigator_id=navigator_id,
        action=action,
        conversation_id=handoff.conversation_id,
        handoff_id=handoff.id,
        detail=detail,
    )


PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditQuery:
    """Which audit entries to show: by who, what, when (days in `zone`, the navigators'
    time zone) and request; one page."""

    navigator_id: int | None = None
    action: str | None = None
    day_from: date | None = None
    day_to: date | None = None  # inclusive
    handoff_id: int | None = None
    page: int = 1
    zone: tzinfo = timezone.utc


def audit_trail(
    sessions: sessionmaker, query: AuditQuery | None = None, size: int = PAGE_SIZE
) -> Tuple[List[Tuple[AuditEntry, str | None]], int]:
    """One page of matching entries, newest first, with the navigator's name, and how many
    match in all. Every entry can be reached by paging: none is pushed off the page."""
    query = query or AuditQuery()
    conditions = []
    if query.navigator_id is not None:
        conditions.append(AuditEntry.navigator_id == query.navigator_id)
    if query.action:
        conditions.append(AuditEntry.action == query.action)
    if query.day_from is not None:
        start = datetime.combine(query.day_from, time.min, tzinfo=query.zone).astimezone(
            timezone.utc
        )
        conditions.append(AuditEntry.at >= start)
    if query.day_to is not None:
        end = datetime.combine(
            query.day_to + timedelta(days=1), time.min, tzinfo=query.zone
        ).astimezone(timezone.utc)
        conditions.append(AuditEntry.at < end)
    if query.handoff_id is not None:
        conditions.append(AuditEntry.handoff_id == query.handoff_id)
    with sessions() as session:
        total = session.execute(
            select(func.count()).select_from(AuditEntry).where(*conditions)
        ).scalar_one()
        rows = session.execute(
            select(AuditEntry, Navigator.name)
            .outerjoin(Navigator, Navigator.id == AuditEntry.navigator_id)
            .where(*conditions)
            .order_by(AuditEntry.id.desc())
            .offset((max(query.page, 1) - 1) * size)
            .limit(size)
        ).all()
        return [(row, name) for row, name in rows], total


def audit_actions(sessions: sessionmaker) -> List[str]:
    """Every action name in the log, for the filter."""
    with sessions() as session:
        return sorted(session.execute(select(AuditEntry.action).distinct()).scalars())
