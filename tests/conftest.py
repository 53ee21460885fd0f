"""Fixtures every feature shares: a migrated database, settings, and the real services over
it with Rasa, Twilio and the tracker store replaced (tests/support.py)."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest

from bot.bootstrap import Services
from bot.db import upgrade
from bot.settings import Settings
from tests.support import (
    RecordingSender,
    ScriptedAssistant,
    TrackerEraser,
    make_services,
    make_settings,
)

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """One SQLite database migrated once per run; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "helpline.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(tmp_path, migrated_template) -> str:
    """A fresh, migrated SQLite database (a copy of the template)."""
    path = tmp_path / "helpline.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgres"])
def url_of_each_kind(request, tmp_path, migrated_template):
    """A fresh, migrated database of each kind: SQLite, and a scratch PostgreSQL database
    (skipped when PostgreSQL is not reachable, except in CI, where that fails)."""
    if request.param == "sqlite":
        path = tmp_path / "helpline.db"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite:///{path}"
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
    """Settings as a process would read them, with test secrets (features override it)."""
    return make_settings(database_url)


@pytest.fixture
def assistant() -> ScriptedAssistant:
    """A scripted assistant that is up until a test takes it down."""
    return ScriptedAssistant()


@pytest.fixture
def sender() -> RecordingSender:
    """What would go to Twilio."""
    return RecordingSender()


@pytest.fixture
def trackers() -> TrackerEraser:
    """Rasa's tracker store, as far as erasure goes."""
    return TrackerEraser()


@pytest.fixture
def services(settings, assistant, sender, trackers) -> Services:
    """The real services over the test database."""
    return make_services(settings, assistant, sender, trackers)


@pytest.fixture
def conversations(services):
    """The message records and the assistant step."""
    return services.conversations


@pytest.fixture
def inbound(services):
    """The path every inbound message takes (record, the channel's steps, the assistant)."""
    return services.inbound


@pytest.fixture
def sms(services):
    """The SMS channel (carrier and check-in keywords, then the assistant)."""
    return services.sms


@pytest.fixture
def checkins(services):
    """Check-ins on the default schedule (days 1, 3, 7, 14, 30; 10am-7pm New York)."""
    return services.checkins


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (rasa-sdk actions) run on asyncio, as the action server does."""
    return "asyncio"


@pytest.fixture
def sending(services):
    """The worker's side of check-ins: sending due ones."""
    return services.checkin_sending
