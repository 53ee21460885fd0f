"""Follow-up check-ins: short, warm texts in the month after an overdose or a referral.

Only with consent: a person opts in by texting CHECKIN, or a navigator records that the
person agreed. Each check-in is a row (bot/checkin_models.py) that the worker's scheduler
(bot/scheduler.py) fires at its due time. Sending moves the row from `scheduled` to `sent`
in the same transaction that queues the text in the SMS outbox, so a crash can neither lose
a check-in nor send it twice; texts go out only between the configured local hours.

A reply goes into the same conversation. A bare 1, 2 or 3 right after a check-in is the
menu: talk to someone (the warm handoff), treatment options, naloxone. STOP ends every
text; PAUSE, RESUME and STOP CHECKINS act on check-ins alone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import List, Tuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.checkins.models import CheckIn, CheckInSeries
from bot.checkins.schedule import CheckInSettings, clock
from bot.conversations.models import Contact, Conversation, Message
from bot.conversations.service import add_outbound
from bot.db import as_utc, utcnow

log = logging.getLogger(__name__)

# Plain GSM-7 texts, each under 320 characters. The check-in itself is the wording the
# seed programs asked for.
TEXTS = {
    "checkin": (
        "Checking in - how are you doing today? Reply 1 if you'd like to talk to someone, "
        "2 for treatment options, 3 for naloxone, or STOP to end these messages."
    ),
    "last": " This is our last check-in. You can text us any time.",
    "enrolled": (
        "Thank you. We'll text to check in {when}, between {start} and {end}. Reply PAUSE "
        "to pause check-ins, STOP CHECKINS to end them, or STOP to end all texts."
    ),
    "enrolled_by_navigator": (
        "As you agreed with your navigator, we'll text to check in {when}, between {start} "
        "and {end}. Reply PAUSE to pause check-ins, STOP CHECKINS to end them, or STOP to "
        "end all texts."
    ),
    "already": (
        "You're signed up for check-ins. Next one: {next}. Reply PAUSE to pause them or "
        "STOP CHECKINS to end them."
    ),
    "paused": (
        "Check-in texts are paused. Reply RESUME to start them again. You can still text us "
        "any time."
    ),
    "resumed": "Check-in texts are back on. Next one: {next}. Reply PAUSE to pause them.",
    "resumed_none": (
        "There are no check-ins left in this series. Reply CHECKIN to start a new one. You "
        "can text us any time."
    ),
    "cancelled": (
        "Check-in texts are off. You can still text us any time, and reply CHECKIN to start "
        "them again."
    ),
    "none": (
        "You don't have check-in texts set up. Reply CHECKIN if you'd like us to check in "
        "over the next month."
    ),
}

# What a bare menu number right after a check-in asks the assistant (Rasa intents).
MENU = {"1": "/request_human", "2": "/treatment_options", "3": "/find_naloxone"}

# A reply this long after a check-in still counts as its reply (in the figures).
REPLY_WINDOW = timedelta(days=3)

REASONS = ("overdose", "referral", "other")


class CheckInError(ValueError):
    """A check-in request that cannot be done; the message says why, for a person."""


class CheckInService:
    """Opt-in, the keywords, sending due check-ins and noticing replies."""

    def __init__(self, sessions: sessionmaker, settings: CheckInSettings | None = None) -> None:
        self.sessions = sessions
        self.settings = settings or CheckInSettings()

    # -- consent ------------------------------------------------------------------------

    def enroll(
        self,
        conversation_id: int,
        reason: str = "other",
        navigator_id: int | None = None,
        now: datetime | None = None,
    ) -> Tuple[CheckInSeries, str]:
        """Start a series (the person's consent is this call); return it and the text
        confirming it to the person, which the caller sends. An already running series is
        returned as it is, with a reminder instead."""
        if reason not in REASONS:
            raise CheckInError(f"Unknown reason {reason!r}.")
        now = now or utcnow()
        with self.sessions() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise CheckInError("That conversation no longer exists.")
            if conversation.channel != "sms" or conversation.contact_id is None:
                raise CheckInError("Check-ins are text messages: only for people who text us.")
            contact = session.get(Contact, conversation.contact_id)
            if contact is None or contact.opted_out_at is not None:
                raise CheckInError("This person texted STOP, so we can't text them.")
            running = _running_series(session, conversation_id)
            if running is not None and not _scheduled_left(session, running.id):
                # Paused through its last check-in: it is over; start afresh.
                _end(session, running, CheckInSeries.FINISHED, now)
                session.commit()
                running = None
            if running is not None:
                return running, self._next_text(session, running, "already")
            series = CheckInSeries(
                conversation_id=conversation_id,
                status=CheckInSeries.ACTIVE,
                reason=reason,
                enrolled_by="navigator" if navigator_id else "person",
                navigator_id=navigator_id,
                consented_at=now,
                created_at=now,
            )
            series.checkins = [
                CheckIn(day=day, due_at=due, status=CheckIn.SCHEDULED)
                for day, due in self.settings.due_times(now)
            ]
            session.add(series)
            try:
                session.commit()
            except IntegrityError:  # two opt-ins at once: the other one won
                session.rollback()
                running = _running_series(session, conversation_id)
                assert running is not None
                return running, self._next_text(session, running, "already")
            name = "enrolled_by_navigator" if navigator_id else "enrolled"
            log.info("check-in series %s started (%s)", series.id, series.enrolled_by)
            return series, TEXTS[name].format(**self.settings.describe())

    def notify(self, conversation_id: int, text: str) -> Message:
        """Text the person about their check-ins (a navigator's sign-up), via the outbox."""
        with self.sessions() as session:
            message = _add_text(session, conversation_id, text)
            session.commit()
            return message

    def on_keyword(self, conversation_id: int, word: str, now: datetime | None = None) -> str:
        """Act on a check-in keyword the person texted; return the reply."""
        now = now or utcnow()
        if word == "optin":
            try:
                return self.enroll(conversation_id, now=now)[1]
            except CheckInError as error:
                return str(error)
        with self.sessions() as session:
            series = _running_series(session, conversation_id)
            if series is None:
                return TEXTS["none"]
            if word in ("pause", "resume"):
                # Only while the series still runs: the worker may end it at this moment.
                paused = word == "pause"
                changed = session.execute(
                    update(CheckInSeries)
                    .where(
                        CheckInSeries.id == series.id,
                        CheckInSeries.status != CheckInSeries.ENDED,
                    )
                    .values(
                        status=CheckInSeries.PAUSED if paused else CheckInSeries.ACTIVE,
                        paused_at=now if paused else None,
                    )
                    .execution_options(synchronize_session=False)
                )
                session.commit()
                if changed.rowcount != 1:
                    return TEXTS["none"]
                return TEXTS["paused"] if paused else self._next_text(session, series, "resumed")
            _end(session, series, CheckInSeries.CANCELLED, now)
            session.commit()
            return TEXTS["cancelled"]

    def end_for_contact(self, contact_id: int, reason: str, now: datetime | None = None) -> int:
        """End every running series of this phone (STOP); return how many ended."""
        now = now or utcnow()
        with self.sessions() as session:
            running = session.execute(
                select(CheckInSeries)
                .join(Conversation, Conversation.id == CheckInSeries.conversation_id)
                .where(Conversation.contact_id == contact_id, CheckInSeries.status != "ended")
            ).scalars()
            ended = 0
            for series in running:
                _end(session, series, reason, now)
                ended += 1
            session.commit()
            return ended

    def end(
        self, conversation_id: int, reason: str, now: datetime | None = None
    ) -> CheckInSeries | None:
        """End the running series of a conversation (a navigator's choice); None if none."""
        with self.sessions() as session:
            series = _running_series(session, conversation_id)
            if series is not None:
                _end(session, series, reason, now or utcnow())
                session.commit()
            return series

    def running(self, conversation_id: int) -> CheckInSeries | None:
        """The conversation's active or paused series, with its check-ins loaded."""
        with self.sessions() as session:
            series = _running_series(session, conversation_id)
            if series is not None:
                list(series.checkins)  # load before the session closes
            return series

    # -- replies ------------------------------------------------------------------------

    def on_reply(self, conversation_id: int, text: str, now: datetime | None = None) -> str | None:
        """Note a reply to a recent check-in; return what the assistant should be given
        instead of the text when it is a menu choice (None: the text itself)."""
        now = now or utcnow()
        with self.sessions() as session:
            checkin = session.execute(
                select(CheckIn)
                .join(CheckInSeries, CheckInSeries.id == CheckIn.series_id)
                .where(
                    CheckInSeries.conversation_id == conversation_id,
                    CheckIn.status == CheckIn.SENT,
                    CheckIn.sent_at >= now - REPLY_WINDOW,
                )
                .order_by(CheckIn.sent_at.desc())
                .limit(1)
            ).scalar_one_or_none()
            if checkin is None:
                return None
            if checkin.replied_at is None:
                checkin.replied_at = now
                session.commit()
            latest_outbound = session.execute(
                select(Message.id)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.direction == Message.OUTBOUND,
                )
                .order_by(Message.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        if latest_outbound != checkin.message_id:
            return None  # the conversation moved on; a bare number means something else now
        return MENU.get(text.strip().strip(".)!").strip())

    # -- sending ------------------------------------------------------------------------

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
                return _settle(session, checkin, CheckIn.CANCELLED, "ended")
            if contact is None or contact.opted_out_at is not None:
                _end(session, series, CheckInSeries.STOPPED, now)
                session.commit()
                return "cancelled"
            send_at = self.settings.next_send_time(now)
            if send_at != now:
                checkin.due_at, checkin.job_id = send_at, None
                session.commit()
                return "deferred"
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
                outcome = _settle(session, checkin, CheckIn.SKIPPED, "stale", commit=False)
            elif series.status == CheckInSeries.PAUSED:
                outcome = _settle(session, checkin, CheckIn.SKIPPED, "paused", commit=False)
            elif conversation.navigator_id is not None:
                outcome = _settle(session, checkin, CheckIn.SKIPPED, "navigator", commit=False)
            else:
                outcome = self._queue_text(session, checkin, conversation.id, now)
            if outcome != "done" and not _scheduled_left(session, series.id):
                _end(session, series, CheckInSeries.FINISHED, now)
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

    # -- steps --------------------------------------------------------------------------

    def _queue_text(self, session: Session, checkin: CheckIn, conversation_id: int, now) -> str:
        claimed = session.execute(
            update(CheckIn)
            .where(CheckIn.id == checkin.id, CheckIn.status == CheckIn.SCHEDULED)
            .values(status=CheckIn.SENT, sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return "done"  # another process sent it a moment ago
        last = not _scheduled_left(session, checkin.series_id)
        message = _add_text(
            session, conversation_id, TEXTS["checkin"] + (TEXTS["last"] if last else "")
        )
        session.execute(
            update(CheckIn).where(CheckIn.id == checkin.id).values(message_id=message.id)
        )
        log.info("check-in %s (day %s) queued", checkin.id, checkin.day)
        return "sent"

    def _next_text(self, session: Session, series: CheckInSeries, name: str) -> str:
        due = session.execute(
            select(CheckIn.due_at)
            .where(CheckIn.series_id == series.id, CheckIn.status == CheckIn.SCHEDULED)
            .order_by(CheckIn.due_at)
            .limit(1)
        ).scalar_one_or_none()
        if due is None:
            return (
                TEXTS["resumed_none"]
                if name == "resumed"
                else TEXTS["already"].format(next="none left")
            )
        local = as_utc(due).astimezone(self.settings.zone)
        when = f"{local:%a %b} {local.day}, {clock(local.time())}"
        return TEXTS[name].format(next=when)


def _add_text(session: Session, conversation_id: int, text: str) -> Message:
    """Queue a check-in text for the SMS outbox (the caller commits)."""
    message = Message(
        conversation_id=conversation_id,
        direction=Message.OUTBOUND,
        author="checkin",
        body=text,
        status=Message.READY,
    )
    add_outbound(session, conversation_id, [message], inline=False, channel="sms")
    return message


def _running_series(session: Session, conversation_id: int) -> CheckInSeries | None:
    return session.execute(
        select(CheckInSeries).where(
            CheckInSeries.conversation_id == conversation_id,
            CheckInSeries.status != CheckInSeries.ENDED,
        )
    ).scalar_one_or_none()


def _scheduled_left(session: Session, series_id: int) -> bool:
    return (
        session.execute(
            select(CheckIn.id)
            .where(CheckIn.series_id == series_id, CheckIn.status == CheckIn.SCHEDULED)
            .limit(1)
        ).first()
        is not None
    )


def _end(session: Session, series: CheckInSeries, reason: str, now: datetime) -> None:
    """End a series and cancel what it still had scheduled (the caller commits)."""
    series.status, series.ended_at, series.end_reason = CheckInSeries.ENDED, now, reason
    session.execute(
        update(CheckIn)
        .where(CheckIn.series_id == series.id, CheckIn.status == CheckIn.SCHEDULED)
        .values(status=CheckIn.CANCELLED, skip_reason=reason[:16])
        .execution_options(synchronize_session=False)
    )
    log.info("check-in series %s ended (%s)", series.id, reason)


def _settle(
    session: Session, checkin: CheckIn, status: str, reason: str, commit: bool = True
) -> str:
    """Move a scheduled check-in to `status` (at most once); return the outcome word."""
    result = session.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin.id, CheckIn.status == CheckIn.SCHEDULED)
        .values(status=status, skip_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if commit:
        session.commit()
    return status if result.rowcount == 1 else "done"
