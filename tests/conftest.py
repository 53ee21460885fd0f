"""Shared fixtures: settings with test secrets, a migrated database, a scripted assistant."""

from __future__ import annotations

import os
from typing import List

import pytest

from bot.assistant import AssistantUnavailable, Reply
from bot.conversations import ConversationService
from bot.db import make_engine, session_factory, upgrade
from bot.settings import Settings

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

TEST_SECRETS = {
    "RASA_TOKEN": "test-token",
    "HELPLINE_SECRET_KEY": "test-secret-key",
    "HELPLINE_HMAC_KEY": "test-hmac-key",
    "HELPLINE_ENCRYPTION_KEY": "8Zz0WZQm8mP6nBLs0X8sZQf3cSRV8hDq2Q8fE3rP5-M=",
}


@pytest.fixture
def database_url(tmp_path) -> str:
    """A fresh, migrated SQLite database."""
    url = f"sqlite:///{tmp_path / 'helpline.db'}"
    upgrade(url)
    return url


@pytest.fixture
def settings(database_url) -> Settings:
    """Settings as a process would read them, with test secrets."""
    return Settings.from_env({**TEST_SECRETS, "DATABASE_URL": database_url})


class ScriptedAssistant:
    """Stands in for Rasa: answers from a script, or is down."""

    def __init__(self) -> None:
        self.down = False
        self.actions_down = False
        self.received: List[tuple] = []

    def action_server_up(self) -> bool:
        return not self.actions_down

    def status(self):
        return None if self.down else {"model_id": "test-model", "model_file": "test.tar.gz"}

    def send(self, sender_id: str, text: str, input_channel: str = "sms") -> List[Reply]:
        if self.down:
            raise AssistantUnavailable("scripted outage")
        self.received.append((sender_id, text, input_channel))
        return [Reply(text=f"echo: {text}", buttons=[{"title": "More", "payload": "/more"}])]


@pytest.fixture
def assistant() -> ScriptedAssistant:
    """A scripted assistant that is up until a test takes it down."""
    return ScriptedAssistant()


@pytest.fixture
def conversations(database_url, assistant) -> ConversationService:
    """The real message path over the test database and the scripted assistant."""
    return ConversationService(session_factory(make_engine(database_url)), assistant)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (rasa-sdk actions) run on asyncio, as the action server does."""
    return "asyncio"
