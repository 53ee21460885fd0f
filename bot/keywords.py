"""Carrier and privacy keywords that act before the assistant sees a message.

A keyword counts only as the whole message (one word, any case, surrounding punctuation
ignored): "STOP" opts out, "stop using" is a question for the assistant.
"""

from __future__ import annotations

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
