"""Shared fixtures: settings with test secrets, a migrated database, a scripted assistant."""

from __future__ import annotations

import os
import uuid
from typing import List

import pytest

from bot.assistant import AssistantUnavailable, Reply
from bot.checkins.schedule import CheckInSettings
from bot.checkins.service import CheckInService
from bot.conversations.service import ConversationService
from bot.db import make_engine, session_factory, upgrade
from bot.privacy import PhoneVault
from bot.settings import Settings
from bot.sms.service import SmsService

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


PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(params=["sqlite", "postgres"])
def url_of_each_kind(request, tmp_path):
    """A fresh, migrated database of each kind: SQLite, and a scratch PostgreSQL database
    (skipped when PostgreSQL is not reachable, except in CI, where that fails)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'helpline.db'}"
        upgrade(url)
        yield url
        return
    import psycopg2

    try:
        admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=3)
    except psycopg2.Error as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable: {error}")
        pytest.skip(f"PostgreSQL not reachable: {type(error).__name__}")
    admin.autocommit = True
    name = f"helpline_test_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


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
def checkins(conversations) -> CheckInService:
    """Check-ins on the default schedule (days 1, 3, 7, 14, 30; 10am-7pm New York)."""
    return CheckInService(conversations.sessions, CheckInSettings())


@pytest.fixture
def checkin_sms(conversations, checkins) -> SmsService:
    """The SMS channel with check-ins on."""
    vault = PhoneVault(TEST_SECRETS["HELPLINE_HMAC_KEY"], TEST_SECRETS["HELPLINE_ENCRYPTION_KEY"])
    return SmsService(conversations, vault, "Test County Helpline", checkins)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (rasa-sdk actions) run on asyncio, as the action server does."""
    return "asyncio"
