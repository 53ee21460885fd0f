"""The message path every channel shares: keep the message, ask the assistant, keep the replies.

A person's message is committed before the assistant sees it. If the assistant cannot
answer, the person gets a fixed safety reply at once and the message stays pending; the
worker (`helpline worker`) answers it when the assistant is back. Messages of one
conversation are answered in the order they arrived.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Callable, List, Tuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.assistant import AssistantClient, AssistantUnavailable
from bot.content import fill_lines
from bot.conversations.models import Conversation, Message, Outbox
from bot.crisis import detect as detect_crisis
from bot.db import utcnow

log = logging.getLogger(__name__)

# Hard cap on what the assistant is given; channels tell people about their own limits.
MAX_TEXT = 1600

# Sent when the assistant cannot answer: plain GSM-7 text, under 320 characters.
SAFETY_TEMPLATE = (
    "Sorry, our assistant is not available right now. If someone may be overdosing, "
    "call {line_911} now and give naloxone. For a mental health crisis call or text "
    "{line_988}. Treatment help 24/7: {line_samhsa}. We kept your message and will answer "
    "here soon."
)


@lru_cache(maxsize=1)
def safety_reply() -> str:
    """The fixed safety reply, with the configured phone lines."""
    return fill_lines(SAFETY_TEMPLATE)


# Characters no channel can carry (C0 controls but tab/newline, lone surrogates, U+FFFE/F).
_UNSENDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """`text` without characters that XML (TwiML) and JSON channels cannot carry."""
    return _UNSENDABLE.sub("", text)


# Which of Rasa's channel-specific response variations each channel shows. The terminal
# chat is for staff trying the line: it shows what a person texting would see.
RASA_CHANNELS = {"sms": "sms", "web": "webchat", "terminal": "sms"}

# Channels whose messages must be pushed through the SMS provider when not answered inline:
# people's texts, and the send-only thread of alerts to the on-call navigator.
PUSH_CHANNELS = frozenset({"sms", "alert"})

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

    def __init__(
        self,
        sessions: sessionmaker,
        assistant: AssistantClient,
        erase_trackers: Callable[[List[str]], int] | None = None,
    ) -> None:
        self.sessions = sessions
        self.assistant = assistant
        self.erase_trackers = erase_trackers

    def start(self, channel: str, contact_id: int | None = None) -> Conversation:
        """Open a new conversation with a fresh opaque id."""
        with self.sessions() as session:
            conversation = Conversation(channel=channel, contact_id=contact_id)
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
        self,
        conversation: Conversation,
        text: str,
        external_id: str | None = None,
        payload: str | None = None,
    ) -> Outcome:
        """Keep `text` from the person, then answer it (or say why not, and keep it pending).

        `payload`, when given, is what the assistant is asked instead of the text (a
        check-in menu choice); the text is what is kept and shown.
        """
        stored = self._keep_incoming(conversation, text, external_id, detect_crisis(text), payload)
        if stored is None:
            existing = self._by_external_id(external_id)
            return Outcome(existing, self.replies_to(existing.id), duplicate=True)
        if stored.status == Message.FOR_NAVIGATOR:
            # The navigator answers; the assistant stays silent.
            return Outcome(stored, [])
        sender = (conversation.sender_id, conversation.channel)
        return self.answer(stored, inline=True, sender=sender)

    def hold(self, conversation_id: int, navigator_id: int | None) -> None:
        """A navigator takes the conversation (or, with None, hands it back to the assistant)."""
        with self.sessions() as session:
            session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(navigator_id=navigator_id)
            )
            if navigator_id is None:
                _answer_kept_for_navigator(session, conversation_id)
            session.commit()

    def add_navigator_reply(self, conversation_id: int, text: str) -> Message:
        """Store a navigator's message; on SMS it goes out through the outbox."""
        with self.sessions() as session:
            reply = Message(
                conversation_id=conversation_id,
                direction=Message.OUTBOUND,
                author="navigator",
                body=clean_text(text),
                status=Message.READY,
            )
            add_outbound(session, conversation_id, [reply], inline=False)
            _answer_kept_for_navigator(session, conversation_id)
            session.commit()
            return reply

    def answer(
        self, message: Message, inline: bool = False, sender: Tuple[str, str] | None = None
    ) -> Outcome:
        """Answer one inbound message, unless an older one must go first.

        Replies on a push channel (SMS) that are not shown inline go to the outbox.
        `sender` (opaque id, channel) saves a look-up when the caller has it.
        """
        # A message kept by receive() with nothing older waiting is already claimed.
        claim = "claimed" if message.status == Message.PROCESSING else self._claim(message.id)
        if claim == "busy":
            # Another process is answering; what it sends shows up in replies_to().
            return Outcome(message, self.replies_to(message.id), answered=False)
        if claim == "waiting":
            # Kept behind an older message the assistant could not answer: the person
            # still gets the safety reply for this one at once.
            reply = self._safety_reply(message, inline)
            return Outcome(message, [reply], answered=False, assistant_down=True)
        try:
            sender_id, channel = sender or self._sender_of(message)
            text = message.payload or message.body or ""
            replies = self.assistant.send(sender_id, text, RASA_CHANNELS[channel])
        except AssistantUnavailable as error:
            log.warning("assistant unavailable for message %s: %s", message.id, error)
            self._release(message.id)
            reply = self._safety_reply(message, inline)
            return Outcome(message, [reply], answered=False, assistant_down=True)
        return Outcome(message, self._store_replies(message, replies, channel, inline))

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

    def recent_inbound(self, conversation: Conversation, seconds: int) -> int:
        """How many messages the person sent in this conversation in the last `seconds`."""
        since = utcnow() - timedelta(seconds=seconds)
        with self.sessions() as session:
            return session.execute(
                select(func.count())
                .select_from(Message)
                .where(
                    Message.conversation_id == conversation.id,
                    Message.direction == Message.INBOUND,
                    Message.created_at >= since,
                )
            ).scalar_one()

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

    def keep(
        self,
        conversation: Conversation,
        text: str,
        external_id: str | None = None,
        status: str = Message.PENDING,
    ) -> Message | None:
        """Commit one inbound message; None when `external_id` was already kept."""
        with self.sessions() as session:
            return _insert_inbound(session, conversation.id, text, external_id, status)

    def _keep_incoming(
        self,
        conversation: Conversation,
        text: str,
        external_id: str | None,
        crisis: str | None,
        payload: str | None = None,
    ) -> Message | None:
        """Keep a message to answer, in one transaction: claimed at once when nothing older
        waits, kept for the navigator while one holds the conversation (unless a crisis)."""
        with self.sessions() as session:
            navigator = session.execute(
                select(Conversation.navigator_id).where(Conversation.id == conversation.id)
            ).scalar_one()
            if navigator is not None and crisis is None:
                status = Message.FOR_NAVIGATOR
            else:
                waiting = session.execute(
                    select(Message.id)
                    .where(
                        Message.conversation_id == conversation.id,
                        Message.direction == Message.INBOUND,
                        Message.status.in_([Message.PENDING, Message.PROCESSING]),
                    )
                    .limit(1)
                ).first()
                status = Message.PENDING if waiting else Message.PROCESSING
            return _insert_inbound(session, conversation.id, text, external_id, status, payload)

    def add_system_replies(self, inbound: Message, texts: List[str], inline: bool) -> List[Message]:
        """Store fixed replies from the line itself (not the assistant) to `inbound`."""
        with self.sessions() as session:
            replies = [
                Message(
                    conversation_id=inbound.conversation_id,
                    direction=Message.OUTBOUND,
                    author="system",
                    body=text,
                    status=Message.READY,
                    reply_to_id=inbound.id,
                )
                for text in texts
            ]
            add_outbound(session, inbound.conversation_id, replies, inline)
            session.commit()
            return replies

    def erase(self, conversation_ids: List[int]) -> List[str]:
        """Delete these conversations, every message in them and Rasa's record of them."""
        if not conversation_ids:
            return []
        with self.sessions() as session:
            sender_ids = list(
                session.execute(
                    select(Conversation.sender_id).where(Conversation.id.in_(conversation_ids))
                ).scalars()
            )
            message_ids = select(Message.id).where(Message.conversation_id.in_(conversation_ids))
            for statement in (
                delete(Outbox).where(Outbox.message_id.in_(message_ids)),
                delete(Message).where(Message.conversation_id.in_(conversation_ids)),
                delete(Conversation).where(Conversation.id.in_(conversation_ids)),
            ):
                session.execute(statement.execution_options(synchronize_session=False))
            session.commit()
        if self.erase_trackers:
            self.erase_trackers(sender_ids)
        log.info("erased %d conversation(s) on request", len(sender_ids))
        return sender_ids

    # -- storage steps ------------------------------------------------------------------

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
                    Message.status.in_([Message.PENDING, Message.PROCESSING]),
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

    def _store_replies(
        self, message: Message, replies, channel: str, inline: bool
    ) -> List[Message]:
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
            add_outbound(session, message.conversation_id, stored, inline, channel)
            # The topic of the answer (for the action team's figures): the first reply's.
            topic = next((reply.topic for reply in replies if reply.topic), None)
            session.execute(
                update(Message)
                .where(Message.id == message.id)
                .values(status=Message.ANSWERED, answered_at=now, claimed_at=None, topic=topic)
            )
            session.commit()
            return stored

    def _safety_reply(self, message: Message, inline: bool) -> Message:
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
                body=safety_reply(),
                status=Message.READY,
                reply_to_id=message.id,
            )
            add_outbound(session, message.conversation_id, [reply], inline)
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
            first_per_conversation: dict[int, Message] = {}
            for message in rows:
                first_per_conversation.setdefault(message.conversation_id, message)
            return list(first_per_conversation.values())


def _insert_inbound(
    session: Session,
    conversation_id: int,
    text: str,
    external_id: str | None,
    status: str,
    payload: str | None = None,
) -> Message | None:
    """Insert and commit one inbound message (claimed when PROCESSING); None for a repeat."""
    now = utcnow()
    claimed = status == Message.PROCESSING
    message = Message(
        conversation_id=conversation_id,
        direction=Message.INBOUND,
        author="person",
        body=clean_text(text)[:MAX_TEXT],
        status=status,
        external_id=external_id,
        claimed_at=now if claimed else None,
        attempts=1 if claimed else 0,
        answered_at=now if status == Message.ANSWERED else None,
        payload=payload,
    )
    session.add(message)
    try:
        session.flush()  # a repeated external id (a provider's retry) fails here, first
    except IntegrityError:
        session.rollback()
        return None
    session.execute(
        update(Conversation).where(Conversation.id == conversation_id).values(last_activity_at=now)
    )
    session.commit()
    return message


def add_outbound(
    session: Session,
    conversation_id: int,
    messages: List[Message],
    inline: bool,
    channel: str | None = None,
) -> None:
    """Add outbound messages to `session`; on a push channel (SMS) also their outbox rows:
    already sent inline, or queued for the worker. The caller commits."""
    session.add_all(messages)
    if channel is None:
        channel = session.get(Conversation, conversation_id).channel
    if channel in PUSH_CHANNELS:
        session.flush()
        status = Outbox.INLINE if inline else Outbox.QUEUED
        session.add_all(Outbox(message_id=m.id, status=status) for m in messages)


def _answer_kept_for_navigator(session: Session, conversation_id: int) -> None:
    """Mark what the person sent while a navigator held the conversation as answered."""
    session.execute(
        update(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.status == Message.FOR_NAVIGATOR,
        )
        .values(status=Message.ANSWERED, answered_at=utcnow())
    )
