"""Carrier, privacy and check-in keywords that act before the assistant sees a message.

A keyword counts only as the whole message (one word, any case, surrounding punctuation
ignored): "STOP" opts out, "stop using" is a question for the assistant. Check-in keywords
may be a few words ("STOP CHECKINS"), still only as the whole message.
"""

from __future__ import annotations

import re

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
DELETE_WORDS = frozenset({"DELETE"})


def keyword(text: str | None) -> str | None:
    """ "stop", "start", "help", "delete", or None for an ordinary message."""
    word = (text or "").strip().strip(".!?,;:'\"()").strip().upper()
    if not word or " " in word:
        return None
    for name, words in (
        ("stop", STOP_WORDS),
        ("start", START_WORDS),
        ("help", HELP_WORDS),
        ("delete", DELETE_WORDS),
    ):
        if word in words:
            return name
    return None


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
