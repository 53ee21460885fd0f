"""The SMS outbox: texts that go out through the provider's API, at most once, with retries.

Replies that could not go inline in the webhook's answer (the assistant was slow, a
navigator wrote, a check-in came due) wait here; the worker sends them and Twilio's
delivery reports update them.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import List

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.conversations.models import Contact, Conversation, Message, Outbox
from bot.db import utcnow
from bot.privacy import PhoneVault
from bot.sms.sender import SendError, SmsSender

log = logging.getLogger(__name__)

# Retries: 10 s, 20 s, 40 s ... capped at 15 minutes, then given up after 8 tries.
MAX_ATTEMPTS = 8
# A claim this old means the worker died mid-send; such a row is never retried.
STALE_SENDING = timedelta(minutes=5)


class OutboxSender:
    """Sends queued texts and applies delivery reports."""

    def __init__(self, sessions: sessionmaker, vault: PhoneVault) -> None:
        self.sessions = sessions
        self.vault = vault

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
