"""Handoff benchmark: how fast a request reaches the console, and a reply reaches the person.

Prints figures; asserts nothing. Runs the gateway in-process (Flask, the real console and
chat API over a fresh SQLite database) with the scripted assistant from tests/conftest.py,
20 open web-chat conversations at a time:
- request -> visible in the console's queue JSON (the page polls it every 4 s);
- a navigator's reply (POST) -> visible in the person's chat poll (the page polls every 3 s).
Each is measured twice: polling every 20 ms (what the system itself adds) and at the pages'
own poll intervals (what a navigator and a person experience).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402

from bot.accounts.models import NAVIGATOR  # noqa: E402
from bot.bootstrap import bootstrap  # noqa: E402
from bot.db import upgrade  # noqa: E402
from tests.support import ConsoleBrowser, ScriptedAssistant, make_settings  # noqa: E402
from webhook import create_app  # noqa: E402

PASSWORD = "bench password 1234"


def percentiles(seconds: list) -> str:
    """p50 / p95 in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"p50 {statistics.median(ms):8.1f} ms   p95 {p95:8.1f} ms   (n={len(ms)})"


class Console(ConsoleBrowser):
    """A signed-in console session (https, CSRF token, same-origin Referer, and the second
    factor as the navigator's authenticator app answers it)."""

    def __init__(self, app, email: str) -> None:
        super().__init__(app)
        self.sign_in(email, PASSWORD)

    def queue_ids(self) -> set:
        items = self.get("/console/queue.json").get_json()["items"]
        return {item["id"] for item in items}


def build(tmp: str):
    url = f"sqlite:///{tmp}/helpline.db"
    upgrade(url)
    settings = make_settings(url, NAVIGATOR_HOURS="24/7", CHAT_REQUESTS_PER_MINUTE_PER_IP="100000")
    services = bootstrap(
        settings, assistant=ScriptedAssistant(), sender=None, hasher=PasswordHasher()
    )
    services.accounts.create("nav@example.org", "Bench Navigator", PASSWORD, NAVIGATOR)
    return create_app(services), services.conversations, services.handoffs


def one_round(app, conversations, handoffs, open_count, console_poll, chat_poll):
    """`open_count` people ask for a navigator at once; return both sets of latencies."""
    people = []
    for _ in range(open_count):
        client = app.test_client()
        session_id = client.post("/api/chat/sessions", json={"channel": "web"}).get_json()[
            "session_id"
        ]
        client.post(
            "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "hi"}
        )
        people.append((client, session_id, conversations.find(session_id).id))

    requested, seen, handoff_ids = {}, {}, {}
    done = threading.Event()
    watcher = Console(app, "nav@example.org")

    def watch_queue():
        while not done.is_set():
            now_visible = watcher.queue_ids()
            stamp = time.perf_counter()
            for handoff_id in now_visible:
                seen.setdefault(handoff_id, stamp)
            time.sleep(console_poll)

    def ask(index, conversation_id):
        # Requests land at a random moment of the console's poll cycle, as in life.
        time.sleep(random.uniform(0, console_poll))
        requested[index] = time.perf_counter()
        handoff_ids[index] = handoffs.request(conversation_id, "treatment", True, {}).handoff.id

    poller = threading.Thread(target=watch_queue)
    poller.start()
    asks = [threading.Thread(target=ask, args=(i, p[2])) for i, p in enumerate(people)]
    for thread in asks:
        thread.start()
    for thread in asks:
        thread.join()
    while len(seen) < open_count:
        time.sleep(0.01)
    done.set()
    poller.join()
    to_console = [seen[handoff_ids[i]] - requested[i] for i in range(open_count)]

    navigator = Console(app, "nav@example.org")
    for index in range(open_count):
        navigator.post(f"/console/handoffs/{handoff_ids[index]}/claim", {})
    sent, arrived = {}, {}

    def wait_for_reply(index, client, session_id):
        last = 0
        time.sleep(random.uniform(0, chat_poll))  # each chat polls on its own cycle
        while index not in arrived:
            messages = client.get(
                f"/api/chat/messages?after={last}", headers={"X-Chat-Session": session_id}
            )
            for message in messages.get_json()["messages"]:
                last = max(last, message["id"])
                if message["author"] == "navigator":
                    arrived[index] = time.perf_counter()
            time.sleep(chat_poll)

    readers = [
        threading.Thread(target=wait_for_reply, args=(i, p[0], p[1])) for i, p in enumerate(people)
    ]
    for thread in readers:
        thread.start()
    for index in range(open_count):
        sent[index] = time.perf_counter()
        navigator.post(f"/console/handoffs/{handoff_ids[index]}/reply", {"text": "Hi, I'm here."})
    for thread in readers:
        thread.join()
    to_person = [arrived[i] - sent[i] for i in range(open_count)]
    for index in range(open_count):
        navigator.post(f"/console/handoffs/{handoff_ids[index]}/close", {"outcome": "other"})
    return to_console, to_person


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app, conversations, handoffs = build(tmp)
        for label, console_poll, chat_poll in (
            ("system (polls every 20 ms)", 0.02, 0.02),
            ("as seen (console polls 4 s, chat 3 s)", 4.0, 3.0),
        ):
            to_console, to_person = [], []
            for _ in range(args.rounds):
                a, b = one_round(
                    app, conversations, handoffs, args.conversations, console_poll, chat_poll
                )
                to_console += a
                to_person += b
            print(f"{label}, {args.conversations} open conversations:")
            print(f"  request -> console queue JSON   {percentiles(to_console)}")
            print(f"  navigator reply -> web chat poll {percentiles(to_person)}")


if __name__ == "__main__":
    main()
