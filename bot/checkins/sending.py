"""Sending check-ins: the worker's side. Each due check-in goes out at most once.

Sending moves the row from `scheduled` to `sent` in the same transaction that queues the
text in the SMS outbox, so a crash can neither lose a check-in nor send it twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import List, Tuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.checkins.models import CheckIn, CheckInSeries
from bot.checkins.schedule import CheckInSettings
from bot.checkins.series import add_text, end_series, scheduled_left, settle
from bot.checkins.texts import TEXTS
from bot.conversations.models import Contact, Conversation
from bot.db import as_utc, utcnow

log = logging.getLogger(__name__)


class CheckInSending:
    """Sends due check-ins, and tells the scheduler which ones need a job."""

    def __init__(self, sessions: sessionmaker, settings: CheckInSettings | None = None) -> None:
        self.sessions = sessions
        self.settings = settings or CheckInSettings()

    def send(self, checkin_id: int, now: datetime | None = None) -> str:
        """Send one due check-in through the outbox, at most once.

        Returns what happened: "sent"; "deferred" (outside the hours, due again at the
        next start, awaiting a new job); "skipped" (paused, a navigator is talking with
        the person, or a later check-in is due too after an outage); "cancelled" (the
        series ended, or the phone opted out); "early" (not due yet); "done" (already
        handled, or gone).
        """
        now = now or utcnow()
        with self.sessions() as session:
            checkin = session.get(CheckIn, checkin_id)
            if checkin is None or checkin.status != CheckIn.SCHEDULED:
                return "done"
            if as_utc(checkin.due_at) > now + timedelta(seconds=5):
                return "early"
            series = session.get(CheckInSeries, checkin.series_id)
            conversation = session.get(Conversation, series.conversation_id)
            contact = session.get(Contact, conversation.contact_id or 0)
            if series.status == CheckInSeries.ENDED:
                outcome = settle(session, checkin, CheckIn.CANCELLED, "ended")
                session.commit()
                return outcome
            if contact is None or contact.opted_out_at is not None:
                end_series(session, series, CheckInSeries.STOPPED, now)
                session.commit()
                return "cancelled"
            send_at = self.settings.next_send_time(now)
            if send_at != now:
                checkin.due_at, checkin.job_id = send_at, None
                session.commit()
                return "deferred"
            outcome = self._send_or_skip(session, checkin, series, conversation, now)
            if outcome != "done" and not scheduled_left(session, series.id):
                end_series(session, series, CheckInSeries.FINISHED, now)
            session.commit()
            return outcome

    def to_schedule(self, limit: int = 500) -> List[Tuple[int, datetime]]:
        """(id, due time) of scheduled check-ins that have no scheduler job yet."""
        with self.sessions() as session:
            rows = session.execute(
                select(CheckIn.id, CheckIn.due_at)
                .where(CheckIn.status == CheckIn.SCHEDULED, CheckIn.job_id.is_(None))
                .order_by(CheckIn.due_at)
                .limit(limit)
            ).all()
        return [(row.id, as_utc(row.due_at)) for row in rows]

    def overdue(self, before: datetime, limit: int = 500) -> List[Tuple[int, str | None]]:
        """(id, job id) of scheduled check-ins due before `before`: their job should have
        fired by now, so the scheduler checks the job still exists."""
        with self.sessions() as session:
            rows = session.execute(
                select(CheckIn.id, CheckIn.job_id)
                .where(CheckIn.status == CheckIn.SCHEDULED, CheckIn.due_at < before)
                .order_by(CheckIn.due_at)
                .limit(limit)
            ).all()
        return [(row.id, row.job_id) for row in rows]

    def set_job(self, checkin_id: int, job_id: str) -> None:
        """Record the scheduler job that will fire this check-in."""
        with self.sessions() as session:
            session.execute(
                update(CheckIn)
                .where(CheckIn.id == checkin_id, CheckIn.status == CheckIn.SCHEDULED)
                .values(job_id=job_id)
            )
            session.commit()

    def _send_or_skip(
        self, session: Session, checkin: CheckIn, series, conversation: Conversation, now
    ) -> str:
        later_due = session.execute(
            select(CheckIn.id)
            .where(
                CheckIn.series_id == series.id,
                CheckIn.status == CheckIn.SCHEDULED,
                CheckIn.id != checkin.id,
                CheckIn.day > checkin.day,
                CheckIn.due_at <= now,
            )
            .limit(1)
        ).first()
        if later_due is not None:
            # The worker was down past the next one too: one text, not two at once.
            return settle(session, checkin, CheckIn.SKIPPED, "stale")
        if series.status == CheckInSeries.PAUSED:
            return settle(session, checkin, CheckIn.SKIPPED, "paused")
        if conversation.navigator_id is not None:
            return settle(session, checkin, CheckIn.SKIPPED, "navigator")
        return self._queue_text(session, checkin, conversation.id, now)

    def _queue_text(self, session: Session, checkin: CheckIn, conversation_id: int, now) -> str:
        claimed = session.execute(
            update(CheckIn)
            .where(CheckIn.id == checkin.id, CheckIn.status == CheckIn.SCHEDULED)
            .values(status=CheckIn.SENT, sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return "done"  # another process sent it a moment ago
        last = not scheduled_left(session, checkin.series_id)
        message = add_text(
            session, conversation_id, TEXTS["checkin"] + (TEXTS["last"] if last else "")
        )
        session.execute(
            update(CheckIn).where(CheckIn.id == checkin.id).values(message_id=message.id)
        )
        log.info("check-in %s (day %s) queued", checkin.id, checkin.day)
        return "sent"
