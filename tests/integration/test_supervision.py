"""`make run` under supervisord with two Rasa replicas: a process that dies comes back by
itself, its conversations are answered by the other replica meanwhile, and stopping
supervisord stops everything (SQLite profile, replicas set explicitly)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.assistant import AssistantClient
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


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _pid(env: dict, program: str) -> int:
    out = subprocess.run(
        [str(BIN / "supervisorctl"), "-c", str(ROOT / "deploy" / "supervisord.conf"), "pid",
         program],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return int(out.strip())


def _replicas_ready(url: str) -> int:
    try:
        return requests.get(f"{url}/health", timeout=3).json()["rasa_replicas"]["ready"]
    except (requests.RequestException, ValueError, KeyError):
        return 0


def test_a_killed_replica_comes_back_and_its_conversations_go_to_the_other(tmp_path):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make setup` first")
    rasa_port = free_port()
    while not _port_free(rasa_port + 1):
        rasa_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        **TEST_SECRETS,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'helpline.db'}",
        "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "GATEWAY_PORT": str(free_port()),
        "RASA_PORT": str(rasa_port),
        "RASA_REPLICAS": "2",
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
        assert _wait(lambda: _replicas_ready(gateway) == 2, 300), (
            tmp_path / "supervisord.out"
        ).read_text()[-3000:]
        # A conversation whose own replica is rasa-0.
        client = AssistantClient([f"http://127.0.0.1:{rasa_port + n}" for n in (0, 1)], "-")
        while True:
            session = requests.post(f"{gateway}/api/chat/sessions", json={"channel": "web"})
            session_id = session.json()["session_id"]
            if client.replicas_for(session_id)[0].url.endswith(str(rasa_port)):
                break
        old = _pid(env, "rasa:rasa-0")
        os.kill(old, signal.SIGKILL)
        # The other replica answers it for real (not kept for later, no safety reply), and
        # the gateway, worker and action server never stopped.
        headers = {"X-Chat-Session": session_id}
        sent = requests.post(f"{gateway}/api/chat/messages", json={"text": "hi"}, headers=headers)
        assert sent.status_code == 200 and sent.json()["pending"] is False
        assert _wait(lambda: _pid(env, "rasa:rasa-0") not in (0, old), 30)  # restarted
        assert _wait(lambda: _replicas_ready(gateway) == 2, 240)
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
