"""The review of what the assistant could not answer, for supervisors and admins.

A message is up for review when the assistant offered its fallback menu (topic
"fallback") or answered with confidence under LOW_CONFIDENCE. Its text is shown only
scrubbed (bot/scrubbing.py), only while retention keeps it, and every look, label and
export is written to the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Tuple

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import sessionmaker

from bot.accounts.models import Navigator
from bot.conversations.models import Conversation, Message
from bot.db import utcnow
from bot.handoff.models import AuditEntry
from bot.review.models import ReviewLabel
from bot.scrubbing import scrub

LOW_CONFIDENCE = 0.5
PAGE = 50
MAX_DAYS = 90


class ReviewError(ValueError):
    """A review action that cannot be done (the message says why)."""


@dataclass(frozen=True)
class ReviewItem:
    """One message for review, scrubbed."""

    message_id: int
    at: datetime
    channel: str
    text: str
    answered: str | None  # what the assistant answered (None: the fallback menu)
    confidence: float | None
    label: str | None  # what staff said it should have been


def _for_review(since: datetime):
    return and_(
        Message.direction == Message.INBOUND,
        Message.created_at >= since,
        Message.body.is_not(None),
        or_(Message.topic == Message.FALLBACK_TOPIC, Message.confidence < LOW_CONFIDENCE),
        Conversation.channel.in_(("sms", "web", "terminal")),
    )


class ReviewQueue:
    """Messages to review, their labels, and the export as Rasa NLU data."""

    def __init__(self, sessions: sessionmaker, labels: Iterable[str]) -> None:
        self.sessions = sessions
        self.labels = frozenset(labels)

    def items(
        self, viewer: Navigator, days: int = 14, page: int = 1, unlabelled_only: bool = False
    ) -> Tuple[List[ReviewItem], int]:
        """A page of messages for review, newest first, and how many there are (audited)."""
        days = _days(days)
        since = utcnow() - timedelta(days=days)
        where = [_for_review(since)]
        if unlabelled_only:
            where.append(ReviewLabel.id.is_(None))
        query = (
            select(Message, Conversation.channel, ReviewLabel.label)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .outerjoin(ReviewLabel, ReviewLabel.message_id == Message.id)
            .where(*where)
        )
        with self.sessions() as session:
            total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            rows = session.execute(
                query.order_by(Message.id.desc()).limit(PAGE).offset((max(page, 1) - 1) * PAGE)
            ).all()
            session.add(
                AuditEntry(navigator_id=viewer.id, action="review_view", detail=f"{days} days")
            )
            session.commit()
        items = [
            ReviewItem(
                message.id,
                message.created_at,
                channel,
                scrub(message.body or ""),
                None if message.topic == Message.FALLBACK_TOPIC else message.answer_label,
                message.confidence,
                label,
            )  # fmt: skip
            for message, channel, label in rows
        ]
        return items, total

    def label(self, viewer: Navigator, message_id: int, label: str) -> None:
        """Record the answer a message should have had (or, with "", take the label off)."""
        if label and label not in self.labels:
            raise ReviewError("Choose one of the listed answers.")
        with self.sessions() as session:
            message = session.get(Message, message_id)
            if message is None or message.direction != Message.INBOUND or message.body is None:
                raise ReviewError("That message is no longer kept.")
            session.execute(delete(ReviewLabel).where(ReviewLabel.message_id == message_id))
            if label:
                session.add(ReviewLabel(message_id=message_id, label=label, navigator_id=viewer.id))
            session.add(
                AuditEntry(
                    navigator_id=viewer.id, action="review_label", detail=f"message {message_id}"
                )
            )
            session.commit()

    def export(self, viewer: Navigator, days: int = MAX_DAYS) -> str:
        """The labelled messages still kept, scrubbed, as Rasa NLU YAML for data/nlu
        (audited)."""
        since = utcnow() - timedelta(days=_days(days))
        with self.sessions() as session:
            rows = session.execute(
                select(ReviewLabel.label, Message.body)
                .join(Message, Message.id == ReviewLabel.message_id)
                .where(Message.body.is_not(None), Message.created_at >= since)
                .order_by(ReviewLabel.label, Message.id)
            ).all()
            session.add(
                AuditEntry(
                    navigator_id=viewer.id, action="review_export", detail=f"{len(rows)} examples"
                )
            )
            session.commit()
        by_label: Dict[str, List[str]] = {}
        for label, body in rows:
            text = " ".join(scrub(body).split())
            if text:
                by_label.setdefault(label, []).append(text)
        return nlu_yaml(by_label)


def nlu_yaml(by_label: Dict[str, List[str]]) -> str:
    """Examples by label as Rasa 3 NLU YAML. Rasa reads each example line as it stands (no
    YAML quoting inside the block), so only its entity markup is defused: "[x](y)" and
    "[x]{...}" would otherwise become annotations."""
    lines = [
        'version: "3.1"',
        "# Messages people wrote that the assistant could not answer, labelled by staff and",
        "# scrubbed of personal details. Read them before adding them to data/nlu.",
        "nlu:",
    ]
    for label, texts in sorted(by_label.items()):
        lines += [f"  - intent: {label}", "    examples: |"]
        for text in texts:
            plain = text.replace("{{", "[").replace("}}", "]")
            plain = re.sub(r"\]\s*(?=[({])", "] ", plain)
            lines.append(f"      - {plain}")
    return "\n".join(lines) + "\n"


def _days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise ReviewError(f"Choose a period of 1 to {MAX_DAYS} days.")
    return days
