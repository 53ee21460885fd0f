"""`make run` under supervisord: a process that dies comes back by itself, the others keep
answering meanwhile, and stopping supervisord stops everything (SQLite profile)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.settings import ROOT
from tests.harness import free_port
from tests.integration.conftest import MODEL
from tests.support import TEST_SECRETS

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=3).json().get("status") == "ok"
    except (requests.RequestException, ValueError):
        return False


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(1)
    return False


def _pid(env: dict, program: str) -> int:
    out = subprocess.run(
        [str(BIN / "supervisorctl"), "-c", str(ROOT / "deploy" / "supervisord.conf"), "pid",
         program],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return int(out.strip())


def test_a_killed_process_comes_back_and_the_gateway_keeps_answering(tmp_path):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make setup` first")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        **TEST_SECRETS,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'helpline.db'}",
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "GATEWAY_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "RASA_MODEL": str(MODEL),
        "HELPLINE_RUN_DIR": str(tmp_path / "run"),
        "HELPLINE_BIN": str(BIN),
        "RASA_TELEMETRY_ENABLED": "false",
    }
    from bot.db import upgrade

    upgrade(env["DATABASE_URL"])
    gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    log = open(tmp_path / "supervisord.out", "wb")  # noqa: SIM115 - closed in finally
    run = subprocess.Popen(
        [str(BIN / "helpline"), "run"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        assert _wait(lambda: _healthy(gateway), 240), (tmp_path / "supervisord.out").read_text()
        old = _pid(env, "rasa")
        os.kill(old, signal.SIGKILL)
        # The gateway, worker and action server keep running; a message is kept and gets
        # the safety reply while Rasa is down, never a connection error.
        session = requests.post(f"{gateway}/api/chat/sessions", json={"channel": "web"}).json()
        headers = {"X-Chat-Session": session["session_id"]}
        sent = requests.post(f"{gateway}/api/chat/messages", json={"text": "hi"}, headers=headers)
        assert sent.status_code == 200
        assert _wait(lambda: _pid(env, "rasa") not in (0, old), 30)  # supervisord restarted it
        assert _wait(lambda: _healthy(gateway), 180)
        assert _pid(env, "gateway") and _pid(env, "worker") and _pid(env, "actions")
    finally:
        run.send_signal(signal.SIGTERM)  # what Ctrl-C does: every program stops
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            run.kill()
        log.close()
    assert run.returncode == 0
    assert not _wait(lambda: _healthy(gateway), 3)
