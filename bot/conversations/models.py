"""The gateway's own records: conversations and every message in and out.

A person is known only by an opaque `sender_id` (the id Rasa sees). Inbound messages are
committed before anything else happens and stay `pending` until the assistant answers them.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, relationship

from bot.db import Base, utcnow


def new_sender_id() -> str:
    """An opaque, unguessable conversation id (never derived from a phone number)."""
    return secrets.token_hex(16)


class Contact(Base):
    """A phone that texted the line: a keyed hash to find it, an encrypted copy to reply."""

    __tablename__ = "contacts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    key: Mapped[str] = Column(String(64), unique=True, nullable=False)
    phone_encrypted: Mapped[str] = Column(Text, nullable=False)
    opted_out_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Conversation(Base):
    """One person's thread on one channel."""

    __tablename__ = "conversations"

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_id: Mapped[str] = Column(String(64), unique=True, nullable=False, default=new_sender_id)
    channel: Mapped[str] = Column(String(16), nullable=False)
    contact_id: Mapped[int | None] = Column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    # Set while a recovery navigator holds the conversation: the assistant stays silent
    # (except for the crisis check and the carrier keywords) until it is handed back.
    navigator_id: Mapped[int | None] = Column(Integer)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_activity_at: Mapped[datetime] = Column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    # Set by the retention job once the message bodies and Rasa's record are gone.
    expired_at: Mapped[datetime | None] = Column(DateTime(timezone=True))

    messages = relationship("Message", back_populates="conversation", order_by="Message.id")


class Message(Base):
    """A message in a conversation: from the person, the assistant or the system."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_pending", "direction", "status", "id"),
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_review", "direction", "created_at"),
    )

    # direction
    INBOUND = "in"
    OUTBOUND = "out"
    # inbound status: pending until answered; processing while claimed by one process
    PENDING = "pending"
    PROCESSING = "processing"
    ANSWERED = "answered"
    # inbound from a number that opted out: kept, never answered
    SUPPRESSED = "suppressed"
    # inbound while a navigator holds the conversation: kept for the navigator
    FOR_NAVIGATOR = "for_navigator"
    # outbound status for replies shown in the chat or returned inline
    READY = "ready"

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[int] = Column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    direction: Mapped[str] = Column(String(3), nullable=False)
    author: Mapped[str] = Column(String(16), nullable=False)  # person, assistant, system
    body: Mapped[str | None] = Column(Text)
    buttons: Mapped[list | None] = Column(JSON)
    status: Mapped[str] = Column(String(16), nullable=False)
    external_id: Mapped[str | None] = Column(String(64), unique=True)
    reply_to_id: Mapped[int | None] = Column(ForeignKey("messages.id", ondelete="SET NULL"))
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    claimed_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    answered_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    # Inbound only: what the assistant is given instead of the body (a check-in menu
    # choice "1" becomes "/request_human"), and the topic its answer came from (the
    # action team's figures count topics; they survive the body's deletion).
    payload: Mapped[str | None] = Column(String(64))
    topic: Mapped[str | None] = Column(String(32))
    # The topic of the assistant's "did you mean..." menu, when it was unsure.
    FALLBACK_TOPIC = "fallback"
    # Inbound only: the answer the assistant gave (a flow or knowledge-base label) and how
    # sure it was (0-1), for the "what we could not answer" review.
    answer_label: Mapped[str | None] = Column(String(64))
    confidence: Mapped[float | None] = Column(Float)

    conversation = relationship("Conversation", back_populates="messages")


class Outbox(Base):
    """An SMS that must be sent through the provider's API, at most once, with retries."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    QUEUED = "queued"  # waiting for the worker
    SENDING = "sending"  # claimed: the provider may or may not have it
    INLINE = "inline"  # went out in the webhook's own TwiML answer
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"
    FAILED = "failed"  # the provider or the retries gave up
    SUPPRESSED = "suppressed"  # the person opted out before it went
    UNKNOWN = "unknown"  # a worker died mid-send; not retried, so never sent twice

    id: Mapped[int] = Column(Integer, primary_key=True)
    message_id: Mapped[int] = Column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    status: Mapped[str] = Column(String(16), nullable=False, default=QUEUED)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = Column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    claimed_at: Mapped[datetime | None] = Column(DateTime(timezone=True))
    provider_id: Mapped[str | None] = Column(String(64), unique=True)
    error_code: Mapped[str | None] = Column(String(32))
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = Column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )

    message = relationship("Message")
