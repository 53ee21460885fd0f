"""The console's side of the handoff: the queue, one conversation, and a navigator's actions.

Each action is one transaction: the change, the message it sends the person and its audit
row commit together or not at all. Claim, hand back and close are conditional updates, so
of two navigators acting at once exactly one wins. Who may do what is decided in
bot/handoff/access.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Set, Tuple

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.accounts.models import Navigator
from bot.checkins.models import CheckInSeries
from bot.checkins.schedule import CheckInSettings
from bot.checkins.series import (
    CheckInError,
    add_text,
    end_series,
    running_series,
    start_series,
)
from bot.conversations.messages import answer_kept_for_navigator, clean_text, send
from bot.conversations.models import Conversation, Message, Outbox
from bot.db import as_utc, utcnow
from bot.handoff.access import (
    CLOSED_GRACE,
    held_by,
    shown_messages,
    taken_on,
    visible,
    visible_handoff,
)
from bot.handoff.audit import entry
from bot.handoff.errors import Conflict, HandoffError, NotAllowed
from bot.handoff.models import Handoff, HandoffNote, HandoffReferral
from bot.handoff.previous import previous_contacts
from bot.handoff.views import (
    MAX_NOTE,
    MAX_REPLY,
    OUTCOMES,
    REFERRAL_TAGS,
    HandoffView,
    QueueItem,
    ShownMessage,
)


def hold(session: Session, conversation_id: int, navigator_id: int | None) -> None:
    """A navigator takes the conversation (the assistant falls silent), or with None hands
    it back; what the person sent meanwhile counts as answered by the navigator."""
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(navigator_id=navigator_id)
    )
    if navigator_id is None:
        answer_kept_for_navigator(session, conversation_id)


class HandoffConsole:
    """What a signed-in navigator sees and does."""

    def __init__(
        self,
        sessions: sessionmaker,
        checkins: CheckInSettings | None = None,
        grace: timedelta = CLOSED_GRACE,
        target: timedelta = timedelta(minutes=5),
        retention: timedelta | None = None,
    ) -> None:
        self.sessions = sessions
        # RETENTION_DAYS: an earlier request older than this is no longer shown.
        self.retention = retention
        # How soon a request should be claimed (NAVIGATOR_CLAIM_TARGET_MINUTES).
        self.target = target
        # How long a past holder keeps a closed request (bot/handoff/access.py).
        self.grace = grace
        # None: check-ins are not set up on this console.
        self.checkin_settings = checkins

    def queue(self, viewer: Navigator, now: datetime | None = None) -> List[QueueItem]:
        """Open requests this viewer may see, most urgent then longest waiting first."""
        now = now or utcnow()
        query = (
            select(Handoff, Conversation.channel, Navigator.name)
            .join(Conversation, Conversation.id == Handoff.conversation_id)
            .outerjoin(Navigator, Navigator.id == Handoff.claimed_by)
            .where(Handoff.status.in_(Handoff.OPEN), visible(viewer, self.grace, now))
            .order_by(Handoff.urgency, Handoff.requested_at, Handoff.id)
        )
        with self.sessions() as session:
            rows = session.execute(query).all()
            failed = _failed_deliveries(session, [h.conversation_id for h, _, _ in rows])
        return [
            QueueItem(
                handoff,
                channel,
                int((now - as_utc(handoff.requested_at)).total_seconds()),
                name,
                handoff.conversation_id in failed,
                int(self.target.total_seconds()),
            )
            for handoff, channel, name in rows
        ]

    def view(self, handoff_id: int, viewer: Navigator) -> HandoffView:
        """The conversation behind a handoff, its notes and delivery states, and the
        person's earlier requests as far as consent and the viewer's role allow (audited)."""
        with self.sessions() as session:
            handoff = visible_handoff(session, handoff_id, viewer, self.grace)
            conversation = session.get(Conversation, handoff.conversation_id)
            rows = session.execute(
                select(Message, Outbox.status)
                .outerjoin(Outbox, Outbox.message_id == Message.id)
                .where(shown_messages(handoff))
                .order_by(Message.id)
            ).all()
            notes = session.execute(
                select(HandoffNote, Navigator.name)
                .join(Navigator, Navigator.id == HandoffNote.navigator_id)
                .where(HandoffNote.handoff_id == handoff.id)
                .order_by(HandoffNote.id)
            ).all()
            referrals = set(
                session.execute(
                    select(HandoffReferral.tag).where(HandoffReferral.handoff_id == handoff.id)
                ).scalars()
            )
            series = None
            if self.checkin_settings is not None:
                series = running_series(session, conversation.id)
                if series is not None:
                    list(series.checkins)  # load before the session closes
            since = utcnow() - self.retention if self.retention is not None else None
            previous = previous_contacts(session, handoff, viewer, since)
            session.add(entry(viewer.id, "view", handoff))
            session.commit()
        return HandoffView(
            handoff,
            conversation.channel,
            [ShownMessage(m, status) for m, status in rows],
            [(note, name) for note, name in notes],
            series,
            self.checkin_settings is not None and conversation.channel == "sms",
            [tag for tag in REFERRAL_TAGS if tag in referrals],
            previous,
        )

    def messages_since(
        self, handoff_id: int, viewer: Navigator, after: int
    ) -> Tuple[List[ShownMessage], Dict[int, str]]:
        """For the open page's poll: messages after `after`, and every SMS delivery state.

        A poll that brings new messages is audited as a read ("poll"); one that brings
        nothing is not, so an open page every few seconds does not flood the log.
        """
        with self.sessions() as session:
            handoff = visible_handoff(session, handoff_id, viewer, self.grace)
            rows = session.execute(
                select(Message, Outbox.status)
                .outerjoin(Outbox, Outbox.message_id == Message.id)
                .where(
                    shown_messages(handoff),
                    or_(Message.id > after, Message.author == "navigator"),
                )
                .order_by(Message.id)
            ).all()
            if any(m.id > after for m, _ in rows):
                session.add(entry(viewer.id, "poll", handoff))
                session.commit()
        deliveries = {m.id: status for m, status in rows if m.author == "navigator" and status}
        return [ShownMessage(m, status) for m, status in rows if m.id > after], deliveries

    def claim(self, handoff_id: int, navigator: Navigator) -> None:
        """Take a waiting request and hold its conversation; exactly one of several
        navigators claiming at once wins."""
        with self.sessions() as session:
            handoff = visible_handoff(session, handoff_id, navigator, self.grace)
            won = session.execute(
                update(Handoff)
                .where(
                    Handoff.id == handoff_id,
                    Handoff.claimed_by.is_(None),
                    Handoff.status == Handoff.WAITING,
                )
                .values(status=Handoff.CLAIMED, claimed_by=navigator.id, claimed_at=utcnow())
            ).rowcount
            if won:
                hold(session, handoff.conversation_id, navigator.id)
            session.add(entry(navigator.id, "claim" if won else "claim_lost", handoff))
            session.commit()
        if not won:
            raise Conflict("Someone else claimed this conversation first.")

    def reply(self, handoff_id: int, navigator: Navigator, text: str) -> Message:
        """Send the person a message from the navigator who holds the conversation."""
        text = text.strip()
        if not text or len(text) > MAX_REPLY:
            raise HandoffError(f"Write a message of 1 to {MAX_REPLY} characters.")
        with self.sessions() as session:
            handoff = held_by(session, handoff_id, navigator)
            (message,) = send(session, handoff.conversation_id, [text], author="navigator")
            answer_kept_for_navigator(session, handoff.conversation_id)
            session.add(entry(navigator.id, "reply", handoff, f"message {message.id}"))
            session.commit()
            return message

    def note(self, handoff_id: int, navigator: Navigator, text: str) -> None:
        """Add a private note, never shown to the person."""
        text = clean_text(text.strip())
        if not text or len(text) > MAX_NOTE:
            raise HandoffError(f"Write a note of 1 to {MAX_NOTE} characters.")
        with self.sessions() as session:
            # Notes belong to whoever holds the request (or oversees): not to onlookers
            # of a waiting one, who would otherwise write on a stranger's file.
            handoff = taken_on(session, handoff_id, navigator, self.grace)
            session.add(HandoffNote(handoff_id=handoff.id, navigator_id=navigator.id, body=text))
            session.add(entry(navigator.id, "note", handoff))
            session.commit()

    def start_checkins(
        self, handoff_id: int, navigator: Navigator, reason: str, consented: bool
    ) -> CheckInSeries:
        """Sign the person up for check-in texts, as they agreed with the navigator; the
        person is told at once, with how to pause or end them (audited)."""
        with self.sessions() as session:
            handoff = taken_on(session, handoff_id, navigator, self.grace)
            if self.checkin_settings is None:
                raise HandoffError("Check-ins are not set up on this console.")
            if not consented:
                raise HandoffError(
                    "Check-ins need the person's agreement. Ask them first, then tick the box."
                )
            if running_series(session, handoff.conversation_id) is not None:
                raise Conflict("Check-ins are already on for this person.")
            try:
                series, text, _ = start_series(
                    session, self.checkin_settings, handoff.conversation_id, reason,
                    navigator.id, utcnow(),
                )  # fmt: skip
            except CheckInError as error:
                raise HandoffError(str(error)) from None
            add_text(session, handoff.conversation_id, text)
            session.add(entry(navigator.id, "checkins_start", handoff, reason))
            try:
                session.commit()
            except IntegrityError:  # the person texted CHECKIN at this very moment
                raise Conflict("Check-ins are already on for this person.") from None
            return series

    def end_checkins(self, handoff_id: int, navigator: Navigator) -> None:
        """End the person's check-ins (they asked the navigator to); audited."""
        with self.sessions() as session:
            handoff = taken_on(session, handoff_id, navigator, self.grace)
            if self.checkin_settings is None:
                raise HandoffError("Check-ins are not set up on this console.")
            series = running_series(session, handoff.conversation_id)
            if series is None:
                raise Conflict("This person has no check-ins running.")
            end_series(session, series, CheckInSeries.BY_NAVIGATOR, utcnow())
            session.add(entry(navigator.id, "checkins_end", handoff))
            session.commit()

    def hand_back(self, handoff_id: int, navigator: Navigator) -> None:
        """Give the conversation back to the assistant; the outcome is recorded at close."""
        with self.sessions() as session:
            handoff = held_by(session, handoff_id, navigator, supervisors_too=True)
            won = session.execute(
                update(Handoff)
                .where(
                    Handoff.id == handoff.id,
                    Handoff.status == Handoff.CLAIMED,
                    Handoff.claimed_by == handoff.claimed_by,
                )
                .values(status=Handoff.RETURNED)
            ).rowcount
            if not won:
                session.rollback()
                raise Conflict("This conversation was handed back or closed meanwhile.")
            hold(session, handoff.conversation_id, None)
            session.add(entry(navigator.id, "hand_back", handoff))
            session.commit()

    def close(
        self, handoff_id: int, navigator: Navigator, outcome: str, tags: Iterable[str] = ()
    ) -> List[str]:
        """Close with one of OUTCOMES and any REFERRAL_TAGS (each audited like the outcome);
        a conversation still held goes back to the assistant. Returns the tags stored."""
        if outcome not in OUTCOMES:
            raise HandoffError("Choose one of the listed outcomes.")
        ticked = set(tags)
        if not ticked <= REFERRAL_TAGS.keys():
            raise HandoffError("Choose referral tags from the list.")
        referrals = [tag for tag in REFERRAL_TAGS if tag in ticked]
        with self.sessions() as session:
            handoff = visible_handoff(session, handoff_id, navigator, self.grace)
            if handoff.status == Handoff.CLOSED:
                raise Conflict("This conversation is already closed.")
            if not navigator.oversees and handoff.claimed_by != navigator.id:
                raise NotAllowed("Claim the conversation before closing it.")
            was_held = handoff.status == Handoff.CLAIMED
            won = session.execute(
                update(Handoff)
                .where(Handoff.id == handoff.id, Handoff.status == handoff.status)
                .values(status=Handoff.CLOSED, outcome=outcome, closed_at=utcnow())
            ).rowcount
            if not won:
                session.rollback()
                raise Conflict("This conversation changed meanwhile; reload and try again.")
            if was_held:
                hold(session, handoff.conversation_id, None)
            session.add(entry(navigator.id, "close", handoff, outcome))
            for tag in referrals:
                session.add(HandoffReferral(handoff_id=handoff.id, tag=tag))
                session.add(entry(navigator.id, "referral", handoff, tag))
            session.commit()
        return referrals


def _failed_deliveries(session: Session, conversation_ids: List[int]) -> Set[int]:
    """The conversations where a navigator's text could not be delivered."""
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
