"""Who texted: a phone is found by its keyed hash and kept only encrypted (bot/privacy.py).

One phone has one contact, and its texts go into that contact's latest conversation.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations.models import Contact, Conversation, Message, Outbox
from bot.conversations.service import ConversationService
from bot.db import utcnow
from bot.privacy import PhoneVault


class ContactBook:
    """Finds or adds the contact of a phone, and the conversation its texts belong to."""

    def __init__(
        self, sessions: sessionmaker, vault: PhoneVault, conversations: ConversationService
    ):
        self.sessions = sessions
        self.vault = vault
        self.conversations = conversations

    def contact(self, phone: str) -> Contact:
        """The contact of this phone, added on its first text."""
        key = self.vault.key(phone)
        found = select(Contact).where(Contact.key == key)
        with self.sessions() as session:
            contact = session.execute(found).scalar_one_or_none()
            if contact is not None:
                if not contact.phone_encrypted:  # texting again after DELETE
                    contact.phone_encrypted = self.vault.encrypt(phone)
                    session.commit()
                return contact
            contact = Contact(key=key, phone_encrypted=self.vault.encrypt(phone))
            session.add(contact)
            try:
                session.commit()
                return contact
            except IntegrityError:  # the same phone's first two texts arrived together
                session.rollback()
                return session.execute(found).scalar_one()

    def conversation(self, contact: Contact) -> Conversation:
        """The contact's latest conversation, or a new one."""
        with self.sessions() as session:
            conversation = session.execute(
                select(Conversation)
                .where(Conversation.contact_id == contact.id)
                .order_by(Conversation.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        return conversation or self.conversations.start("sms", contact_id=contact.id)


def opted_out(session: Session, contact_id: int | None) -> bool:
    """True when this contact texted STOP (and not START since)."""
    if contact_id is None:
        return False
    return (
        session.execute(
            select(Contact.opted_out_at).where(Contact.id == contact_id)
        ).scalar_one_or_none()
        is not None
    )


def forget_phone(session: Session, contact_id: int) -> None:
    """After DELETE: drop the contact, or for an opted-out one keep only the keyed hash and
    the time of STOP (so STOP stays honoured), never the phone number."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        return
    if contact.opted_out_at is None:
        session.delete(contact)
    else:
        contact.phone_encrypted = ""


def set_opt_out(session: Session, contact_id: int, opted_out: bool) -> None:
    """STOP (True) or START (False); after STOP nothing queued for the phone goes out."""
    session.execute(
        update(Contact)
        .where(Contact.id == contact_id)
        .values(opted_out_at=utcnow() if opted_out else None)
    )
    if not opted_out:
        return
    queued = (
        select(Outbox.id)
        .join(Message, Message.id == Outbox.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.contact_id == contact_id, Outbox.status == Outbox.QUEUED)
    )
    session.execute(
        update(Outbox)
        .where(Outbox.id.in_(queued.scalar_subquery()))
        .values(status=Outbox.SUPPRESSED)
        .execution_options(synchronize_session=False)
    )
