"""Building blocks of the message path: the one way to make an outbound message, to queue
it for SMS, to insert an inbound message, and to mark one answered.

Every function here works inside the caller's session and never commits, so a use case
(a navigator's reply and its audit row, STOP and the check-ins it ends) commits its change
and its messages together.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import List, Sequence

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.content import fill_lines
from bot.conversations.models import Conversation, Message, Outbox
from bot.db import utcnow

# Hard cap on what the assistant is given; channels tell people about their own limits.
MAX_TEXT = 1600

# Sent when the assistant cannot answer: plain GSM-7 text, under 320 characters.
SAFETY_TEMPLATE = (
    "Sorry, our assistant is not available right now. If someone may be overdosing, "
    "call {line_911} now and give naloxone. For a mental health crisis call or text "
    "{line_988}. Treatment help 24/7: {line_samhsa}. We kept your message and will answer "
    "here soon."
)

# Which of Rasa's channel-specific response variations each channel shows. The terminal
# chat is for staff trying the line: it shows what a person texting would see.
RASA_CHANNELS = {"sms": "sms", "web": "webchat", "terminal": "sms"}

# Channels whose messages must be pushed through the SMS provider when not answered inline:
# people's texts, and the send-only thread of alerts to the on-call navigator.
PUSH_CHANNELS = frozenset({"sms", "alert"})

# Characters no channel can carry (C0 controls but tab/newline, lone surrogates, U+FFFE/F).
_UNSENDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@lru_cache(maxsize=1)
def safety_reply() -> str:
    """The fixed safety reply, with the configured phone lines."""
    return fill_lines(SAFETY_TEMPLATE)


def clean_text(text: str) -> str:
    """`text` without characters that XML (TwiML) and JSON channels cannot carry."""
    return _UNSENDABLE.sub("", text)


def outbound(
    conversation_id: int,
    body: str,
    author: str = "system",
    reply_to_id: int | None = None,
    buttons: List[dict] | None = None,
) -> Message:
    """A message to the person from `author` (assistant, system or navigator)."""
    return Message(
        conversation_id=conversation_id,
        direction=Message.OUTBOUND,
        author=author,
        body=clean_text(body),
        buttons=buttons or None,
        status=Message.READY,
        reply_to_id=reply_to_id,
    )


def add_outbound(
    session: Session,
    conversation_id: int,
    messages: Sequence[Message],
    inline: bool,
    channel: str | None = None,
) -> None:
    """Add outbound messages to `session`; on a push channel (SMS) also their outbox rows:
    already sent inline, or queued for the worker."""
    session.add_all(messages)
    if channel is None:
        channel = session.get(Conversation, conversation_id).channel
    if channel in PUSH_CHANNELS:
        session.flush()
        status = Outbox.INLINE if inline else Outbox.QUEUED
        session.add_all(Outbox(message_id=m.id, status=status) for m in messages)


def send(
    session: Session,
    conversation_id: int,
    texts: Sequence[str],
    author: str = "system",
    reply_to_id: int | None = None,
    inline: bool = False,
    channel: str | None = None,
) -> List[Message]:
    """Build, add and (on SMS) queue one outbound message per text; return them."""
    messages = [outbound(conversation_id, text, author, reply_to_id) for text in texts]
    add_outbound(session, conversation_id, messages, inline, channel)
    return messages


def insert_inbound(
    session: Session,
    conversation_id: int,
    text: str,
    external_id: str | None,
    status: str,
    payload: str | None = None,
) -> Message | None:
    """Insert one inbound message and flush it (claimed when PROCESSING); None for a repeat
    of `external_id`, after which the session is rolled back."""
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
    return message


def mark(session: Session, message_id: int, status: str, **values) -> None:
    """Set an inbound message's status; ANSWERED also stamps when and releases the claim."""
    if status == Message.ANSWERED:
        values.setdefault("answered_at", utcnow())
        values.setdefault("claimed_at", None)
    session.execute(update(Message).where(Message.id == message_id).values(status=status, **values))


def answer_kept_for_navigator(session: Session, conversation_id: int) -> None:
    """Mark what the person sent while a navigator held the conversation as answered."""
    session.execute(
        update(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.status == Message.FOR_NAVIGATOR,
        )
        .values(status=Message.ANSWERED, answered_at=utcnow())
    )
