"""The append-only audit log: who did what to which conversation, and when.

Ids and action names only, never message text. Every view and action of a conversation
adds a row in the same transaction as the change it records.
"""

from __future__ import annotations

from typing import List, Tuple

from sqlalchemy import select
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


def audit_trail(sessions: sessionmaker, limit: int = 200) -> List[Tuple[AuditEntry, str | None]]:
    """The newest audit entries with the navigator's name (supervisors' page)."""
    with sessions() as session:
        return [
            (row, name)
            for row, name in session.execute(
                select(AuditEntry, Navigator.name)
                .outerjoin(Navigator, Navigator.id == AuditEntry.navigator_id)
                .order_by(AuditEntry.id.desc())
                .limit(limit)
            ).all()
        ]
