"""The text to the on-call navigator's phone when a new request waits (never who or what)."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations.messages import send
from bot.conversations.models import Contact, Conversation
from bot.handoff.models import Handoff
from bot.privacy import PhoneVault

log = logging.getLogger(__name__)

ALERT_TEXT = "Helpline: a new {urgent}request for a navigator is waiting. Open the console: {url}"
# Unclaimed past the claim target (to the on-call phone again, then the supervisor's).
REMINDER_TEXT = (
    "Helpline: {request} for a navigator has waited {minutes} min unclaimed. "
    "Open the console: {url}"
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
            self.queue_in(session, text)
            session.commit()
        log.info("on-call navigator alerted about handoff %s", handoff.id)

    def remind(self, session: Session, handoff: Handoff, minutes: int) -> None:
        """Queue, in the caller's transaction, a text that `handoff` still waits."""
        request = "an URGENT request" if handoff.urgency < 2 else "a request"
        self.queue_in(
            session, REMINDER_TEXT.format(request=request, minutes=minutes, url=self.console_url)
        )

    def queue_in(self, session: Session, text: str) -> None:
        """Queue `text` to this phone in the caller's transaction."""
        send(session, self._conversation_id(session), [text], channel=self.CHANNEL)

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
