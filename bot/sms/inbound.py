"""Inbound texts: the carrier's keywords, opt-out and erasure, then the shared message path.

The Flask view only checks the provider's signature and renders TwiML. Here a text finds
its contact and conversation and takes the path every message takes
(bot/conversations/inbound.py); `CarrierKeywords` is the SMS channel's first step on it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable, List

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content import fill_lines
from bot.conversations.inbound import InboundPath, Kept
from bot.conversations.keywords import keyword, keyword_language
from bot.conversations.messages import mark, send
from bot.conversations.models import Conversation, Message, Outbox
from bot.conversations.service import ConversationService, Outcome
from bot.sms.contacts import ContactBook, forget_phone, opted_out, set_opt_out

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
    "delete_failed": (
        "Sorry, we could not erase this conversation just now. Nothing was removed yet. "
        "Please text DELETE again in a few minutes."
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
# The same texts for the Spanish keywords (ALTO, AYUDA, BORRAR): GSM-7 too, so no accented
# a, i, o or u (they would cut each SMS to 70 characters), and two segments at most.
TEXTS_ES = {
    "help": (
        "{operator}: textos gratis y sin dar tu nombre de sobredosis, naloxona y "
        "tratamiento. Sobredosis ahora: llama al {line_911}. Crisis: llama al {line_988_es} "
        "o manda {line_988_es_text}. Una persona 24/7 en español: {line_samhsa}. Responde "
        "ALTO para no recibir textos, BORRAR para borrar este chat."
    ),
    "stop": (
        "Listo: ya no te vamos a mandar textos. Responde START para volver a escribirnos. "
        "Sobredosis ahora: llama al {line_911}."
    ),
    "delete_failed": (
        "Lo sentimos: ahora no pudimos borrar este chat y todo sigue como estaba. Manda "
        "BORRAR otra vez en unos minutos."
    ),
    "delete": (
        "Listo: borramos este chat. No guardamos nada de esto. Puedes escribirnos cuando quieras."
    ),
}


@dataclass(frozen=True)
class InboundSms:
    """What the provider told us about one inbound text."""

    phone: str
    body: str
    message_sid: str
    num_media: int = 0


def sms_text(name: str, operator: str, language: str | None = None) -> str:
    """One of the channel's fixed texts, with the configured lines and operator; the
    Spanish one for a Spanish keyword when it has one."""
    texts = TEXTS_ES if language == "es" and name in TEXTS_ES else TEXTS
    return fill_lines(texts[name].replace("{operator}", operator))


class CarrierKeywords:
    """The first SMS step: STOP, START, HELP and DELETE, opted-out numbers, empty texts.

    `end_checkins(session, contact_id)` ends the phone's check-ins in STOP's transaction.
    `erase_copies(message_ids)` deletes the provider's copies of texts after DELETE; it
    runs in the background (one API call per text), after the person has their answer.
    """

    def __init__(
        self,
        conversations: ConversationService,
        operator: str,
        end_checkins: Callable[[Session, int], object] | None = None,
        erase_copies: Callable[[List[str]], object] | None = None,
    ) -> None:
        self.erase_copies = erase_copies
        self.copies_job: threading.Thread | None = None
        self.conversations = conversations
        self.sessions = conversations.sessions
        self.operator = operator
        self.end_checkins = end_checkins

    def __call__(self, kept: Kept) -> Outcome | None:
        """Answer a carrier keyword or an opted-out number's text; let the rest through."""
        message, contact_id = kept.message, kept.conversation.contact_id
        word, language = keyword(message.body), keyword_language(message.body)
        if contact_id is not None and word in ("stop", "start"):
            return self._opt(kept, contact_id, stop=word == "stop", language=language)
        if word == "delete":
            # Erasure works whatever the opt-out state (STOP itself stays honoured).
            return self._erase(kept, language)
        with self.sessions() as session:
            if opted_out(session, contact_id):
                # Opted out: keep what they sent, send nothing until START.
                mark(session, message.id, Message.SUPPRESSED)
                session.commit()
                return Outcome(message, [])
        if word == "help":
            return self._reply(kept, "help", language)
        if not (message.body or "").strip():
            return self._reply(kept, "media" if kept.num_media else "empty")
        if kept.num_media:
            # Said in words and sent a picture too: the words are answered, after a notice.
            kept.before += self.conversations.reply(
                message, [self.text("media")], inline=True, status=None
            )
        return None

    def text(self, name: str, language: str | None = None) -> str:
        """A fixed text with this line's operator name (in Spanish for "es")."""
        return sms_text(name, self.operator, language)

    def _opt(self, kept: Kept, contact_id: int, stop: bool, language: str | None = None) -> Outcome:
        """STOP or START, with its reply, in one transaction (STOP ends check-ins too)."""
        with self.sessions() as session:
            set_opt_out(session, contact_id, stop)
            if stop and self.end_checkins is not None:
                self.end_checkins(session, contact_id)
            mark(session, kept.message.id, Message.ANSWERED)
            replies = send(
                session, kept.conversation.id, [self.text("stop" if stop else "start", language)],
                reply_to_id=kept.message.id, inline=True, channel="sms",
            )  # fmt: skip
            session.commit()
        return Outcome(kept.message, replies)

    def _reply(self, kept: Kept, name: str, language: str | None = None) -> Outcome:
        return Outcome(
            kept.message, self.conversations.reply(kept.message, [self.text(name, language)], True)
        )

    def _erase(self, kept: Kept, language: str | None = None) -> Outcome:
        """Erase every conversation of this phone, and the phone itself.

        Nothing of it is kept, the DELETE text and its reply included, except what an
        opt-out needs: the keyed hash and the time of STOP, so STOP stays honoured. When
        the erasure cannot be done now, nothing is half-erased and the person is told.
        """
        contact_id = kept.conversation.contact_id
        with self.sessions() as session:
            ids = list(
                session.execute(
                    select(Conversation.id).where(Conversation.contact_id == contact_id)
                ).scalars()
            ) or [kept.conversation.id]
            copies = provider_ids(session, ids)
        try:
            self.conversations.erase(ids)
        except Exception:  # the tracker store is down: the rows are all still there
            log.exception("erasure failed; the person was asked to send DELETE again")
            return self._reply(kept, "delete_failed", language)
        if contact_id is not None:
            with self.sessions() as session:
                forget_phone(session, contact_id)
                session.commit()
        if self.erase_copies is not None and copies:
            self.copies_job = threading.Thread(
                target=_erase_copies,
                args=(self.erase_copies, copies),
                name="erase-copies",
                daemon=True,
            )
            self.copies_job.start()
        reply = Message(
            direction=Message.OUTBOUND, author="system", body=self.text("delete", language)
        )
        return Outcome(kept.message, [reply])


def _erase_copies(erase: Callable[[List[str]], object], copies: List[str]) -> None:
    try:
        erase(copies)
    except Exception:  # best effort: the person's own data here is already gone
        log.exception("the provider's copies could not all be deleted")


def provider_ids(session: Session, conversation_ids: List[int]) -> List[str]:
    """The provider's ids of every text in these conversations, in and out."""
    inbound = session.execute(
        select(Message.external_id).where(
            Message.conversation_id.in_(conversation_ids), Message.external_id.is_not(None)
        )
    ).scalars()
    outbound = session.execute(
        select(Outbox.provider_id)
        .join(Message, Message.id == Outbox.message_id)
        .where(Message.conversation_id.in_(conversation_ids), Outbox.provider_id.is_not(None))
    ).scalars()
    return [sid for sid in [*inbound, *outbound] if sid]


class SmsInbound:
    """One inbound text: its contact and conversation, then the shared path."""

    def __init__(self, contacts: ContactBook, path: InboundPath) -> None:
        self.contacts = contacts
        self.path = path

    def handle(self, sms: InboundSms) -> List[str]:
        """Keep the text, act on it, and return what to answer inline (maybe nothing)."""
        contact = self.contacts.contact(sms.phone)
        conversation = self.contacts.conversation(contact)
        outcome = self.path.handle(conversation, sms.body, sms.message_sid, sms.num_media)
        if outcome.duplicate:
            return []  # a retry of a text we already answered
        return [reply.body or "" for reply in outcome.replies]
