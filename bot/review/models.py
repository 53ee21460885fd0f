"""A staff member's label for a message the assistant could not answer well."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped

from bot.db import Base, utcnow


class ReviewLabel(Base):
    """The answer a message should have had. The text stays in the message row only, so
    the retention job deletes it with every other text."""

    __tablename__ = "review_labels"

    id: Mapped[int] = Column(Integer, primary_key=True)
    message_id: Mapped[int] = Column(
        ForeignKey("messages.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    label: Mapped[str] = Column(String(64), nullable=False)
    navigator_id: Mapped[int] = Column(Integer, nullable=False)
    created_at: Mapped[datetime] = Column(DateTime(timezone=True), nullable=False, default=utcnow)
