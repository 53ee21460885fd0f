"""The person's side of the handoff: asking for a navigator, and being told honestly when.

Any process can make a request (the action server does, with the conversation's id). One
request is open per conversation; asking again never makes it less urgent. The worker
tells each person whose request waits past the claim timeout, once.

What the person is told follows who is really there: a navigator on shift in the console
(bot/handoff/presence.py) can be reached whatever the hours say; during the configured
hours with nobody on shift, the person hears that honestly; after hours with nobody on
shift, when the next opening is. Without presence (a bare HandoffRequests) the hours
alone decide.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable, Mapping, Tuple

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.content import fill_lines
from bot.conversations.messages import send
from bot.db import as_utc, utcnow
from bot.handoff.alerts import OnCallAlert
from bot.handoff.audit import entry
from bot.handoff.hours import SOON, ConsoleSettings
from bot.handoff.models import Handoff
from bot.handoff.presence import Presence
from bot.handoff.views import REASONS, RequestResult, clean_summary

log = logging.getLogger(__name__)

# Plain GSM-7 texts under 320 characters once the lines and the time are filled in.
ON_DUTY_TEXT = "A recovery navigator will be with you shortly, right here in this conversation."
OFF_DUTY_TEXT = (
    "Our recovery navigators are off right now. One will reach you here {when}. Before "
    "then: overdose, call {line_911}. Crisis, call or text {line_988}. Treatment help 24/7: "
    "{line_samhsa}."
)
NOBODY_HERE_TEXT = (
    "No one is here right now, but a recovery navigator will reach you here as soon as one "
    "is free. Until then: overdose, call {line_911}. Crisis, call or text {line_988}. "
    "Treatment help 24/7: {line_samhsa}."
)
NOT_YET_TEXT = (
    "Sorry, no navigator is free yet. One will reach you here {when}. Until then: "
    "overdose, call {line_911}. Crisis, call or text {line_988}. Treatment help 24/7: "
    "{line_samhsa}. If you'd rather we reach out later, just tell us."
)


def open_request(session: Session, conversation_id: int) -> Handoff | None:
    """The conversation's open request (waiting, claimed or handed back), if any."""
    return session.execute(
        select(Handoff).where(
            Handoff.conversation_id == conversation_id, Handoff.status.in_(Handoff.OPEN)
        )
    ).scalar_one_or_none()


class HandoffRequests:
    """Requests for a navigator, and the notices about them."""

    def __init__(
        self,
        sessions: sessionmaker,
        console: ConsoleSettings | None = None,
        alert: Callable[[Handoff], None] | None = None,
        presence: Presence | None = None,
        supervisor: OnCallAlert | None = None,
    ) -> None:
        self.sessions = sessions
        self.presence = presence
        # Who is texted again when a request waits past the claim target: the on-call
        # phone (the same alert as for a new request), then the supervisor's.
        self.on_call = alert if isinstance(alert, OnCallAlert) else None
        self.supervisor = supervisor
        self.console = console or ConsoleSettings()
        self.schedule = self.console.schedule()
        self.claim_timeout = timedelta(minutes=self.console.claim_timeout_minutes)
        self.claim_target = timedelta(minutes=self.console.claim_target_minutes)
        self.alert = alert

    def request(
        self,
        conversation_id: int,
        reason: str,
        consented: bool,
        summary: Mapping | None = None,
        now: datetime | None = None,
    ) -> RequestResult:
        """Queue a request for a navigator (one open request per conversation)."""
        now = now or utcnow()
        reason = reason if reason in REASONS else "other"
        kept = clean_summary(summary) if consented else None
        with self.sessions() as session:
            existing = open_request(session, conversation_id)
            handoff = existing or Handoff(conversation_id=conversation_id, requested_at=now)
            created = existing is None
            if created:
                session.add(handoff)
            elif handoff.status == Handoff.RETURNED:
                # Asked again after a hand-back: back in the queue for anyone to claim.
                handoff.status, handoff.claimed_by, handoff.claimed_at = Handoff.WAITING, None, None
                handoff.requested_at, handoff.not_yet_sent_at = now, None
                created = True
            if created or REASONS[reason][0] < handoff.urgency:
                # Asking again never makes a request less urgent.
                handoff.reason, handoff.urgency = reason, REASONS[reason][0]
            # The latest answer about sharing wins, whether it gives or withdraws consent.
            handoff.consented, handoff.summary = consented, kept
            if created:
                handoff.alerted_at = now
            try:
                session.flush()
            except IntegrityError:
                # Another process opened one for this conversation at the same moment.
                session.rollback()
                won = open_request(session, conversation_id)
                assert won is not None
                handoff, created = won, False
            session.add(entry(None, "request" if created else "request_again", handoff))
            session.commit()
        if created and self.alert is not None:
            try:
                self.alert(handoff)
            except SQLAlchemyError as error:
                # The request is kept and the console shows it; only the text is missing.
                log.error("on-call alert for handoff %s not queued: %s", handoff.id, type(error))
        return self._tell(handoff, created, now)

    def request_contact_later(self, conversation_id: int) -> bool:
        """Record the person's consent to be contacted later; False with no open request."""
        with self.sessions() as session:
            handoff = open_request(session, conversation_id)
            if handoff is None:
                return False
            handoff.contact_later_at = utcnow()
            session.add(entry(None, "contact_later_consent", handoff))
            session.commit()
            return True

    def availability(self, now: datetime | None = None) -> Tuple[bool, datetime | None, str]:
        """(on duty now, next opening, that opening in words); on duty means someone is on
        shift (with presence), else within the hours."""
        now = now or utcnow()
        opening = self.schedule.next_opening(now)
        return self.reachable(now), opening, self.schedule.describe(opening, now)

    def reachable(self, now: datetime) -> bool:
        """True when a navigator can be reached now: on shift, or (without presence) the
        hours say so."""
        if self.presence is None:
            return self.schedule.is_open(now)
        return self.presence.anyone(now)

    def notify_unclaimed(self, now: datetime | None = None) -> int:
        """Tell each person whose request waited past the timeout, once; return how many.

        The worker calls this every pass. A request made off hours starts its timeout at
        the next opening (or at once when someone is on shift), so nobody is told "not
        yet" twice for the same night.
        """
        now = now or utcnow()
        with self.sessions() as session:
            waiting = list(
                session.execute(
                    select(Handoff.id, Handoff.requested_at).where(
                        Handoff.status == Handoff.WAITING, Handoff.not_yet_sent_at.is_(None)
                    )
                ).all()
            )
        if self.presence is not None:
            # Shifts whose console session ended are closed (and audited) on the way.
            self.presence.sweep(now)
        told = 0
        # Someone on shift now (after hours too) could have claimed it from the request on.
        on_shift = self.presence is not None and self.presence.anyone(now)
        for handoff_id, requested_at in waiting:
            start = (
                as_utc(requested_at)
                if on_shift
                else self.schedule.next_opening(as_utc(requested_at))
            )
            if start is not None and now >= start + self.claim_timeout:
                told += self._send_not_yet(handoff_id, now)
        return told

    def escalate_unclaimed(self, now: datetime | None = None) -> int:
        """Text the on-call phone again about each request unclaimed past the claim target,
        and the supervisor's past twice the target, once each; return how many texts.

        The worker calls this every pass. The wait counts as the person's "not yet" does:
        from the request when someone is on shift, else from the next opening, so nobody
        is woken at night for a request the hours say waits until morning.
        """
        if self.on_call is None and self.supervisor is None:
            return 0
        now = now or utcnow()
        with self.sessions() as session:
            waiting = list(
                session.execute(
                    select(
                        Handoff.id, Handoff.requested_at, Handoff.realerted_at,
                        Handoff.escalated_at,
                    ).where(
                        Handoff.status == Handoff.WAITING,
                        or_(Handoff.realerted_at.is_(None), Handoff.escalated_at.is_(None)),
                    )
                ).all()
            )  # fmt: skip
        on_shift = self.presence is not None and self.presence.anyone(now)
        sent = 0
        for handoff_id, requested_at, realerted_at, escalated_at in waiting:
            asked = as_utc(requested_at)
            start = asked if on_shift else self.schedule.next_opening(asked)
            if start is None:
                continue
            minutes = int((now - asked).total_seconds() // 60)
            if self.on_call and realerted_at is None and now >= start + self.claim_target:
                sent += self._remind(handoff_id, "realert", self.on_call, minutes, now)
            if self.supervisor and escalated_at is None and now >= start + 2 * self.claim_target:
                sent += self._remind(handoff_id, "escalate", self.supervisor, minutes, now)
        return sent

    def _remind(
        self, handoff_id: int, action: str, phone: OnCallAlert, minutes: int, now: datetime
    ) -> int:
        column = Handoff.realerted_at if action == "realert" else Handoff.escalated_at
        with self.sessions() as session:
            won = session.execute(
                update(Handoff)
                .where(
                    Handoff.id == handoff_id, Handoff.status == Handoff.WAITING, column.is_(None)
                )
                .values({column: now})
            ).rowcount
            if not won:
                return 0  # claimed meanwhile, or another worker sent it
            handoff = session.get(Handoff, handoff_id)
            phone.remind(session, handoff, minutes)
            session.add(entry(None, action, handoff, f"{minutes} min"))
            session.commit()
        log.info("handoff %s unclaimed for %s min: %s", handoff_id, minutes, action)
        return 1

    def _tell(self, handoff: Handoff, created: bool, now: datetime) -> RequestResult:
        on_duty, opening, when = self.availability(now)
        if on_duty:
            text = ON_DUTY_TEXT
        elif self.schedule.is_open(now):
            # Within the hours, but nobody is on shift: say so, not "shortly".
            when, text = SOON, fill_lines(NOBODY_HERE_TEXT)
        else:
            text = fill_lines(OFF_DUTY_TEXT.replace("{when}", when))
        return RequestResult(handoff, created, on_duty, opening, when, text)

    def _send_not_yet(self, handoff_id: int, now: datetime) -> int:
        on_duty, _, when = self.availability(now)
        if on_duty or self.schedule.is_open(now):
            when = SOON
        with self.sessions() as session:
            won = session.execute(
                update(Handoff)
                .where(
                    Handoff.id == handoff_id,
                    Handoff.status == Handoff.WAITING,
                    Handoff.not_yet_sent_at.is_(None),
                )
                .values(not_yet_sent_at=now)
            ).rowcount
            if not won:
                return 0  # another worker told them, or a navigator claimed it meanwhile
            handoff = session.get(Handoff, handoff_id)
            send(
                session, handoff.conversation_id, [fill_lines(NOT_YET_TEXT.replace("{when}", when))]
            )
            session.add(entry(None, "not_yet_sent", handoff))
            session.commit()
        log.info("handoff %s unclaimed past the timeout: person told", handoff_id)
        return 1
