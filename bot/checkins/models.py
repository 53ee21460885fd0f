"""Records of follow-up check-ins: a person's opt-in series and each scheduled text.

A series belongs to one SMS conversation and exists only with the person's consent (given
by texting CHECKIN, or recorded by a navigator who asked them). Each check-in row is the
durable truth about one text: the scheduler's jobs only say *when* to look at it, and a
row moves from `scheduled` to `sent` in the same transaction that queues the text in the
outbox, so a crash can neither lose a check-in nor send it twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, relationship

from bot.db import Base, utcnow


class CheckInSeries(Base):
    """One person's opt-in to check-in texts, from consent to its end."""

    __tablename__ = "checkin_series"
    __table_args__ = (
        # One running (active or paused) series per conversation, for any process.
        Index(
            "uq_checkin_series_running",
            "conversation_id",
            unique=True,
            sqlite_where=text("status != 'ended'"),
            postgresql_where=text("status != 'ended'"),
        ),
    )

    ACTIVE = "active"
    PAUSED = "paused"  # PAUSE: check-ins that come due are skipped until RESUME
    ENDED = "ended"

    # end reasons
    FINISHED = "finished"  # the last check-in went out
    STOPPED = "stop"  # the carrier keyword STOP: no messages at all
    CANCELLED = "cancelled"  # the person ended check-ins alone (STOP CHECKINS)
    BY_NAVIGATOR = "navigator"  # a navigator ended them from the console
    OPT_OUTS = (STOPPED, CANCELLED)

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[int] = Column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = Column(String(16), nullable=False, default=ACTIVE)
    reason: Mapped[str] = Column(String(16), nullable=False)  # overdose, referral, other
    enrolled_by: Mapped[str] = Column(String(16), nullable=False)  # person or navigator
    navigator_id: Mapped[int | None] = Column(Integer)
    consented_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    paused_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = Column(String(16))

    checkins = relationship("CheckIn", back_populates="series", order_by="CheckIn.due_at")


class CheckIn(Base):
    """One check-in text of a series: scheduled, then sent, skipped or cancelled."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_due", "status", "due_at"),)

    SCHEDULED = "scheduled"
    SENT = "sent"  # queued in the outbox (the outbox records delivery)
    SKIPPED = "skipped"  # paused, or a navigator was talking with the person at the time
    CANCELLED = "cancelled"  # the series ended first

    id: Mapped[int] = Column(Integer, primary_key=True)
    series_id: Mapped[int] = Column(
        ForeignKey("checkin_series.id", ondelete="CASCADE"), nullable=False, index=True
    )
    day: Mapped[int] = Column(Integer, nullable=False)
    due_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False, default=SCHEDULED)
    # The scheduler job that fires at due_at; None until the worker has scheduled it.
    job_id: Mapped[str | None] = Column(String(64))
    skip_reason: Mapped[str | None] = Column(String(16))
    message_id: Mapped[int | None] = Column(ForeignKey("messages.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    replied_at: Mapped[datetime | None] = Column(DateTime(timezone=True))

    series = relationship("CheckInSeries", back_populates="checkins")
