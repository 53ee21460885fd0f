"""Console accounts: navigators, supervisors and admins, and failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped

from bot.db import Base, utcnow

# Roles, least to most trusted. Supervisors and admins see every conversation.
NAVIGATOR = "navigator"
SUPERVISOR = "supervisor"
ADMIN = "admin"
ROLES = (NAVIGATOR, SUPERVISOR, ADMIN)
OVERSEERS = frozenset({SUPERVISOR, ADMIN})


class Navigator(Base):
    """A staff account of the console."""

    __tablename__ = "navigators"

    id: Mapped[int] = Column(Integer, primary_key=True)
    email: Mapped[str] = Column(String(254), unique=True, nullable=False)
    name: Mapped[str] = Column(String(100), nullable=False)
    role: Mapped[str] = Column(String(16), nullable=False, default=NAVIGATOR)
    password_hash: Mapped[str] = Column(String(200), nullable=False)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    # The second factor (bot/accounts/second_factor.py): a TOTP secret, encrypted, set at
    # enrolment on the first sign-in; the last time step used, so a code works once.
    totp_secret_encrypted: Mapped[str | None] = Column(String(200))
    totp_enrolled_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = Column(Integer)

    @property
    def oversees(self) -> bool:
        """True for supervisors and admins, who see every conversation."""
        return self.role in OVERSEERS


class LoginFailure(Base):
    """One failed sign-in, counted per account and per address to throttle guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_email", "email", "created_at"),
        Index("ix_login_failures_address", "address", "created_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    email: Mapped[str] = Column(String(254), nullable=False)
    address: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ConsoleSession(Base):
    """A signed-in console session, kept on the server so it can end: on sign-out, when
    the account is deactivated, after `idle` without use and at its absolute lifetime.

    The cookie holds a random token; only its SHA-256 is stored, so the table alone
    cannot be replayed.
    """

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = Column(String(64), primary_key=True)
    navigator_id: Mapped[int] = Column(
        ForeignKey("navigators.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = Column(DateTime(timezone=True))


class RecoveryCode(Base):
    """A one-time recovery code for a lost authenticator (only its hash is stored)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = Column(Integer, primary_key=True)
    navigator_id: Mapped[int] = Column(
        ForeignKey("navigators.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = Column(String(64), nullable=False)
    used_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
