"""The warm handoff to a recovery navigator: requests, the queue, claims, replies, the audit.

Any process can make a request (the action server does, with the conversation's id); the
console claims, replies, hands back and closes. Navigators see the waiting queue and what
they hold; supervisors and admins see everything. Every view and action of a conversation
is written to the append-only audit log - ids and action names, never message bodies.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Dict, List, Mapping, Tuple

from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.accounts.models import Navigator
from bot.checkins.models import CheckInSeries
from bot.checkins.schedule import CheckInSettings
from bot.checkins.service import CheckInError, CheckInService
from bot.content import fill_lines
from bot.conversations.models import Contact, Conversation, Message, Outbox
from bot.conversations.service import ConversationService, add_outbound, clean_text
from bot.db import as_utc, utcnow
from bot.handoff.hours import SOON, ConsoleSettings
from bot.handoff.models import AuditEntry, Handoff, HandoffNote
from bot.privacy import PhoneVault

log = logging.getLogger(__name__)

# Why a person asked, and how soon a navigator should pick up (lower first). An overdose in
# the last days and "I want treatment today" go to the top of the queue.
REASONS: Dict[str, Tuple[int, str]] = {
    "recent_overdose": (0, "Overdose in the last days"),
    "treatment_today": (1, "Wants treatment today"),
    "treatment": (2, "Treatment and recovery"),
    "naloxone": (2, "Naloxone"),
    "family": (2, "Family or friend support"),
    "other": (2, "Talk to a person"),
}
# Fields of the consented summary, in the order the console shows them.
SUMMARY_FIELDS = {
    "topic": "Asked about",
    "town": "Town",
    "medication": "Medication interest",
    "insurance": "Insurance",
    "urgency": "Urgency",
}
OUTCOMES: Dict[str, str] = {
    "treatment": "Connected to treatment",
    "naloxone": "Naloxone provided",
    "referred": "Referred to services",
    "no_response": "No response",
    "other": "Other",
}
MAX_REPLY = 1600
MAX_NOTE = 4000

# Plain GSM-7 texts under 320 characters once the lines and the time are filled in.
ON_DUTY_TEXT = "A recovery navigator will be with you shortly, right here in this conversation."
OFF_DUTY_TEXT = (
    "Our recovery navigators are off right now. One will reach you here {when}. Before "
    "then: overdose, call {line_911}. Crisis, call or text {line_988}. Treatment help 24/7: "
    "{line_samhsa}."
)
NOT_YET_TEXT = (
    "Sorry, no navigator is free yet. One will reach you here {when}. Until then: "
    "overdose, call {line_911}. Crisis, call or text {line_988}. Treatment help 24/7: "
    "{line_samhsa}. If you'd rather we reach out later, just tell us."
)
# To the on-call navigator's phone: that a request waits, never who or what about.
ALERT_TEXT = "Helpline: a new {urgent}request for a navigator is waiting. Open the console: {url}"


class HandoffError(Exception):
    """A console action that cannot be done; `status` is the HTTP answer."""

    status = 400


class NotFound(HandoffError):
    """No such handoff, or not one this navigator may see."""

    status = 404


class NotAllowed(HandoffError):
    """The navigator may see the handoff but not do this to it."""

    status = 403


class Conflict(HandoffError):
    """Someone else got there first (already claimed or closed)."""

    status = 409


# -- what the service hands back ---------------------------------------------------------


@dataclass(frozen=True)
class RequestResult:
    """A stored request and what the person should be told about it."""

    handoff: Handoff
    created: bool
    on_duty: bool
    next_opening: datetime | None
    when: str
    message: str


@dataclass(frozen=True)
class QueueItem:
    """One row of the console's queue."""

    handoff: Handoff
    channel: str
    waiting_seconds: int
    claimed_by_name: str | None
    delivery_failed: bool

    @property
    def reason_label(self) -> str:
        """The reason in words."""
        return REASONS.get(self.handoff.reason, REASONS["other"])[1]

    def as_json(self, viewer: Navigator) -> dict:
        """The row for the queue's JSON poll."""
        handoff = self.handoff
        return {
            "id": handoff.id,
            "status": handoff.status,
            "urgent": handoff.urgency < 2,
            "reason": self.reason_label,
            "summary": summary_rows(handoff),
            "channel": self.channel,
            "waiting_seconds": self.waiting_seconds,
            "claimed_by": self.claimed_by_name,
            "mine": handoff.claimed_by == viewer.id,
            "contact_later": handoff.contact_later_at is not None,
            "delivery_failed": self.delivery_failed,
        }


@dataclass(frozen=True)
class ShownMessage:
    """A message as the console shows it, with the SMS delivery status when there is one."""

    message: Message
    delivery: str | None


@dataclass(frozen=True)
class HandoffView:
    """Everything the conversation page shows."""

    handoff: Handoff
    channel: str
    messages: List[ShownMessage]
    notes: List[Tuple[HandoffNote, str]] = field(default_factory=list)
    # The person's running check-in series (None: none, or check-ins not set up).
    checkins: CheckInSeries | None = None
    # Check-ins can be offered: an SMS conversation and check-ins set up here.
    checkins_possible: bool = False


def summary_rows(handoff: Handoff) -> List[Tuple[str, str]]:
    """The consented summary as (label, value) rows; empty when the person declined."""
    if not handoff.consented or not handoff.summary:
        return []
    return [
        (label, str(handoff.summary[key]))
        for key, label in SUMMARY_FIELDS.items()
        if handoff.summary.get(key)
    ]


# -- the service -------------------------------------------------------------------------


class HandoffService:
    """Requests, the queue and a navigator's actions on one conversation."""

    def __init__(
        self,
        sessions: sessionmaker,
        conversations: ConversationService,
        console: ConsoleSettings | None = None,
        alert: Callable[[Handoff], None] | None = None,
        checkins: CheckInService | None = None,
    ) -> None:
        self.sessions = sessions
        self.conversations = conversations
        self.console = console or ConsoleSettings()
        self.schedule = self.console.schedule()
        self.claim_timeout = timedelta(minutes=self.console.claim_timeout_minutes)
        self.alert = alert
        self.checkins = checkins

    # person side

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
        kept = _clean_summary(summary) if consented else None
        with self.sessions() as session:
            existing = self._open_for(session, conversation_id)
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
                handoff, created = self._open_for(session, conversation_id, must=True), False
            session.add(_entry(None, "request" if created else "request_again", handoff))
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
            handoff = self._open_for(session, conversation_id)
            if handoff is None:
                return False
            handoff.contact_later_at = utcnow()
            session.add(_entry(None, "contact_later_consent", handoff))
            session.commit()
            return True

    def availability(self, now: datetime | None = None) -> Tuple[bool, datetime | None, str]:
        """(on duty now, next opening, that opening in words)."""
        now = now or utcnow()
        opening = self.schedule.next_opening(now)
        return self.schedule.is_open(now), opening, self.schedule.describe(opening, now)

    def notify_unclaimed(self, now: datetime | None = None) -> int:
        """Tell each person whose request waited past the timeout, once; return how many.

        The worker calls this every pass. A request made off hours starts its timeout at
        the next opening, so nobody is told "not yet" twice for the same night.
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
        told = 0
        for handoff_id, requested_at in waiting:
            start = self.schedule.next_opening(as_utc(requested_at))
            if start is not None and now >= start + self.claim_timeout:
                told += self._send_not_yet(handoff_id, now)
        return told

    # console side

    def queue(self, viewer: Navigator, now: datetime | None = None) -> List[QueueItem]:
        """Open requests this viewer may see, most urgent then longest waiting first."""
        now = now or utcnow()
        query = (
            select(Handoff, Conversation.channel, Navigator.name)
            .join(Conversation, Conversation.id == Handoff.conversation_id)
            .outerjoin(Navigator, Navigator.id == Handoff.claimed_by)
            .where(Handoff.status.in_(Handoff.OPEN), self._visible(viewer))
            .order_by(Handoff.urgency, Handoff.requested_at, Handoff.id)
        )
        with self.sessions() as session:
            rows = session.execute(query).all()
            failed = self._failed_deliveries(session, [h.conversation_id for h, _, _ in rows])
        return [
            QueueItem(
                handoff,
                channel,
                int((now - as_utc(handoff.requested_at)).total_seconds()),
                name,
                handoff.conversation_id in failed,
            )
            for handoff, channel, name in rows
        ]

    def view(self, handoff_id: int, viewer: Navigator) -> HandoffView:
        """The conversation behind a handoff, its notes and delivery states (audited)."""
        with self.sessions() as session:
            handoff = self._visible_handoff(session, handoff_id, viewer)
            conversation = session.get(Conversation, handoff.conversation_id)
            rows = session.execute(
                select(Message, Outbox.status)
                .outerjoin(Outbox, Outbox.message_id == Message.id)
                .where(Message.conversation_id == handoff.conversation_id)
                .order_by(Message.id)
            ).all()
            notes = session.execute(
                select(HandoffNote, Navigator.name)
                .join(Navigator, Navigator.id == HandoffNote.navigator_id)
                .where(HandoffNote.handoff_id == handoff.id)
                .order_by(HandoffNote.id)
            ).all()
            session.add(_entry(viewer.id, "view", handoff))
            session.commit()
        checkins = self.checkins.running(conversation.id) if self.checkins else None
        return HandoffView(
            handoff,
            conversation.channel,
            [ShownMessage(m, status) for m, status in rows],
            [(note, name) for note, name in notes],
            checkins,
            self.checkins is not None and conversation.channel == "sms",
        )

    def messages_since(
        self, handoff_id: int, viewer: Navigator, after: int
    ) -> Tuple[List[ShownMessage], Dict[int, str]]:
        """For the open page's poll: messages after `after`, and every SMS delivery state.

        Not audited again: the page that polls was audited when it was opened.
        """
        with self.sessions() as session:
            handoff = self._visible_handoff(session, handoff_id, viewer)
            rows = session.execute(
                select(Message, Outbox.status)
                .outerjoin(Outbox, Outbox.message_id == Message.id)
                .where(
                    Message.conversation_id == handoff.conversation_id,
                    or_(Message.id > after, Message.author == "navigator"),
                )
                .order_by(Message.id)
            ).all()
        deliveries = {m.id: status for m, status in rows if m.author == "navigator" and status}
        return [ShownMessage(m, status) for m, status in rows if m.id > after], deliveries

    def claim(self, handoff_id: int, navigator: Navigator) -> None:
        """Take a waiting request; exactly one of several navigators claiming at once wins."""
        with self.sessions() as session:
            handoff = self._visible_handoff(session, handoff_id, navigator)
            won = session.execute(
                update(Handoff)
                .where(
                    Handoff.id == handoff_id,
                    Handoff.claimed_by.is_(None),
                    Handoff.status == Handoff.WAITING,
                )
                .values(status=Handoff.CLAIMED, claimed_by=navigator.id, claimed_at=utcnow())
            ).rowcount
            session.add(_entry(navigator.id, "claim" if won else "claim_lost", handoff))
            session.commit()
        if not won:
            raise Conflict("Someone else claimed this conversation first.")
        self.conversations.hold(handoff.conversation_id, navigator.id)

    def reply(self, handoff_id: int, navigator: Navigator, text: str) -> Message:
        """Send the person a message from the navigator who holds the conversation."""
        text = text.strip()
        if not text or len(text) > MAX_REPLY:
            raise HandoffError(f"Write a message of 1 to {MAX_REPLY} characters.")
        handoff = self._held_by(handoff_id, navigator)
        message = self.conversations.add_navigator_reply(handoff.conversation_id, text)
        self._audit(navigator.id, "reply", handoff, f"message {message.id}")
        return message

    def note(self, handoff_id: int, navigator: Navigator, text: str) -> None:
        """Add a private note, never shown to the person."""
        text = clean_text(text.strip())
        if not text or len(text) > MAX_NOTE:
            raise HandoffError(f"Write a note of 1 to {MAX_NOTE} characters.")
        with self.sessions() as session:
            handoff = self._visible_handoff(session, handoff_id, navigator)
            session.add(HandoffNote(handoff_id=handoff.id, navigator_id=navigator.id, body=text))
            session.add(_entry(navigator.id, "note", handoff))
            session.commit()

    def start_checkins(
        self, handoff_id: int, navigator: Navigator, reason: str, consented: bool
    ) -> CheckInSeries:
        """Sign the person up for check-in texts, as they agreed with the navigator; the
        person is told at once, with how to pause or end them (audited)."""
        handoff = self._taken_on(handoff_id, navigator)
        if self.checkins is None:
            raise HandoffError("Check-ins are not set up on this console.")
        if not consented:
            raise HandoffError(
                "Check-ins need the person's agreement. Ask them first, then tick the box."
            )
        if self.checkins.running(handoff.conversation_id) is not None:
            raise Conflict("Check-ins are already on for this person.")
        try:
            series, text = self.checkins.enroll(
                handoff.conversation_id, reason, navigator_id=navigator.id
            )
        except CheckInError as error:
            raise HandoffError(str(error)) from None
        self.checkins.notify(handoff.conversation_id, text)
        self._audit(navigator.id, "checkins_start", handoff, reason)
        return series

    def end_checkins(self, handoff_id: int, navigator: Navigator) -> None:
        """End the person's check-ins (they asked the navigator to); audited."""
        handoff = self._taken_on(handoff_id, navigator)
        if self.checkins is None:
            raise HandoffError("Check-ins are not set up on this console.")
        if self.checkins.end(handoff.conversation_id, CheckInSeries.BY_NAVIGATOR) is None:
            raise Conflict("This person has no check-ins running.")
        self._audit(navigator.id, "checkins_end", handoff)

    def hand_back(self, handoff_id: int, navigator: Navigator) -> None:
        """Give the conversation back to the assistant; the outcome is recorded at close."""
        handoff = self._held_by(handoff_id, navigator, supervisors_too=True)
        self.conversations.hold(handoff.conversation_id, None)
        self._set(handoff, navigator, "hand_back", status=Handoff.RETURNED)

    def close(self, handoff_id: int, navigator: Navigator, outcome: str) -> None:
        """Close with one of OUTCOMES; a conversation still held goes back to the assistant."""
        if outcome not in OUTCOMES:
            raise HandoffError("Choose one of the listed outcomes.")
        with self.sessions() as session:
            handoff = self._visible_handoff(session, handoff_id, navigator)
        if handoff.status == Handoff.CLOSED:
            raise Conflict("This conversation is already closed.")
        if not navigator.oversees and handoff.claimed_by != navigator.id:
            raise NotAllowed("Claim the conversation before closing it.")
        if handoff.status == Handoff.CLAIMED:
            self.conversations.hold(handoff.conversation_id, None)
        self._set(
            handoff,
            navigator,
            "close",
            outcome,
            status=Handoff.CLOSED,
            outcome=outcome,
            closed_at=utcnow(),
        )

    def audit_trail(self, limit: int = 200) -> List[Tuple[AuditEntry, str | None]]:
        """The newest audit entries with the navigator's name (supervisors' page)."""
        with self.sessions() as session:
            return [
                (entry, name)
                for entry, name in session.execute(
                    select(AuditEntry, Navigator.name)
                    .outerjoin(Navigator, Navigator.id == AuditEntry.navigator_id)
                    .order_by(AuditEntry.id.desc())
                    .limit(limit)
                ).all()
            ]

    # steps

    def _tell(self, handoff: Handoff, created: bool, now: datetime) -> RequestResult:
        on_duty, opening, when = self.availability(now)
        text = ON_DUTY_TEXT if on_duty else fill_lines(OFF_DUTY_TEXT.replace("{when}", when))
        return RequestResult(handoff, created, on_duty, opening, when, text)

    def _send_not_yet(self, handoff_id: int, now: datetime) -> int:
        _, _, when = self.availability(now)
        if self.schedule.is_open(now):
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
            message = Message(
                conversation_id=handoff.conversation_id,
                direction=Message.OUTBOUND,
                author="system",
                body=fill_lines(NOT_YET_TEXT.replace("{when}", when)),
                status=Message.READY,
            )
            add_outbound(session, handoff.conversation_id, [message], inline=False)
            session.add(_entry(None, "not_yet_sent", handoff))
            session.commit()
        log.info("handoff %s unclaimed past the timeout: person told", handoff_id)
        return 1

    def _open_for(self, session, conversation_id: int, must: bool = False):
        result = session.execute(
            select(Handoff).where(
                Handoff.conversation_id == conversation_id, Handoff.status.in_(Handoff.OPEN)
            )
        )
        return result.scalar_one() if must else result.scalar_one_or_none()

    @staticmethod
    def _visible(viewer: Navigator):
        if viewer.oversees:
            return true()
        return or_(Handoff.status == Handoff.WAITING, Handoff.claimed_by == viewer.id)

    def _visible_handoff(self, session, handoff_id: int, viewer: Navigator) -> Handoff:
        handoff = session.execute(
            select(Handoff).where(Handoff.id == handoff_id, self._visible(viewer))
        ).scalar_one_or_none()
        if handoff is None:
            # Same answer for "no such" and "not yours": ids reveal nothing.
            session.add(AuditEntry(navigator_id=viewer.id, action="denied", handoff_id=handoff_id))
            session.commit()
            raise NotFound("No such conversation in your queue.")
        return handoff

    def _taken_on(self, handoff_id: int, navigator: Navigator) -> Handoff:
        """A handoff this navigator claimed (in any state since), or any for an overseer."""
        with self.sessions() as session:
            handoff = self._visible_handoff(session, handoff_id, navigator)
        if not navigator.oversees and handoff.claimed_by != navigator.id:
            raise NotAllowed("Claim this conversation first.")
        return handoff

    def _held_by(self, handoff_id: int, navigator: Navigator, supervisors_too=False) -> Handoff:
        with self.sessions() as session:
            handoff = self._visible_handoff(session, handoff_id, navigator)
        if handoff.status != Handoff.CLAIMED:
            raise Conflict("Claim the conversation first.")
        if handoff.claimed_by != navigator.id and not (supervisors_too and navigator.oversees):
            raise NotAllowed("Another navigator holds this conversation.")
        return handoff

    def _set(self, handoff: Handoff, navigator: Navigator, action: str, detail=None, **values):
        with self.sessions() as session:
            session.execute(update(Handoff).where(Handoff.id == handoff.id).values(**values))
            session.add(_entry(navigator.id, action, handoff, detail))
            session.commit()

    def _audit(self, navigator_id: int | None, action: str, handoff: Handoff, detail=None):
        with self.sessions() as session:
            session.add(_entry(navigator_id, action, handoff, detail))
            session.commit()

    @staticmethod
    def _failed_deliveries(session, conversation_ids: List[int]) -> set:
        if not conversation_ids:
            return set()
        return set(
            session.execute(
                select(Message.conversation_id)
                .join(Outbox, Outbox.message_id == Message.id)
                .where(
                    and_(
                        Message.conversation_id.in_(conversation_ids),
                        Message.author == "navigator",
                        Outbox.status == Outbox.FAILED,
                    )
                )
                .group_by(Message.conversation_id)
                .having(func.count() > 0)
            ).scalars()
        )


class OnCallAlert:
    """Texts the on-call navigator through the SMS outbox when a new request arrives.

    The alert goes out from a send-only contact whose key is not the phone's HMAC, so a
    text the navigator sends to the line is an ordinary conversation, never this one.
    """

    CHANNEL = "alert"

    def __init__(self, sessions: sessionmaker, vault: PhoneVault, phone: str, console_url: str):
        self.sessions = sessions
        self.vault = vault
        self.phone = phone
        self.console_url = console_url
        self.key = "alert-" + hashlib.sha256(vault.key(phone).encode()).hexdigest()[:58]

    def __call__(self, handoff: Handoff) -> None:
        """Queue one alert text for `handoff`."""
        text = ALERT_TEXT.format(
            urgent="URGENT " if handoff.urgency < 2 else "", url=self.console_url
        )
        with self.sessions() as session:
            conversation_id = self._conversation_id(session)
            message = Message(
                conversation_id=conversation_id,
                direction=Message.OUTBOUND,
                author="system",
                body=text,
                status=Message.READY,
            )
            add_outbound(session, conversation_id, [message], inline=False, channel=self.CHANNEL)
            session.commit()
        log.info("on-call navigator alerted about handoff %s", handoff.id)

    def _conversation_id(self, session) -> int:
        contact = session.execute(
            select(Contact).where(Contact.key == self.key)
        ).scalar_one_or_none()
        if contact is None:
            contact = Contact(key=self.key, phone_encrypted=self.vault.encrypt(self.phone))
            session.add(contact)
            try:
                session.flush()
            except IntegrityError:  # two requests alerted at once; the other made it
                session.rollback()
                contact = session.execute(
                    select(Contact).where(Contact.key == self.key)
                ).scalar_one()
        conversation_id = session.execute(
            select(Conversation.id)
            .where(Conversation.contact_id == contact.id, Conversation.channel == self.CHANNEL)
            .limit(1)
        ).scalar_one_or_none()
        if conversation_id is None:
            conversation = Conversation(channel=self.CHANNEL, contact_id=contact.id)
            session.add(conversation)
            session.flush()
            conversation_id = conversation.id
        return conversation_id


def build_handoff_service(
    conversations: ConversationService,
    console: ConsoleSettings | None = None,
    vault: PhoneVault | None = None,
    public_url: str = "",
    checkins: CheckInSettings | None = None,
) -> HandoffService:
    """The handoff service, texting NAVIGATOR_ON_CALL_PHONE on new requests when it is set;
    navigators can start and end check-ins on the `checkins` schedule."""
    console = console or ConsoleSettings()
    alert = None
    if console.on_call_phone and vault is not None:
        alert = OnCallAlert(
            conversations.sessions, vault, console.on_call_phone, f"{public_url}/console/"
        )
    return HandoffService(
        conversations.sessions,
        conversations,
        console,
        alert,
        CheckInService(conversations.sessions, checkins or CheckInSettings()),
    )


def _entry(navigator_id: int | None, action: str, handoff: Handoff, detail=None) -> AuditEntry:
    return AuditEntry(
        navigator_id=navigator_id,
        action=action,
        conversation_id=handoff.conversation_id,
        handoff_id=handoff.id,
        detail=detail,
    )


def _clean_summary(summary: Mapping | None) -> dict:
    """Only the known summary fields, short and plain, so nothing else rides along."""
    return {
        key: clean_text(str(summary[key])).strip()[:120]
        for key in SUMMARY_FIELDS
        if summary and summary.get(key)
    }
