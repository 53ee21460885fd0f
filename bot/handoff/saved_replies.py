"""Saved replies: short texts admins keep, filled in for the conversation at hand; and what
the reply box tells a navigator while typing (SMS length, a gentle word check).

Placeholders are the lines' ({line_988}, domain/lines.yml) and {town}, which comes only
from the summary the person agreed to share. Every change is audited, as the other admin
actions are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List

from sqlalchemy import delete, select, update
from sqlalchemy.orm import sessionmaker

from bot.accounts.models import ADMIN, Navigator
from bot.content import GSM7_CHARS, GSM7_EXTENDED, fill_lines, lines, stigmatizing_terms
from bot.db import utcnow
from bot.handoff.errors import HandoffError, NotAllowed, NotFound
from bot.handoff.models import AuditEntry, Handoff, SavedReply
from bot.handoff.views import MAX_REPLY

MAX_TITLE = 80
PLACEHOLDER = re.compile(r"\{(\w+)\}")

# Words that heal (FACTS.md, NIDA "Words Matter"): what to say instead, by the word's stem.
INSTEAD: Dict[str, str] = {
    "addict": "person who uses drugs",
    "junk": "person who uses drugs",
    "user": "person who uses drugs",
    "abuser": "person with a substance use disorder",
    "abus": "substance use",
    "habit": "substance use",
    "clean": "in recovery, not using; a negative test",
    "dirty": "using; a positive test",
    "relaps": "return to use",
    "fell off the wagon": "return to use",
    "replac": "medication for opioid use disorder (MOUD)",
    "substitution": "medication for opioid use disorder (MOUD)",
    "suffer": "has, lives with",
    "victim": "has, lives with",
}
DEFAULT_INSTEAD = "person who uses drugs"


@dataclass(frozen=True)
class FilledReply:
    """A saved reply as a navigator inserts it into this conversation."""

    id: int
    title: str
    text: str
    # Why it cannot be inserted here (e.g. it names the town and none was shared).
    missing: str | None = None


def placeholders() -> List[str]:
    """Every placeholder a saved reply may use."""
    return sorted(lines()) + ["town"]


def check_body(body: str) -> str:
    """The body, stripped, or a HandoffError naming an unknown placeholder or a bad length."""
    body = body.strip()
    if not body or len(body) > MAX_REPLY:
        raise HandoffError(f"Write a reply of 1 to {MAX_REPLY} characters.")
    unknown = sorted(set(PLACEHOLDER.findall(body)) - set(placeholders()))
    if unknown:
        raise HandoffError(
            "Unknown placeholder: " + ", ".join("{" + name + "}" for name in unknown) + "."
        )
    return body


def fill(body: str, handoff: Handoff | None) -> FilledReply:
    """`body` with the lines and the person's town (consented summary only) filled in."""
    town = ""
    if handoff is not None and handoff.consented and handoff.summary:
        town = str(handoff.summary.get("town") or "")
    text = fill_lines(body)
    if "{town}" in text and not town:
        return FilledReply(0, "", text, "needs the town, which the person did not share")
    return FilledReply(0, "", text.replace("{town}", town))


class SavedReplies:
    """Admins add, change and delete saved replies; every navigator inserts them."""

    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions

    def all(self) -> List[SavedReply]:
        """Every saved reply, by title."""
        with self.sessions() as session:
            return list(
                session.execute(select(SavedReply).order_by(SavedReply.title, SavedReply.id))
                .scalars()
                .all()
            )

    def for_handoff(self, handoff: Handoff) -> List[FilledReply]:
        """Every saved reply filled in for this conversation."""
        filled = []
        for reply in self.all():
            done = fill(reply.body, handoff)
            filled.append(FilledReply(reply.id, reply.title, done.text, done.missing))
        return filled

    def add(self, admin: Navigator, title: str, body: str) -> SavedReply:
        """A new saved reply (admins only; audited)."""
        title, body = _title(admin, title), check_body(body)
        with self.sessions() as session:
            reply = SavedReply(title=title, body=body)
            session.add(reply)
            session.flush()
            session.add(_entry(admin, "saved_reply_add", reply.id))
            session.commit()
            return reply

    def change(self, admin: Navigator, reply_id: int, title: str, body: str) -> None:
        """Change a saved reply's title and text (admins only; audited)."""
        title, body = _title(admin, title), check_body(body)
        with self.sessions() as session:
            changed = session.execute(
                update(SavedReply)
                .where(SavedReply.id == reply_id)
                .values(title=title, body=body, updated_at=utcnow())
            ).rowcount
            if not changed:
                raise NotFound("No such saved reply.")
            session.add(_entry(admin, "saved_reply_edit", reply_id))
            session.commit()

    def remove(self, admin: Navigator, reply_id: int) -> None:
        """Delete a saved reply (admins only; audited)."""
        _admin(admin)
        with self.sessions() as session:
            if not session.execute(delete(SavedReply).where(SavedReply.id == reply_id)).rowcount:
                raise NotFound("No such saved reply.")
            session.add(_entry(admin, "saved_reply_delete", reply_id))
            session.commit()


def _admin(navigator: Navigator) -> None:
    if navigator.role != ADMIN:
        raise NotAllowed("Only admins change saved replies.")


def _title(admin: Navigator, title: str) -> str:
    _admin(admin)
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise HandoffError(f"Give the saved reply a title of 1 to {MAX_TITLE} characters.")
    return title


def _entry(admin: Navigator, action: str, reply_id: int) -> AuditEntry:
    return AuditEntry(navigator_id=admin.id, action=action, detail=f"saved reply {reply_id}")


# -- what the reply box shows while a navigator types ----------------------------------------


@dataclass(frozen=True)
class SmsLength:
    """How a text goes out by SMS: its encoding, length in characters and segments."""

    encoding: str  # "GSM-7" or "UCS-2"
    characters: int
    segments: int


def sms_length(text: str) -> SmsLength:
    """GSM-7 when every character is in its alphabet (the extension table's count twice):
    160 in one text, 153 a segment when split; otherwise UCS-2: 70, then 67 a segment."""
    if all(char in GSM7_CHARS or char in GSM7_EXTENDED for char in text):
        units = sum(2 if char in GSM7_EXTENDED else 1 for char in text)
        single, split, encoding = 160, 153, "GSM-7"
    else:
        # UTF-16 code units: an emoji counts twice.
        units = len(text.encode("utf-16-le")) // 2
        single, split, encoding = 70, 67, "UCS-2"
    segments = 0 if units == 0 else 1 if units <= single else -(-units // split)
    return SmsLength(encoding, units, segments)


def word_note(text: str) -> str | None:
    """A gentle note when a reply uses a stigmatizing word (never a refusal), or None."""
    found = list(dict.fromkeys(term.lower() for term in stigmatizing_terms(text)))
    if not found:
        return None
    suggestions = list(dict.fromkeys(instead(term) for term in found))
    quoted = ", ".join(f'"{term}"' for term in found)
    return (
        f"A gentle note: {quoted} can feel stigmatizing to people who use drugs. Next time, "
        f"try: {'; '.join(suggestions)}."
    )


def instead(term: str) -> str:
    """The words that heal for a stigmatizing term."""
    term = term.lower()
    return next((words for stem, words in INSTEAD.items() if stem in term), DEFAULT_INSTEAD)
