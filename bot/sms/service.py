"""The SMS channel's rules: carrier and check-in keywords, opt-out, erasure, and the outbox.

The Flask view only checks the provider's signature and renders TwiML; everything a
text message does happens here. A phone number is only ever held as a keyed hash (to find
the person) and an encrypted copy (to reply).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import List

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.checkins.models import CheckInSeries
from bot.checkins.service import CheckInService
from bot.content import fill_lines
from bot.conversations.keywords import checkin_keyword, keyword
from bot.conversations.models import Contact, Conversation, Message, Outbox
from bot.conversations.service import ConversationService
from bot.db import utcnow
from bot.privacy import PhoneVault
from bot.sms.sender import SendError, SmsSender

log = logging.getLogger(__name__)

# Plain GSM-7 texts, each under 320 characters once the lines are filled in.
TEXTS = {
    "help": (
        "{operator}: free, anonymous text line about overdose, naloxone and treatment. "
        "Overdose now: call {line_911}. Crisis: call or text {line_988}. To talk to a person "
        "24/7 call {line_samhsa}. Reply CHECKIN for check-in texts, STOP to end texts, DELETE to "
        "erase this chat."
    ),
    "stop": (
        "You won't get any more texts from this number. Reply START to text with us again. "
        "Overdose now: call {line_911}."
    ),
    "start": (
        "Welcome back. You can text us any time. If someone is not breathing, call {line_911}."
    ),
    "delete": (
        "Done: we erased this conversation. We keep nothing else about it. You can text us "
        "again any time."
    ),
    "media": (
        "This line is text only, so we can't see pictures or files. Please tell us in words "
        "what you need. Overdose now: call {line_911}."
    ),
    "empty": "We got an empty message. Type your question and send it any time.",
}

# Outbox retries: 10 s, 20 s, 40 s ... capped at 15 minutes, then given up after 8 tries.
MAX_ATTEMPTS = 8
# A claim this old means the worker died mid-send; such a row is never retried.
STALE_SENDING = timedelta(minutes=5)


@dataclass(frozen=True)
class InboundSms:
    """What the provider told us about one inbound text."""

    phone: str
    body: str
    message_sid: str
    num_media: int = 0


class SmsService:
    """Handles inbound texts and sends the outbox."""

    def __init__(
        self,
        conversations: ConversationService,
        vault: PhoneVault,
        operator: str,
        checkins: CheckInService | None = None,
    ) -> None:
        self.conversations = conversations
        self.sessions: sessionmaker = conversations.sessions
        self.vault = vault
        self.operator = operator
        self.checkins = checkins

    def text(self, name: str) -> str:
        """One of the channel's fixed texts, with the configured lines and operator."""
        return fill_lines(TEXTS[name].replace("{operator}", self.operator))

    def handle(self, sms: InboundSms) -> List[str]:
        """Keep the text, act on it, and return what to answer inline (maybe nothing)."""
        contact = self._contact(sms.phone)
        word = keyword(sms.body)
        if word == "stop":
            self._set_opt_out(contact.id, True)
            if self.checkins is not None:
                self.checkins.end_for_contact(contact.id, CheckInSeries.STOPPED)
            return self._keep_and_reply(self._conversation(contact), sms, [self.text("stop")])
        if word == "start":
            self._set_opt_out(contact.id, False)
            return self._keep_and_reply(self._conversation(contact), sms, [self.text("start")])
        if contact.opted_out_at is not None:
            # Opted out: keep what they sent, send nothing until START.
            self._keep(self._conversation(contact), sms, Message.SUPPRESSED)
            return []
        if word == "help":
            return self._keep_and_reply(self._conversation(contact), sms, [self.text("help")])
        if word == "delete":
            return self._erase(contact, sms)
        if not sms.body.strip():
            notice = self.text("media" if sms.num_media else "empty")
            return self._keep_and_reply(self._conversation(contact), sms, [notice])
        conversation = self._conversation(contact)
        payload = None
        if self.checkins is not None:
            checkin_word = checkin_keyword(sms.body)
            if checkin_word is not None:
                reply = self.checkins.on_keyword(conversation.id, checkin_word)
                return self._keep_and_reply(conversation, sms, [reply])
            payload = self.checkins.on_reply(conversation.id, sms.body)
        prefix = [self.text("media")] if sms.num_media else []
        outcome = self.conversations.receive(
            conversation, sms.body, external_id=sms.message_sid, payload=payload
        )
        if outcome.duplicate:
            return []
        return prefix + [reply.body for reply in outcome.replies]

    # -- outbox -------------------------------------------------------------------------

    def deliver_due(self, sender: SmsSender, limit: int = 20) -> int:
        """Send queued texts whose time has come; return how many the provider took."""
        self._give_up_on_stale_sends()
        sent = 0
        for outbox_id in self._due(limit):
            if not self._claim(outbox_id):
                continue
            sent += self._send_one(sender, outbox_id)
        return sent

    def record_status(self, provider_id: str, status: str, error_code: str | None) -> bool:
        """Apply a delivery report; False when the id is not ours."""
        new_status = {
            "delivered": Outbox.DELIVERED,
            "undelivered": Outbox.FAILED,
            "failed": Outbox.FAILED,
        }.get(status)
        with self.sessions() as session:
            entry = session.execute(
                select(Outbox).where(Outbox.provider_id == provider_id)
            ).scalar_one_or_none()
            if entry is None:
                return False
            if new_status and entry.status != Outbox.DELIVERED:
                entry.status = new_status
                entry.error_code = error_code or None
                session.commit()
            return True

    # -- steps --------------------------------------------------------------------------

    def _contact(self, phone: str) -> Contact:
        key = self.vault.key(phone)
        found = select(Contact).where(Contact.key == key)
        with self.sessions() as session:
            contact = session.execute(found).scalar_one_or_none()
            if contact is not None:
                return contact
            contact = Contact(key=key, phone_encrypted=self.vault.encrypt(phone))
            session.add(contact)
            try:
                session.commit()
                return contact
            except IntegrityError:  # the same phone's first two texts arrived together
                session.rollback()
                return session.execute(found).scalar_one()

    def _conversation(self, contact: Contact) -> Conversation:
        with self.sessions() as session:
            conversation = session.execute(
                select(Conversation)
                .where(Conversation.contact_id == contact.id)
                .order_by(Conversation.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        return conversation or self.conversations.start("sms", contact_id=contact.id)

    def _set_opt_out(self, contact_id: int, opted_out: bool) -> None:
        with self.sessions() as session:
            session.execute(
                update(Contact)
                .where(Contact.id == contact_id)
                .values(opted_out_at=utcnow() if opted_out else None)
            )
            if opted_out:
                # Nothing queued goes out after STOP.
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
            session.commit()

    def _keep(self, conversation: Conversation, sms: InboundSms, status: str) -> Message | None:
        return self.conversations.keep(conversation, sms.body, sms.message_sid, status)

    def _keep_and_reply(
        self, conversation: Conversation, sms: InboundSms, texts: List[str]
    ) -> List[str]:
        inbound = self._keep(conversation, sms, Message.ANSWERED)
        if inbound is None:
            return []  # a retry of a text we already answered
        self.conversations.add_system_replies(inbound, texts, inline=True)
        return texts

    def _erase(self, contact: Contact, sms: InboundSms) -> List[str]:
        with self.sessions() as session:
            ids = list(
                session.execute(
                    select(Conversation.id).where(Conversation.contact_id == contact.id)
                ).scalars()
            )
        self.conversations.erase(ids)
        return [self.text("delete")]

    def _due(self, limit: int) -> List[int]:
        with self.sessions() as session:
            return list(
                session.execute(
                    select(Outbox.id)
                    .where(Outbox.status == Outbox.QUEUED, Outbox.next_attempt_at <= utcnow())
                    .order_by(Outbox.id)
                    .limit(limit)
                ).scalars()
            )

    def _claim(self, outbox_id: int) -> bool:
        with self.sessions() as session:
            result = session.execute(
                update(Outbox)
                .where(Outbox.id == outbox_id, Outbox.status == Outbox.QUEUED)
                .values(status=Outbox.SENDING, claimed_at=utcnow(), attempts=Outbox.attempts + 1)
            )
            session.commit()
            return result.rowcount == 1

    def _send_one(self, sender: SmsSender, outbox_id: int) -> int:
        with self.sessions() as session:
            entry = session.get(Outbox, outbox_id)
            message = session.get(Message, entry.message_id)
            conversation = session.get(Conversation, message.conversation_id)
            contact = (
                session.get(Contact, conversation.contact_id) if conversation.contact_id else None
            )
            if contact is None or contact.opted_out_at is not None:
                entry.status = Outbox.SUPPRESSED
                session.commit()
                return 0
            try:
                entry.provider_id = sender.send(
                    self.vault.decrypt(contact.phone_encrypted), message.body or ""
                )
            except SendError as error:
                entry.error_code = error.code
                if error.permanent or entry.attempts >= MAX_ATTEMPTS:
                    entry.status = Outbox.FAILED
                    log.warning("outbox %s failed for good (code %s)", outbox_id, error.code)
                else:
                    entry.status = Outbox.QUEUED
                    delay = min(10 * 2 ** (entry.attempts - 1), 900)
                    entry.next_attempt_at = utcnow() + timedelta(seconds=delay)
                session.commit()
                return 0
            entry.status = Outbox.SENT
            entry.error_code = None
            session.commit()
            return 1

    def _give_up_on_stale_sends(self) -> None:
        with self.sessions() as session:
            result = session.execute(
                update(Outbox)
                .where(
                    Outbox.status == Outbox.SENDING,
                    Outbox.claimed_at < utcnow() - STALE_SENDING,
                )
                .values(status=Outbox.UNKNOWN)
            )
            session.commit()
            if result.rowcount:
                log.warning("%d outbox row(s) left mid-send; marked unknown", result.rowcount)
