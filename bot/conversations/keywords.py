"""Carrier, privacy and check-in keywords that act before the assistant sees a message.

A keyword counts only as the whole message (one word, any case, surrounding punctuation
ignored): "STOP" opts out, "stop using" is a question for the assistant. The Spanish ones
(ALTO, PARAR, CANCELAR, BASTA; AYUDA; BORRAR) act the same and are answered in Spanish.
Check-in keywords may be a few words ("STOP CHECKINS"), still only as the whole message.
"""

from __future__ import annotations

import re

# Twilio's own default opt-out keywords (it blocks the number for each of them), so the
# gateway's opt-out always agrees with Twilio's.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
DELETE_WORDS = frozenset({"DELETE"})
# The same keywords in Spanish; their replies are in Spanish (bot/sms/inbound.py). Twilio's
# own opt-out list is English only, so for these the gateway's opt-out is the only one.
SPANISH_STOP_WORDS = frozenset({"ALTO", "PARAR", "CANCELAR", "BASTA"})
SPANISH_HELP_WORDS = frozenset({"AYUDA"})
SPANISH_DELETE_WORDS = frozenset({"BORRAR"})

_KEYWORDS = (
    ("stop", STOP_WORDS | SPANISH_STOP_WORDS),
    ("start", START_WORDS),
    ("help", HELP_WORDS | SPANISH_HELP_WORDS),
    ("delete", DELETE_WORDS | SPANISH_DELETE_WORDS),
)
_SPANISH = SPANISH_STOP_WORDS | SPANISH_HELP_WORDS | SPANISH_DELETE_WORDS


def _word(text: str | None) -> str:
    """The whole message as one upper-case word ("" when it is more than one)."""
    word = (text or "").strip().strip(".!?,;:'\"()¡¿").strip().upper()
    return "" if " " in word else word


def keyword(text: str | None) -> str | None:
    """ "stop", "start", "help", "delete", or None for an ordinary message."""
    word = _word(text)
    if not word:
        return None
    for name, words in _KEYWORDS:
        if word in words:
            return name
    return None


def keyword_language(text: str | None) -> str | None:
    """ "es" for a Spanish keyword (ALTO, AYUDA, BORRAR...), else None (English)."""
    return "es" if _word(text) in _SPANISH else None


# Check-in keywords, matched against the whole message (case, punctuation and hyphens ignored).
CHECKIN_KEYWORDS = {
    "optin": {"CHECKIN", "CHECK IN", "CHECKINS", "CHECK ON ME"},
    "pause": {"PAUSE", "PAUSE CHECKINS"},
    "resume": {"RESUME", "UNPAUSE", "RESUME CHECKINS"},
    "cancel": {
        "STOP CHECKINS", "END CHECKINS", "NO CHECKINS", "NO MORE CHECKINS", "CANCEL CHECKINS",
        "CHECKINS OFF",
    },
}  # fmt: skip
# ("CHECK INS" and "CHECK-INS" are read as CHECKINS first.)
_NOT_WORD = re.compile(r"[^A-Z0-9 ]+")


def checkin_keyword(text: str | None) -> str | None:
    """ "optin", "pause", "resume", "cancel", or None for an ordinary message."""
    words = " ".join(_NOT_WORD.sub(" ", (text or "").upper().replace("-", " ")).split())
    words = words.replace("CHECK INS", "CHECKINS")
    for name, phrases in CHECKIN_KEYWORDS.items():
        if words in phrases:
            return name
    return None
