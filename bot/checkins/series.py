"""Check-in series inside a caller's transaction: start, end, settle one check-in, queue a text.

The services (bot/checkins/service.py, bot/checkins/sending.py) and other use cases (STOP,
a navigator's sign-up in the console) call these with their own session and commit the
change together with what goes with it: the text to the person, the audit row.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Tuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.checkins.models import CheckIn, CheckInSeries
from bot.checkins.schedule import CheckInSettings, clock
from bot.checkins.texts import TEXTS
from bot.conversations.messages import send
from bot.conversations.models import Contact, Conversation, Message
from bot.db import as_utc, utcnow

log = logging.getLogger(__name__)

REASONS = ("overdose", "referral", "other")


class CheckInError(ValueError):
    """A check-in request that cannot be done; the message says why, for a person."""


def start_series(
    session: Session,
    settings: CheckInSettings,
    conversation_id: int,
    reason: str,
    navigator_id: int | None,
    now: datetime,
) -> Tuple[CheckInSeries, str, bool]:
    """Start a series, or find the running one; return it, the text confirming it to the
    person, and whether it is new. Flushes; the caller commits (and may get an
    IntegrityError when another opt-in for the conversation won the race)."""
    if reason not in REASONS:
        raise CheckInError(f"Unknown reason {reason!r}.")
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise CheckInError("That conversation no longer exists.")
    if conversation.channel != "sms" or conversation.contact_id is None:
        raise CheckInError("Check-ins are text messages: only for people who text us.")
    contact = session.get(Contact, conversation.contact_id)
    if contact is None or contact.opted_out_at is not None:
        raise CheckInError("This person texted STOP, so we can't text them.")
    running = running_series(session, conversation_id)
    if running is not None and not scheduled_left(session, running.id):
        # Paused through its last check-in: it is over; start afresh.
        end_series(session, running, CheckInSeries.FINISHED, now)
        session.flush()
        running = None
    if running is not None:
        return running, next_text(session, settings, running, "already"), False
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
        for day, due in settings.due_times(now)
    ]
    session.add(series)
    session.flush()
    log.info("check-in series %s started (%s)", series.id, series.enrolled_by)
    name = "enrolled_by_navigator" if navigator_id else "enrolled"
    return series, TEXTS[name].format(**settings.describe()), True


def running_series(session: Session, conversation_id: int) -> CheckInSeries | None:
    """The conversation's active or paused series."""
    return session.execute(
        select(CheckInSeries).where(
            CheckInSeries.conversation_id == conversation_id,
            CheckInSeries.status != CheckInSeries.ENDED,
        )
    ).scalar_one_or_none()


def scheduled_left(session: Session, series_id: int) -> bool:
    """True while the series still has a check-in to send."""
    return (
        session.execute(
            select(CheckIn.id)
            .where(CheckIn.series_id == series_id, CheckIn.status == CheckIn.SCHEDULED)
            .limit(1)
        ).first()
        is not None
    )


def end_series(session: Session, series: CheckInSeries, reason: str, now: datetime) -> None:
    """End a series and cancel what it still had scheduled."""
    series.status, series.ended_at, series.end_reason = CheckInSeries.ENDED, now, reason
    session.execute(
        update(CheckIn)
        .where(CheckIn.series_id == series.id, CheckIn.status == CheckIn.SCHEDULED)
        .values(status=CheckIn.CANCELLED, skip_reason=reason[:16])
        .execution_options(synchronize_session=False)
    )
    log.info("check-in series %s ended (%s)", series.id, reason)


def end_for_contact(session: Session, contact_id: int, reason: str, now: datetime) -> int:
    """End every running series of this phone (STOP); return how many ended."""
    running = session.execute(
        select(CheckInSeries)
        .join(Conversation, Conversation.id == CheckInSeries.conversation_id)
        .where(Conversation.contact_id == contact_id, CheckInSeries.status != CheckInSeries.ENDED)
    ).scalars()
    ended = 0
    for series in running:
        end_series(session, series, reason, now)
        ended += 1
    return ended


def end_on_stop(session: Session, contact_id: int) -> int:
    """STOP ends every check-in of the phone, in STOP's own transaction."""
    return end_for_contact(session, contact_id, CheckInSeries.STOPPED, utcnow())


def settle(session: Session, checkin: CheckIn, status: str, reason: str) -> str:
    """Move a scheduled check-in to `status` (at most once); return the outcome word."""
    result = session.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin.id, CheckIn.status == CheckIn.SCHEDULED)
        .values(status=status, skip_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return status if result.rowcount == 1 else "done"


def add_text(session: Session, conversation_id: int, text: str) -> Message:
    """Queue a check-in text for the SMS outbox."""
    (message,) = send(session, conversation_id, [text], author="checkin", channel="sms")
    return message


def next_text(session: Session, settings: CheckInSettings, series: CheckInSeries, name: str) -> str:
    """TEXTS[name] ("already" or "resumed") naming the series' next check-in."""
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
    local = as_utc(due).astimezone(settings.zone)
    return TEXTS[name].format(next=f"{local:%a %b} {local.day}, {clock(local.time())}")
