"""Records of the warm handoff: requests, notes and the audit log.

The audit log is append-only: the migration adds database triggers that refuse UPDATE and
DELETE on it, and no code path here does either.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped

from bot.db import Base, utcnow


class Handoff(Base):
    """A person's request for a recovery navigator, from waiting to closed."""

    __tablename__ = "handoffs"
    __table_args__ = (
        # One open request per conversation, enforced by the database for any process.
        Index(
            "uq_handoffs_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_handoffs_queue", "status", "urgency", "requested_at"),
    )

    WAITING = "waiting"  # nobody has claimed it
    CLAIMED = "claimed"  # a navigator holds the conversation
    RETURNED = "returned"  # handed back to the assistant; the outcome is still to record
    CLOSED = "closed"
    OPEN = (WAITING, CLAIMED, RETURNED)

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[int] = Column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = Column(String(16), nullable=False, default=WAITING)
    reason: Mapped[str] = Column(String(32), nullable=False)
    urgency: Mapped[int] = Column(Integer, nullable=False)
    consented: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    # Only what the person agreed to share; None when they declined.
    summary: Mapped[dict | None] = Column(JSON)
    requested_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_by: Mapped[int | None] = Column(ForeignKey("navigators.id"))
    claimed_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    outcome: Mapped[str | None] = Column(String(32))
    not_yet_sent_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    contact_later_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    alerted_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    # Unclaimed past the claim target: the on-call phone texted again; past twice the
    # target: the supervisor's phone texted (bot/handoff/requests.py escalate_unclaimed).
    realerted_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = Column(DateTime(timezone=True))


class HandoffNote(Base):
    """A navigator's private note on a handoff; never shown to the person."""

    __tablename__ = "handoff_notes"

    id: Mapped[int] = Column(Integer, primary_key=True)
    handoff_id: Mapped[int] = Column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    navigator_id: Mapped[int] = Column(ForeignKey("navigators.id"), nullable=False)
    body: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class HandoffReferral(Base):
    """A referral tag a navigator ticked when closing a request (REFERRAL_TAGS in
    bot/handoff/views.py); a request has any number of them, each once."""

    __tablename__ = "handoff_referrals"

    handoff_id: Mapped[int] = Column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = Column(String(32), primary_key=True)


class AuditEntry(Base):
    """Who did what to which conversation, and when; never a message body or a phone number.

    Ids are plain integers, not foreign keys: the trail outlives an erased conversation.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    navigator_id: Mapped[int | None] = Column(Integer, index=True)
    action: Mapped[str] = Column(String(32), nullable=False)
    conversation_id: Mapped[int | None] = Column(Integer, index=True)
    handoff_id: Mapped[int | None] = Column(Integer)
    detail: Mapped[str | None] = Column(String(64))


class SavedReply(Base):
    """A short text admins keep for navigators to insert into a reply.

    The body may hold the lines' placeholders ({line_988}...) and {town}, filled in on the
    conversation page (bot/handoff/saved_replies.py).
    """

    __tablename__ = "saved_replies"

    id: Mapped[int] = Column(Integer, primary_key=True)
    title: Mapped[str] = Column(String(80), nullable=False)
    body: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Shift(Base):
    """A navigator on shift, from the console: from going on to going off (or the console
    session it was started in ending, whichever comes first).

    `token_hash` names that console session (bot/accounts/sessions.py), so a shift never
    outlives it: sign-out, the idle timeout and CONSOLE_SESSION_HOURS end the shift too.
    """

    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_open", "ended_at", "navigator_id"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    navigator_id: Mapped[int] = Column(
        ForeignKey("navigators.id", ondelete="CASCADE"), nullable=False
    )
    token_hash: Mapped[str] = Column(String(64), nullable=False)
    started_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    # "off" (the toggle), "signed out", "session ended" (a timeout), "new shift".
    ended_why: Mapped[str | None] = Column(String(16))
