"""Runs the real helpline (Rasa, action server, gateway, worker) once per profile.

Profiles: the embedded SQLite defaults, and PostgreSQL + Redis (the production profile).
Each profile gets its own databases and free ports, so a `make run` on this machine does
not get in the way. In CI the production profile must run: missing services fail there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bot.settings import ROOT
from tests.harness import CHROMIUM_FLAGS, Helpline, free_port, require_chromium
from tests.integration.support import TWILIO_TEST_TOKEN
from tests.support import TEST_SECRETS

MODEL = ROOT / "models" / "helpline.tar.gz"
SHARED_DATA = ROOT.parent / "shared" / "data"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _postgres_profile(tmp: Path):
    """Two fresh PostgreSQL databases and a Redis database; None when unavailable."""
    import psycopg2
    import redis

    suffix = uuid.uuid4().hex[:8]
    names = (f"helpline_it_{suffix}", f"helpline_it_tracker_{suffix}")
    try:
        admin = psycopg2.connect(PG_ADMIN_URL)
        redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    except Exception as error:  # noqa: BLE001 - any failure means the services are absent
        return None, str(error)
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    env = {
        "DATABASE_URL": f"{base}/{names[0]}",
        "TRACKER_DATABASE_URL": f"{base}/{names[1]}",
        "REDIS_URL": REDIS_TEST_URL,
    }

    def drop():
        with admin.cursor() as cursor:
            for name in names:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return (env, drop), None


def _import_directory(env) -> bool:
    """Load the real national MOUD list through the project's own import command."""
    source = SHARED_DATA / "moud-us-2020.csv"
    if not source.exists():
        return False
    subprocess.run(
        [str(Path(sys.executable).parent / "helpline"), "directory", "import", "--format", "moud",
         "--verified-on", "2020-09-01", "--from", str(source)],
        env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return True


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def helpline(request, tmp_path_factory):
    """A running helpline for one profile (the same tests run against both)."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make setup` first")
    tmp = tmp_path_factory.mktemp(request.param)
    cleanup = None
    if request.param == "sqlite":
        profile = {
            "DATABASE_URL": f"sqlite:///{tmp / 'helpline.db'}",
            "TRACKER_DATABASE_URL": f"sqlite:///{tmp / 'tracker.db'}",
        }
    else:
        found, why = _postgres_profile(tmp)
        if found is None:
            message = f"PostgreSQL/Redis not reachable ({why})"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        profile, cleanup = found
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        **TEST_SECRETS,
        **profile,
        "GATEWAY_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "RASA_MODEL": str(MODEL),
        "RASA_TIMEOUT": "10",
        "TWILIO_AUTH_TOKEN": TWILIO_TEST_TOKEN,
        "NAVIGATOR_HOURS": "24/7",
        # The partner page of the widget test is served from another local port.
        "EMBED_ALLOWED_ORIGINS": "'self' http://127.0.0.1:*",
        # Check-ins may go at any hour here (the hours themselves are unit-tested).
        "CHECKIN_HOURS": "00:00-23:59",
        "GATEWAY_WORKERS": "2",
        # The harness starts one Rasa process (test_supervision.py runs replicas).
        "RASA_REPLICAS": "1",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    from bot.db import upgrade

    upgrade(profile["DATABASE_URL"])
    running = Helpline(request.param, env, tmp)
    running.directory_loaded = _import_directory(env)
    try:
        for process in ("actions", "rasa", "gateway", "worker"):
            running.start(process)
        running.wait_healthy()
        yield running
    finally:
        running.shutdown()
        if cleanup:
            cleanup()


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium for one test module. Not for the whole session: Playwright's
    event loop would keep running and break the asyncio tests that come after."""
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
