"""Console sessions kept on the server: a signed cookie alone cannot be ended.

A session ends on sign-out, when its account is deactivated, after `idle` without a
navigator's own action (the pages' background polls do not count, or an open tab would
keep it alive for ever) and, whatever happens, `lifetime` after sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.accounts.models import ConsoleSession, Navigator
from bot.db import as_utc, utcnow

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)


def token_hash(token: str) -> str:
    """How a session's token is stored (the cookie holds the token, the table its hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ConsoleSessions:
    """Starts, checks and ends console sessions."""

    def __init__(
        self, sessions: sessionmaker, idle: timedelta = IDLE, lifetime: timedelta = LIFETIME
    ) -> None:
        self.sessions = sessions
        self.idle = idle
        self.lifetime = lifetime

    def start(self, navigator_id: int, now: datetime | None = None) -> str:
        """A new session for a navigator who just signed in; returns the cookie's token."""
        token = secrets.token_urlsafe(32)
        now = now or utcnow()
        with self.sessions() as session:
            session.add(
                ConsoleSession(
                    token_hash=token_hash(token),
                    navigator_id=navigator_id,
                    created_at=now,
                    last_seen_at=now,
                )
            )
            session.commit()
        return token

    def navigator(
        self, token: str | None, activity: bool = True, now: datetime | None = None
    ) -> Navigator | None:
        """The active navigator of a live session, or None (and the session ends).

        `activity` is False for a page's background poll: it does not extend the session.
        """
        if not token:
            return None
        now = now or utcnow()
        with self.sessions() as session:
            found = session.get(ConsoleSession, token_hash(token))
            if found is None or found.ended_at is not None:
                return None
            navigator = session.get(Navigator, found.navigator_id)
            expired = (
                now - as_utc(found.last_seen_at) > self.idle
                or now - as_utc(found.created_at) > self.lifetime
            )
            if expired or navigator is None or not navigator.active:
                found.ended_at = now
                session.commit()
                return None
            if activity:
                found.last_seen_at = now
            session.commit()
            session.refresh(navigator)
            session.expunge(navigator)
            return navigator

    def end(self, token: str | None) -> None:
        """Sign-out: this session ends now."""
        if not token:
            return
        with self.sessions() as session:
            session.execute(
                update(ConsoleSession)
                .where(
                    ConsoleSession.token_hash == token_hash(token),
                    ConsoleSession.ended_at.is_(None),
                )
                .values(ended_at=utcnow())
            )
            session.commit()


def end_all(session: Session, navigator_id: int) -> None:
    """Every open session of an account ends (deactivation, a new password)."""
    session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.navigator_id == navigator_id, ConsoleSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
