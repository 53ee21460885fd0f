"""Who is on shift: navigators go on and off in the console; the person is told the truth.

A shift belongs to the console session it was started in, so nobody stays "on shift" as a
ghost: signing out ends it, and so do the session's idle timeout and its absolute lifetime
(CONSOLE_IDLE_MINUTES, CONSOLE_SESSION_HOURS), checked in the query itself. The worker's
sweep then closes such shifts in the record and audits them. Going on and off is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import List, Tuple

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.accounts.models import ConsoleSession, Navigator
from bot.accounts.sessions import IDLE, LIFETIME, token_hash
from bot.db import utcnow
from bot.handoff.models import AuditEntry, Shift


class Presence:
    """Starts and ends shifts, and says who is on shift now."""

    def __init__(
        self, sessions: sessionmaker, idle: timedelta = IDLE, lifetime: timedelta = LIFETIME
    ) -> None:
        self.sessions = sessions
        self.idle = idle
        self.lifetime = lifetime

    def live(self, now: datetime):
        """The SQL condition for a shift that counts: open, and its console session alive."""
        return and_(
            Shift.ended_at.is_(None),
            Shift.started_at >= now - self.lifetime,
            ConsoleSession.ended_at.is_(None),
            ConsoleSession.last_seen_at >= now - self.idle,
            ConsoleSession.created_at >= now - self.lifetime,
            Navigator.active,
        )

    def _query(self, now: datetime, *columns):
        return (
            select(*(columns or (Shift, Navigator.name)))
            .join(ConsoleSession, ConsoleSession.token_hash == Shift.token_hash)
            .join(Navigator, Navigator.id == Shift.navigator_id)
            .where(self.live(now))
        )

    def on_shift(self, now: datetime | None = None) -> List[Tuple[int, str]]:
        """(id, name) of every navigator on shift now, by name."""
        now = now or utcnow()
        with self.sessions() as session:
            rows = session.execute(self._query(now).order_by(Navigator.name)).all()
        return list(dict.fromkeys((shift.navigator_id, name) for shift, name in rows))

    def anyone(self, now: datetime | None = None) -> bool:
        """True when at least one navigator is on shift."""
        return bool(self.on_shift(now))

    def is_on(self, navigator_id: int, now: datetime | None = None) -> bool:
        """True when this navigator is on shift."""
        return any(found == navigator_id for found, _ in self.on_shift(now))

    def go_on(self, navigator: Navigator, token: str, now: datetime | None = None) -> None:
        """Start a shift in this console session (any other open one of theirs ends)."""
        now = now or utcnow()
        with self.sessions() as session:
            _end(session, navigator.id, "new shift", now)
            session.add(
                Shift(navigator_id=navigator.id, token_hash=token_hash(token), started_at=now)
            )
            session.add(AuditEntry(navigator_id=navigator.id, action="shift_start"))
            session.commit()

    def go_off(self, navigator: Navigator, why: str = "off", now: datetime | None = None) -> bool:
        """End the navigator's shift; False when they were not on one."""
        with self.sessions() as session:
            ended = _end(session, navigator.id, why, now or utcnow())
            if ended:
                session.add(AuditEntry(navigator_id=navigator.id, action="shift_end", detail=why))
            session.commit()
            return bool(ended)

    def sweep(self, now: datetime | None = None) -> int:
        """Close (and audit) shifts whose console session ended or timed out; how many."""
        now = now or utcnow()
        with self.sessions() as session:
            live = set(session.execute(self._query(now, Shift.id)).scalars())
            open_shifts = session.execute(select(Shift).where(Shift.ended_at.is_(None))).scalars()
            closed = 0
            for shift in list(open_shifts):
                if shift.id in live:
                    continue
                won = session.execute(
                    update(Shift)
                    .where(Shift.id == shift.id, Shift.ended_at.is_(None))
                    .values(ended_at=now, ended_why="session ended")
                ).rowcount
                if won:
                    closed += 1
                    session.add(
                        AuditEntry(
                            navigator_id=shift.navigator_id,
                            action="shift_end",
                            detail="session ended",
                        )
                    )
            session.commit()
        return closed


def _end(session: Session, navigator_id: int, why: str, now: datetime) -> int:
    return session.execute(
        update(Shift)
        .where(Shift.navigator_id == navigator_id, Shift.ended_at.is_(None))
        .values(ended_at=now, ended_why=why)
    ).rowcount
