"""The review's fixtures: staff accounts and a way to have the assistant answer a message
with a given label and confidence, through the real message path."""

from __future__ import annotations

from typing import Callable

import pytest

from bot.accounts.models import ADMIN, NAVIGATOR, SUPERVISOR
from bot.assistant import Reply
from bot.conversations.models import Message
from tests.support import PASSWORD


@pytest.fixture
def staff(services) -> dict:
    """A navigator, a supervisor and an admin, all with PASSWORD."""
    return {
        name: services.accounts.create(f"{name}@example.org", name.title(), PASSWORD, role)
        for name, role in (("ana", NAVIGATOR), ("sue", SUPERVISOR), ("ada", ADMIN))
    }


@pytest.fixture
def said(services, assistant) -> Callable[..., Message]:
    """`said(text, label, confidence, topic)`: a person sends `text` on the web chat and the
    assistant answers it as `label` with `confidence` (topic "fallback": the menu)."""

    def say(text: str, label: str, confidence: float, topic: str = "treatment") -> Message:
        assistant.script[text] = [Reply(f"about {label}", [], topic, label, confidence)]
        conversation = services.conversations.start("web")
        message = services.conversations.record(conversation, text)
        assert message is not None
        services.conversations.answer(message, claimed=True)
        return message

    return say
