"""Conversations and their messages: keep what the person sent, answer it with the assistant.

A person's message is committed before anything else happens (`record`). If the assistant
cannot answer, the person gets a fixed safety reply at once and the message stays pending;
the worker answers it when the assistant is back. Messages of one conversation are answered
in the order they arrived. The steps between recording and answering (keywords) live in
bot/conversations/inbound.py.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, List, Sequence, Tuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import sessionmaker

from bot.assistant import AssistantClient, AssistantUnavailable
from bot.conversations.messages import (
    RASA_CHANNELS,
    add_outbound,
    clean_text,
    insert_inbound,
    mark,
    outbound,
    safety_reply,
    send,
)
from bot.conversations.models import Conversation, Message, Outbox
from bot.crisis import Crisis, assess
from bot.db import utcnow

log = logging.getLogger(__name__)

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
    # The assistant is still answering: what it says arrives later (poll, or the outbox).
    following: bool = False


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

    def get(self, conversation_id: int) -> Conversation | None:
        """The conversation with this id, if it still exists."""
        with self.sessions() as session:
            return session.get(Conversation, conversation_id)

    def record(
        self,
        conversation: Conversation,
        text: str,
        external_id: str | None = None,
        crisis: Crisis | None | bool = True,
    ) -> Message | None:
        """Commit one inbound message, first of all; None when `external_id` was already kept.

        In the same transaction it is claimed for this process when nothing older waits,
        or kept for the navigator who holds the conversation (unless it is a crisis, which
        the assistant answers whoever holds it). `crisis` is what the crisis check found in
        `text` when the caller has run it already (True: run it here).
        """
        if crisis is True:
            crisis = assess(text)
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
            message = insert_inbound(session, conversation.id, text, external_id, status)
            if message is not None:
                session.commit()
            return message

    def by_external_id(self, external_id: str) -> Message:
        """The inbound message a provider's id was first kept as."""
        with self.sessions() as session:
            return session.execute(
                select(Message).where(Message.external_id == external_id)
            ).scalar_one()

    def reply(
        self,
        message: Message,
        texts: Sequence[str],
        inline: bool,
        status: str | None = Message.ANSWERED,
        author: str = "system",
    ) -> List[Message]:
        """Answer `message` with fixed texts from the line itself (or, for an emergency's
        first reply, the assistant's own words), and settle it as `status` (None: leave it
        for the next step)."""
        with self.sessions() as session:
            if status is not None:
                mark(session, message.id, status)
            replies = send(
                session, message.conversation_id, texts, author=author,
                reply_to_id=message.id, inline=inline,
            )  # fmt: skip
            session.commit()
            return replies

    def set_status(self, message: Message, status: str) -> None:
        """Settle a message without a reply (kept from a number that opted out)."""
        with self.sessions() as session:
            mark(session, message.id, status)
            session.commit()

    def set_payload(self, message: Message, payload: str) -> Message:
        """What the assistant is given instead of the text (a check-in menu choice)."""
        with self.sessions() as session:
            session.execute(update(Message).where(Message.id == message.id).values(payload=payload))
            session.commit()
            return session.get(Message, message.id)

    def answer(
        self,
        message: Message,
        inline: bool = False,
        sender: Tuple[str, str] | None = None,
        claimed: bool = False,
    ) -> Outcome:
        """Answer one inbound message with the assistant, unless an older one must go first.

        Replies on a push channel (SMS) that are not shown inline go to the outbox.
        `sender` (opaque id, channel) saves a look-up when the caller has it; `claimed`
        says this process already holds the message (record() or claim() took it).
        """
        if message.status == Message.FOR_NAVIGATOR:
            return Outcome(message, [])  # the navigator answers; the assistant stays silent
        claim = "claimed" if claimed else self.claim(message.id)
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

    def answer_urgent(
        self,
        message: Message,
        first: str,
        wait: float,
        sender: Tuple[str, str],
        claimed: bool = False,
    ) -> Outcome:
        """Answer an emergency without letting it wait behind everyone else's messages.

        The assistant is asked as usual. If it answers within `wait` seconds, that answer
        is given, as `answer` would. If not, the person gets `first` (the emergency reply's
        first message: 911 and naloxone, or 988) at once, and the assistant's answer, when
        it comes, is stored without repeating it: shown at the next poll on the web, queued
        for the outbox on SMS. If the assistant fails after that, the message goes back to
        the worker, which answers it when the assistant is back.
        """
        claim = "claimed" if claimed else self.claim(message.id)
        if claim != "claimed":
            return self.answer(message, inline=True, sender=sender, claimed=False)
        sender_id, channel = sender
        text = message.payload or message.body or ""
        lock = threading.Lock()
        done = threading.Event()
        box: dict = {"late": False}

        def ask() -> None:
            replies, error = None, None
            try:
                replies = self.assistant.send(sender_id, text, RASA_CHANNELS[channel])
            except AssistantUnavailable as exc:
                error = exc
            with lock:
                box.update(replies=replies, error=error)
                late = box["late"]
                done.set()
            if not late:
                return  # the request thread stores it
            try:
                if error is not None:
                    log.warning("assistant unavailable for message %s: %s", message.id, error)
                    self._release(message.id)
                else:
                    self._store_replies(message, replies, channel, inline=False)
            except Exception:
                log.exception("storing the late answer to message %s failed", message.id)
                self._release(message.id)

        threading.Thread(target=ask, name=f"urgent-{message.id}", daemon=True).start()
        done.wait(wait)
        with lock:
            late = box["late"] = not done.is_set()
            if late:
                # Stored before the assistant's late answer can be, so that one skips it.
                replies = self.reply(message, [first], inline=True, status=None, author="assistant")
        if late:
            return Outcome(message, replies, answered=False, following=True)
        if box["error"] is not None:
            log.warning("assistant unavailable for message %s: %s", message.id, box["error"])
            self._release(message.id)
            reply = self._safety_reply(message, inline=True)
            return Outcome(message, [reply], answered=False, assistant_down=True)
        return Outcome(message, self._store_replies(message, box["replies"], channel, True))

    def pending(self, limit: int = 50) -> List[Message]:
        """The oldest unanswered inbound message of each conversation, oldest first."""
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

    def history(self, conversation: Conversation, after_id: int = 0) -> List[Message]:
        """The whole conversation after message `after_id`, in order: what the person sent
        and what they were sent (the web chat shows it again after a reload)."""
        with self.sessions() as session:
            return list(
                session.execute(
                    select(Message)
                    .where(Message.conversation_id == conversation.id, Message.id > after_id)
                    .order_by(Message.id)
                ).scalars()
            )

    def erase(self, conversation_ids: List[int]) -> List[str]:
        """Delete these conversations, every message in them and Rasa's record of them
        (Rasa's first, so a failure there leaves everything in place to try again)."""
        if not conversation_ids:
            return []
        with self.sessions() as session:
            sender_ids = list(
                session.execute(
                    select(Conversation.sender_id).where(Conversation.id.in_(conversation_ids))
                ).scalars()
            )
            if self.erase_trackers:
                # Rasa's copy first: if its store is down, nothing here is gone either.
                self.erase_trackers(sender_ids)
            message_ids = select(Message.id).where(Message.conversation_id.in_(conversation_ids))
            for statement in (
                delete(Outbox).where(Outbox.message_id.in_(message_ids)),
                delete(Message).where(Message.conversation_id.in_(conversation_ids)),
                delete(Conversation).where(Conversation.id.in_(conversation_ids)),
            ):
                session.execute(statement.execution_options(synchronize_session=False))
            session.commit()
        log.info("erased %d conversation(s) on request", len(sender_ids))
        return sender_ids

    # -- answering steps ----------------------------------------------------------------

    def claim(self, message_id: int) -> str:
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
                # Not evaluated against the loaded row: SQLite hands its times back naive.
                .execution_options(synchronize_session=False)
            )
            session.commit()
            return "claimed" if result.rowcount == 1 else "busy"

    def _release(self, message_id: int) -> None:
        with self.sessions() as session:
            mark(session, message_id, Message.PENDING, claimed_at=None)
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
        with self.sessions() as session:
            # An emergency's first message may have gone out already (answer_urgent).
            sent = set(
                session.execute(
                    select(Message.body).where(
                        Message.reply_to_id == message.id, Message.direction == Message.OUTBOUND
                    )
                ).scalars()
            )
            stored = [
                outbound(message.conversation_id, r.text, "assistant", message.id, r.buttons)
                for r in replies
                if clean_text(r.text) not in sent
            ]
            add_outbound(session, message.conversation_id, stored, inline, channel)
            # The topic of the answer (for the action team's figures): the first reply's;
            # what was understood, and how surely, for the review of what went unanswered.
            topic = next((reply.topic for reply in replies if reply.topic), None)
            understood = next((reply for reply in replies if reply.confidence is not None), None)
            mark(
                session, message.id, Message.ANSWERED, topic=topic,
                answer_label=understood.label if understood else None,
                confidence=understood.confidence if understood else None,
            )  # fmt: skip
            session.commit()
            return stored

    def _safety_reply(self, message: Message, inline: bool) -> Message:
        """Store and return the fixed safety reply, once per pending message."""
        with self.sessions() as session:
            # .first(): the gateway and the worker may both have stored one at the same
            # moment; either will do, and neither may crash the other.
            existing = (
                session.execute(
                    select(Message)
                    .where(Message.reply_to_id == message.id, Message.author == "system")
                    .order_by(Message.id)
                )
                .scalars()
                .first()
            )
            if existing is not None:
                return existing
            (reply,) = send(
                session, message.conversation_id, [safety_reply()], reply_to_id=message.id,
                inline=inline,
            )  # fmt: skip
            session.commit()
            return reply
