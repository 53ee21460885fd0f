"""Starts the real helpline processes (`helpline serve`) for integration tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator

import requests

from bot.settings import ROOT
from bot.terminal_chat import STAFF_HEADER, staff_token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Helpline:
    """The helpline's processes for one profile, started with the real `helpline serve`."""

    def __init__(self, name: str, env: Dict[str, str], logs: Path) -> None:
        self.name = name
        self.env = env
        self.logs = logs
        self.procs: Dict[str, subprocess.Popen] = {}
        self.directory_loaded = False
        self.gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
        self.rasa = f"http://127.0.0.1:{env['RASA_PORT']}"

    def start(self, process: str) -> None:
        if process == "worker":
            command = ["worker", "--interval", "0.5", "--sweep-seconds", "1"]
        elif process.startswith("rasa-"):  # another replica: rasa-1 on RASA_PORT + 1
            command = ["serve", "rasa", "--replica", process.split("-", 1)[1]]
        else:
            command = ["serve", process]
        log = open(self.logs / f"{self.name}-{process}.log", "ab")
        self.procs[process] = subprocess.Popen(
            [str(Path(sys.executable).parent / "helpline"), *command],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, process: str, sig: int = signal.SIGTERM) -> None:
        proc = self.procs.pop(process, None)
        if proc and proc.poll() is None:
            os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def wait_healthy(self, timeout: float = 180.0) -> dict:
        deadline = time.monotonic() + timeout
        last: dict | None = None
        while time.monotonic() < deadline:
            for process, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{process} exited; see {self.logs}/{self.name}-{process}.log"
                    )
            try:
                response = requests.get(f"{self.gateway}/health", timeout=3)
                last = response.json()
                if response.status_code == 200:
                    return last
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"not healthy after {timeout}s: {last}")

    def new_chat(self, channel: str = "terminal") -> str:
        headers = {STAFF_HEADER: staff_token(self.env.get("HELPLINE_SECRET_KEY", ""))}
        response = requests.post(
            f"{self.gateway}/api/chat/sessions", json={"channel": channel}, headers=headers
        )
        response.raise_for_status()
        return response.json()["session_id"]

    def say(self, session_id: str, text: str) -> dict:
        response = requests.post(
            f"{self.gateway}/api/chat/messages",
            headers={"X-Chat-Session": session_id},
            json={"text": text},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def shutdown(self) -> None:
        for process in list(self.procs):
            self.stop(process)


# Debian's Chromium for browser tests (Playwright never downloads a browser here). Without
# the background-networking flags it keeps trying to reach Google from a closed network.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> str:
    """Chromium's path; skips the test without it (fails in CI, which installs it)."""
    import shutil

    import pytest

    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@contextmanager
def served_over_https(app) -> Iterator[str]:
    """Serve a Flask app in a thread over https (a throwaway certificate), so the console's
    Secure cookie works in a real browser; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True, ssl_context="adhoc")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def chromium_page() -> Iterator:
    """A page in headless Chromium that accepts the throwaway certificate and downloads."""
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        context = browser.new_context(ignore_https_errors=True, accept_downloads=True)
        try:
            yield context.new_page()
        finally:
            browser.close()


def sign_in_page(page, base: str, email: str, password: str) -> None:
    """Sign in to the console in a real browser: the password, then the authenticator
    (enrolment on the first sign-in: the key is read off the page, as a phone scans it)."""
    import pyotp

    page.goto(f"{base}/console/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").wait_for()
    key = page.locator("[data-secret]").get_attribute("data-secret")
    page.get_by_label("Code").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="I have kept them: go to the queue").click()
