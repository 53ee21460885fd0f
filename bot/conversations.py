"""The message path every channel shares: keep the message, ask the assistant, keep the replies.

A person's message is committed before the assistant sees it. If the assistant cannot
answer, the person gets a fixed safety reply at once and the message stays pending; the
worker (`helpline worker`) answers it when the assistant is back. Messages of one
conversation are answered in the order they arrived.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import List, Tuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.assistant import AssistantClient, AssistantUnavailable
from bot.models import Conversation, Message, utcnow

log = logging.getLogger(__name__)

# Hard cap on what the assistant is given; channels tell people about their own limits.
MAX_TEXT = 1600

# Sent when the assistant cannot answer. Plain GSM-7 text, under 320 characters.
SAFETY_REPLY = (
    "Sorry, our assistant is not available right now. If someone may be overdosing, "
    "call 911 now and give naloxone. For a mental health crisis call or text 988. "
    "Treatment help 24/7: 1-800-662-4357. We kept your message and will answer here soon."
)

# Which of Rasa's channel-specific response variations each channel shows. The terminal
# chat is for staff trying the line: it shows what a person texting would see.
RASA_CHANNELS = {"sms": "sms", "web": "webchat", "terminal": "sms"}

# A claim older than this belongs to a process that died; the worker may take it over.
STALE_CLAIM = timedelta(seconds=60)


@dataclass(frozen=True)
class Outcome:
    """What happened to one inbound message."""

    message: Message
    replies: List[Message]
    duplicate: bool = False
    answered: bool = True
    assistant_down: bool = False


class ConversationService:
    """Stores messages and runs them through the assistant."""

    def __init__(self, sessions: sessionmaker, assistant: AssistantClient) -> None:
        self.sessions = sessions
        self.assistant = assistant

    def start(self, channel: str) -> Conversation:
        """Open a new conversation with a fresh opaque id."""
        with self.sessions() as session:
            conversation = Conversation(channel=channel)
            session.add(conversation)
            session.commit()
            return conversation

    def find(self, sender_id: str) -> Conversation | None:
        """The conversation with this opaque id, if any."""
        with self.sessions() as session:
            return session.execute(
                select(Conversation).where(Conversation.sender_id == sender_id)
            ).scalar_one_or_none()

    def receive(
        self, conversation: Conversation, text: str, external_id: str | None = None
    ) -> Outcome:
        """Keep `text` from the person, then answer it (or say why not, and keep it pending)."""
        stored = self._store_inbound(conversation, text[:MAX_TEXT], external_id)
        if stored is None:
            existing = self._by_external_id(external_id)
            return Outcome(existing, self.replies_to(existing.id), duplicate=True)
        return self.answer(stored)

    def answer(self, message: Message) -> Outcome:
        """Answer one pending inbound message (and any older ones it must wait behind)."""
        claim = self._claim(message.id)
        if claim == "busy":
            # Another process is answering; what it sends shows up in replies_to().
            return Outcome(message, self.replies_to(message.id), answered=False)
        if claim == "waiting":
            # Kept behind an older message the assistant could not answer: the person
            # still gets the safety reply for this one at once.
            reply = self._safety_reply(message)
            return Outcome(message, [reply], answered=False, assistant_down=True)
        try:
            sender_id, channel = self._sender_of(message)
            replies = self.assistant.send(sender_id, message.body or "", RASA_CHANNELS[channel])
        except AssistantUnavailable as error:
            log.warning("assistant unavailable for message %s: %s", message.id, error)
            self._release(message.id)
            reply = self._safety_reply(message)
            return Outcome(message, [reply], answered=False, assistant_down=True)
        return Outcome(message, self._store_replies(message, replies))

    def answer_pending(self, limit: int = 50) -> int:
        """Answer pending messages oldest first, one per conversation at a time; return count."""
        answered = 0
        for message in self._pending(limit):
            outcome = self.answer(message)
            if outcome.assistant_down:
                break
            answered += int(outcome.answered)
        return answered

    def replies_to(self, message_id: int) -> List[Message]:
        """The assistant's stored replies to one inbound message."""
        with self.sessions() as session:
            return list(
                session.execute(
                    select(Message)
                    .where(Message.reply_to_id == message_id, Message.author == "assistant")
                    .order_by(Message.id)
                ).scalars()
            )

    def messages_after(self, conversation: Conversation, after_id: int) -> List[Message]:
        """Everything shown to the person in this conversation after message `after_id`."""
        with self.sessions() as session:
            return list(
                session.execute(
                    select(Message)
                    .where(
                        Message.conversation_id == conversation.id,
                        Message.direction == Message.OUTBOUND,
                        Message.id > after_id,
                    )
                    .order_by(Message.id)
                ).scalars()
            )

    # -- storage steps ------------------------------------------------------------------

    def _store_inbound(
        self, conversation: Conversation, text: str, external_id: str | None
    ) -> Message | None:
        with self.sessions() as session:
            message = Message(
                conversation_id=conversation.id,
                direction=Message.INBOUND,
                author="person",
                body=text,
                status=Message.PENDING,
                external_id=external_id,
            )
            session.add(message)
            try:
                # A repeated external id (a provider's retry) fails here, before anything else.
                session.flush()
            except IntegrityError:
                session.rollback()
                return None
            session.execute(
                update(Conversation)
                .where(Conversation.id == conversation.id)
                .values(last_activity_at=utcnow())
            )
            session.commit()
            return message

    def _by_external_id(self, external_id: str | None) -> Message:
        with self.sessions() as session:
            return session.execute(
                select(Message).where(Message.external_id == external_id)
            ).scalar_one()

    def _claim(self, message_id: int) -> str:
        """Take the message for this process if it is next in its conversation.

        Returns "claimed"; "busy" when another process holds it or an older message is
        being answered right now; "waiting" when an older message is still kept because
        the assistant could not answer it.
        """
        now = utcnow()
        with self.sessions() as session:
            message = session.get(Message, message_id)
            older = session.execute(
                select(Message.status)
                .where(
                    Message.conversation_id == message.conversation_id,
                    Message.direction == Message.INBOUND,
                    Message.status != Message.ANSWERED,
                    Message.id < message_id,
                )
                .order_by(Message.id)
                .limit(1)
            ).first()
            if older is not None:
                return "waiting" if older.status == Message.PENDING else "busy"
            result = session.execute(
                update(Message)
                .where(
                    Message.id == message_id,
                    (Message.status == Message.PENDING)
                    | (
                        (Message.status == Message.PROCESSING)
                        & (Message.claimed_at < now - STALE_CLAIM)
                    ),
                )
                .values(status=Message.PROCESSING, claimed_at=now, attempts=Message.attempts + 1)
            )
            session.commit()
            return "claimed" if result.rowcount == 1 else "busy"

    def _release(self, message_id: int) -> None:
        with self.sessions() as session:
            session.execute(
                update(Message)
                .where(Message.id == message_id)
                .values(status=Message.PENDING, claimed_at=None)
            )
            session.commit()

    def _sender_of(self, message: Message) -> Tuple[str, str]:
        with self.sessions() as session:
            row = session.execute(
                select(Conversation.sender_id, Conversation.channel).where(
                    Conversation.id == message.conversation_id
                )
            ).one()
            return row.sender_id, row.channel

    def _store_replies(self, message: Message, replies) -> List[Message]:
        now = utcnow()
        with self.sessions() as session:
            stored = [
                Message(
                    conversation_id=message.conversation_id,
                    direction=Message.OUTBOUND,
                    author="assistant",
                    body=reply.text,
                    buttons=reply.buttons or None,
                    status=Message.READY,
                    reply_to_id=message.id,
                )
                for reply in replies
            ]
            session.add_all(stored)
            session.execute(
                update(Message)
                .where(Message.id == message.id)
                .values(status=Message.ANSWERED, answered_at=now, claimed_at=None)
            )
            session.commit()
            return stored

    def _safety_reply(self, message: Message) -> Message:
        """Store and return the fixed safety reply, once per pending message."""
        with self.sessions() as session:
            existing = session.execute(
                select(Message).where(Message.reply_to_id == message.id, Message.author == "system")
            ).scalar_one_or_none()
            if existing is not None:
                return existing
            reply = Message(
                conversation_id=message.conversation_id,
                direction=Message.OUTBOUND,
                author="system",
                body=SAFETY_REPLY,
                status=Message.READY,
                reply_to_id=message.id,
            )
            session.add(reply)
            session.commit()
            return reply

    def _pending(self, limit: int) -> List[Message]:
        """The oldest unanswered inbound message of each conversation."""
        now = utcnow()
        with self.sessions() as session:
            rows = session.execute(
                select(Message)
                .where(
                    Message.direction == Message.INBOUND,
                    (Message.status == Message.PENDING)
                    | (
                        (Message.status == Message.PROCESSING)
                        & (Message.claimed_at < now - STALE_CLAIM)
                    ),
                )
                .order_by(Message.id)
                .limit(limit)
            ).scalars()
            first_per_conversation = {}
            for message in rows:
                first_per_conversation.setdefault(message.conversation_id, message)
            return list(first_per_conversation.values())
