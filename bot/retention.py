"""Retention: what people wrote is deleted after N days; the counts the action team uses stay.

What goes, for anything older than the cutoff (now minus N days):
- the `body` and `buttons` of every message, in and out;
- Rasa's tracker (which holds the full texts again) of every conversation idle that long,
  which is then marked `expired_at`;
- the phone number of a person all of whose conversations have expired (after STOP only
  the keyed hash and the time of STOP stay, so STOP is still honoured).

What stays: every message row with its direction, author, status, timestamps, payload and
topic, every conversation row, the outbox, handoffs, check-ins and the audit log, so the
weekly figures (messages per week, topics, handoffs, check-ins) survive the deletion.

What is owed something keeps its text however old it is: a message the person sent that
is still waiting for an answer (pending, being answered, or kept for a navigator), and a
reply still queued for the SMS provider. A conversation is not expired while it has such
a message, an open handoff or a running check-in series.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, List, Tuple

from sqlalchemy import and_, delete, null, or_, select, update
from sqlalchemy.orm import sessionmaker

from bot.checkins.models import CheckInSeries
from bot.conversations.models import Contact, Conversation, Message, Outbox
from bot.db import utcnow
from bot.handoff.models import Handoff

log = logging.getLogger(__name__)

# A person's message keeps its text until it is answered.
OWED_INBOUND = (Message.PENDING, Message.PROCESSING, Message.FOR_NAVIGATOR)
# A reply keeps its text until the provider has been handed it.
OWED_OUTBOX = (Outbox.QUEUED, Outbox.SENDING)


@dataclass(frozen=True)
class RetentionResult:
    """What one run removed: counts only, never what was in them."""

    bodies_deleted: int = 0
    conversations_expired: int = 0
    tracker_events_deleted: int = 0
    phones_forgotten: int = 0


class RetentionService:
    """Deletes message texts and Rasa's trackers after `days` days, keeping the aggregates."""

    def __init__(
        self,
        sessions: sessionmaker,
        erase_trackers: Callable[[List[str]], int] | None,
        days: int = 30,
    ) -> None:
        if days < 1:
            raise ValueError(f"retention days must be at least 1, not {days}")
        self.sessions = sessions
        self.erase_trackers = erase_trackers
        self.days = days

    def run(self, now: datetime | None = None, batch: int = 500) -> RetentionResult:
        """Delete what is older than the cutoff, `batch` rows per transaction; return counts."""
        if batch < 1:
            raise ValueError(f"batch must be at least 1, not {batch}")
        now = now or utcnow()
        if now.tzinfo is None:
            # SQLite stores times without their offset: everything here is in UTC.
            raise ValueError("now must be timezone-aware")
        cutoff = now - timedelta(days=self.days)
        bodies = self._delete_bodies(cutoff, batch)
        expired, events = self._expire_conversations(now, cutoff, batch)
        result = RetentionResult(bodies, expired, events, self._forget_phones())
        log.info(
            "retention (%d days): %d message bodies deleted, %d conversations expired, "
            "%d tracker events deleted, %d phone numbers forgotten",
            self.days,
            result.bodies_deleted,
            result.conversations_expired,
            result.tracker_events_deleted,
            result.phones_forgotten,
        )
        return result

    def _delete_bodies(self, cutoff: datetime, batch: int) -> int:
        """Null the texts of old messages nobody still owes anything; return how many."""
        # The conditions are checked again in the UPDATE: a message that became owed
        # (or was emptied by another run) since it was selected is left alone.
        deletable = and_(
            Message.created_at < cutoff,
            or_(Message.body.is_not(None), Message.buttons.is_not(None)),
            ~_owed(),
        )
        deleted, after = 0, 0
        while True:
            with self.sessions() as session:
                ids = list(
                    session.execute(
                        select(Message.id)
                        .where(deletable, Message.id > after)
                        .order_by(Message.id)
                        .limit(batch)
                    ).scalars()
                )
                if not ids:
                    return deleted
                result = session.execute(
                    update(Message)
                    .where(Message.id.in_(ids), deletable)
                    # null(): a None for a JSON column would store the JSON text 'null'.
                    .values(body=None, buttons=null())
                    .execution_options(synchronize_session=False)
                )
                session.commit()
            deleted += result.rowcount
            after = ids[-1]
            if len(ids) < batch:
                return deleted

    def _forget_phones(self) -> int:
        """The phone numbers of people whose every conversation has expired go: the contact
        row is deleted, or, for one that texted STOP, only the keyed hash and the time of
        STOP stay (so STOP is still honoured if they text again)."""
        live = (
            select(Conversation.id)
            .where(
                Conversation.contact_id == Contact.id,
                or_(
                    Conversation.expired_at.is_(None),
                    Conversation.last_activity_at > Conversation.expired_at,
                ),
            )
            .exists()
        )
        with self.sessions() as session:
            idle = list(
                session.execute(
                    select(Contact.id, Contact.opted_out_at).where(
                        ~live, Contact.phone_encrypted != ""
                    )
                ).all()
            )
            kept = [row.id for row in idle if row.opted_out_at is not None]
            gone = [row.id for row in idle if row.opted_out_at is None]
            # Checked again in each statement: someone who texted in the meantime keeps
            # their number. Their conversations lose the link (ON DELETE SET NULL).
            forgotten = 0
            if kept:
                forgotten += session.execute(
                    update(Contact)
                    .where(Contact.id.in_(kept), ~live)
                    .values(phone_encrypted="")
                    .execution_options(synchronize_session=False)
                ).rowcount
            if gone:
                forgotten += session.execute(
                    delete(Contact)
                    .where(Contact.id.in_(gone), ~live)
                    .execution_options(synchronize_session=False)
                ).rowcount
            session.commit()
        return forgotten

    def _expire_conversations(self, now: datetime, cutoff: datetime, batch: int) -> Tuple[int, int]:
        """Erase Rasa's trackers of idle conversations and mark them expired.

        Trackers are erased before the mark is committed: a run that dies in between
        leaves the conversation unmarked, and the next run erases it again (erasing is
        idempotent), whereas the other order could leave a full tracker behind for good.
        """
        expirable = _expirable(cutoff)
        expired, events, after = 0, 0, 0
        while True:
            with self.sessions() as session:
                rows = session.execute(
                    select(Conversation.id, Conversation.sender_id)
                    .where(expirable, Conversation.id > after)
                    .order_by(Conversation.id)
                    .limit(batch)
                ).all()
            if not rows:
                return expired, events
            if self.erase_trackers is not None:
                events += self.erase_trackers([row.sender_id for row in rows])
            with self.sessions() as session:
                # Checked again: a person who wrote in the meantime keeps the conversation
                # open (their tracker starts afresh, as after a Rasa session expiry).
                result = session.execute(
                    update(Conversation)
                    .where(Conversation.id.in_([row.id for row in rows]), expirable)
                    .values(expired_at=now)
                    .execution_options(synchronize_session=False)
                )
                session.commit()
            expired += result.rowcount
            after = rows[-1].id
            if len(rows) < batch:
                return expired, events


def _owed():
    """True for a message still owed something: an answer, or a hand-over to the provider."""
    queued = (
        select(Outbox.id)
        .where(Outbox.message_id == Message.id, Outbox.status.in_(OWED_OUTBOX))
        .exists()
    )
    return or_(and_(Message.direction == Message.INBOUND, Message.status.in_(OWED_INBOUND)), queued)


def _expirable(cutoff: datetime):
    """True for a conversation whose texts and tracker may go: idle since `cutoff`, not
    already expired since its last activity, owed nothing, in no open handoff or series."""
    # Recent or owed messages: an outbound message (a navigator's reply, a check-in, an
    # answer to a message the assistant was down for) can be newer than last_activity_at.
    live_message = (
        select(Message.id)
        .where(
            Message.conversation_id == Conversation.id,
            or_(Message.created_at >= cutoff, _owed()),
        )
        .exists()
    )
    open_handoff = (
        select(Handoff.id)
        .where(Handoff.conversation_id == Conversation.id, Handoff.status.in_(Handoff.OPEN))
        .exists()
    )
    running_series = (
        select(CheckInSeries.id)
        .where(
            CheckInSeries.conversation_id == Conversation.id,
            CheckInSeries.status != CheckInSeries.ENDED,
        )
        .exists()
    )
    return and_(
        Conversation.last_activity_at < cutoff,
        # An SMS conversation continues when the person texts again after it expired:
        # it expires again once that activity is old too.
        or_(
            Conversation.expired_at.is_(None),
            Conversation.expired_at < Conversation.last_activity_at,
        ),
        ~live_message,
        ~open_handoff,
        ~running_series,
    )
