"""Follow-up check-ins: short, warm texts in the month after an overdose or a referral.

Only with consent: a person opts in by texting CHECKIN, or a navigator records that the
person agreed. Each check-in is a row (bot/checkins/models.py) that the worker's scheduler
(bot/checkins/scheduler.py) fires at its due time through bot/checkins/sending.py; texts go
out only between the configured local hours.

A reply goes into the same conversation. A bare 1, 2 or 3 right after a check-in is the
menu: talk to someone (the warm handoff), treatment options, naloxone. STOP ends every
text; PAUSE, RESUME and STOP CHECKINS act on check-ins alone (`CheckInKeywords`, the SMS
channel's second step on the message path).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Tuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.checkins.models import CheckIn, CheckInSeries
from bot.checkins.schedule import CheckInSettings
from bot.checkins.series import (
    CheckInError,
    end_for_contact,
    end_series,
    next_text,
    running_series,
    start_series,
)
from bot.checkins.texts import MENU, TEXTS
from bot.conversations.inbound import Kept
from bot.conversations.keywords import checkin_keyword
from bot.conversations.models import Message
from bot.conversations.service import ConversationService, Outcome
from bot.db import utcnow

# A reply this long after a check-in still counts as its reply (in the figures).
REPLY_WINDOW = timedelta(days=3)


class CheckInService:
    """Opt-in, the keywords, and noticing replies."""

    def __init__(self, sessions: sessionmaker, settings: CheckInSettings | None = None) -> None:
        self.sessions = sessions
        self.settings = settings or CheckInSettings()

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
        now = now or utcnow()
        with self.sessions() as session:
            try:
                series, text, _ = start_series(
                    session, self.settings, conversation_id, reason, navigator_id, now
                )
                session.commit()
            except IntegrityError:  # two opt-ins at once: the other one won
                session.rollback()
                running = running_series(session, conversation_id)
                assert running is not None
                return running, next_text(session, self.settings, running, "already")
            return series, text

    def on_keyword(self, conversation_id: int, word: str, now: datetime | None = None) -> str:
        """Act on a check-in keyword the person texted; return the reply."""
        now = now or utcnow()
        if word == "optin":
            try:
                return self.enroll(conversation_id, now=now)[1]
            except CheckInError as error:
                return str(error)
        with self.sessions() as session:
            series = running_series(session, conversation_id)
            if series is None:
                return TEXTS["none"]
            if word in ("pause", "resume"):
                return self._pause(session, series, paused=word == "pause", now=now)
            end_series(session, series, CheckInSeries.CANCELLED, now)
            session.commit()
            return TEXTS["cancelled"]

    def end_for_contact(self, contact_id: int, reason: str, now: datetime | None = None) -> int:
        """End every running series of this phone; return how many ended."""
        with self.sessions() as session:
            ended = end_for_contact(session, contact_id, reason, now or utcnow())
            session.commit()
            return ended

    def end(
        self, conversation_id: int, reason: str, now: datetime | None = None
    ) -> CheckInSeries | None:
        """End the running series of a conversation; None if none."""
        with self.sessions() as session:
            series = running_series(session, conversation_id)
            if series is not None:
                end_series(session, series, reason, now or utcnow())
                session.commit()
            return series

    def running(self, conversation_id: int) -> CheckInSeries | None:
        """The conversation's active or paused series, with its check-ins loaded."""
        with self.sessions() as session:
            series = running_series(session, conversation_id)
            if series is not None:
                list(series.checkins)  # load before the session closes
            return series

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

    def _pause(self, session: Session, series: CheckInSeries, paused: bool, now: datetime) -> str:
        # Only while the series still runs: the worker may end it at this moment.
        changed = session.execute(
            update(CheckInSeries)
            .where(CheckInSeries.id == series.id, CheckInSeries.status != CheckInSeries.ENDED)
            .values(
                status=CheckInSeries.PAUSED if paused else CheckInSeries.ACTIVE,
                paused_at=now if paused else None,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if changed.rowcount != 1:
            return TEXTS["none"]
        return TEXTS["paused"] if paused else next_text(session, self.settings, series, "resumed")


class CheckInKeywords:
    """The SMS step after the carrier keywords: CHECKIN, PAUSE, RESUME, STOP CHECKINS, and
    a bare menu number right after a check-in (given to the assistant as its intent)."""

    def __init__(self, checkins: CheckInService, conversations: ConversationService) -> None:
        self.checkins = checkins
        self.conversations = conversations

    def __call__(self, kept: Kept) -> Outcome | None:
        """Answer a check-in keyword; mark a menu choice; let everything else through."""
        message = kept.message
        word = checkin_keyword(message.body)
        if word is not None:
            reply = self.checkins.on_keyword(kept.conversation.id, word)
            return Outcome(message, self.conversations.reply(message, [reply], inline=True))
        payload = self.checkins.on_reply(kept.conversation.id, message.body or "")
        if payload is not None:
            kept.message = self.conversations.set_payload(message, payload)
        return None
