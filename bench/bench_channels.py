"""Channels benchmark: the SMS webhook under load, and a Rasa crash in the middle of it.

Prints figures; asserts nothing. Runs the real gateway, Rasa, action server and worker
(embedded SQLite profile) and signs every request as Twilio does.
- webhook acknowledgement latency p50/p99 (the webhook answers with the reply inline, so
  this is also the end-to-end reply latency when the assistant is up);
- end-to-end latency for messages that were kept during the crash (message in -> answer
  stored by the worker), p50/p95;
- messages lost when Rasa is killed (SIGKILL) and restarted during the run: every inbound
  message must end up answered by the assistant (target: zero lost).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.conversations.models import Message  # noqa: E402
from bot.db import make_engine, session_factory, upgrade  # noqa: E402
from tests.harness import Helpline, free_port  # noqa: E402
from tests.support import TEST_SECRETS  # noqa: E402

TOKEN = "bench-twilio-token"
TEXTS = ["hi", "thanks", "are you a bot", "bye"]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--messages", type=int, default=15, help="per conversation")
    parser.add_argument("--kill-after", type=float, default=4.0, help="seconds into the run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{tmp}/helpline.db"
        profile_vars = ("DATABASE_URL", "TRACKER_DATABASE_URL", "REDIS_URL")
        env = {
            **{k: v for k, v in os.environ.items() if k not in profile_vars},
            **TEST_SECRETS,
            "DATABASE_URL": database,
            "TRACKER_DATABASE_URL": f"sqlite:///{tmp}/tracker.db",
            "GATEWAY_PORT": str(free_port()),
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "RASA_MODEL": str(ROOT / "models" / "helpline.tar.gz"),
            "RASA_TIMEOUT": "5",
            "GATEWAY_WORKERS": "4",
            "TWILIO_AUTH_TOKEN": TOKEN,
            "RASA_TELEMETRY_ENABLED": "false",
        }
        upgrade(database)
        helpline = Helpline("bench-channels", env, Path(tmp))
        url = f"{helpline.gateway}/sms/inbound"
        validator = RequestValidator(TOKEN)
        try:
            for process in ("actions", "rasa", "gateway", "worker"):
                helpline.start(process)
            helpline.wait_healthy()
            acks, errors = [], []
            lock = threading.Lock()

            def conversation(index: int) -> None:
                http = requests.Session()
                phone = f"+1860555{index:04d}"
                for i in range(args.messages):
                    params = {"From": phone, "Body": TEXTS[i % len(TEXTS)],
                              "MessageSid": f"SM{uuid.uuid4().hex}", "NumMedia": "0"}  # fmt: skip
                    headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
                    started = time.perf_counter()
                    try:
                        response = http.post(url, data=params, headers=headers, timeout=30)
                        ok = response.status_code == 200
                    except requests.RequestException:
                        ok = False
                    with lock:
                        (acks if ok else errors).append((time.perf_counter() - started) * 1000)
                    time.sleep(0.2)

            def crash() -> None:
                time.sleep(args.kill_after)
                helpline.stop("rasa", sig=signal.SIGKILL)
                print(f"killed Rasa (SIGKILL) {args.kill_after:.0f} s into the run")
                helpline.start("rasa")

            run_started = time.monotonic()
            killer = threading.Thread(target=crash)
            killer.start()
            with ThreadPoolExecutor(args.conversations) as pool:
                list(pool.map(conversation, range(args.conversations)))
            killer.join()
            helpline.wait_healthy()
            print(f"load: {args.conversations} conversations x {args.messages} texts "
                  f"in {time.monotonic() - run_started:.0f} s")  # fmt: skip
            p50, p99 = percentile(acks, 50), percentile(acks, 99)
            print(f"webhook acknowledgement: p50 {p50:.0f} ms  p99 {p99:.0f} ms"
                  f"  ({len(acks)} ok, {len(errors)} errors)")  # fmt: skip

            sessions = session_factory(make_engine(database))
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                with sessions() as session:
                    unanswered = session.execute(
                        select(Message.id).where(
                            Message.direction == "in", Message.status != Message.ANSWERED
                        )
                    ).all()
                if not unanswered:
                    break
                time.sleep(1)
            with sessions() as session:
                inbound = (
                    session.execute(select(Message).where(Message.direction == "in"))
                    .scalars()
                    .all()
                )
                answered_by = {
                    m.reply_to_id: m
                    for m in session.execute(
                        select(Message).where(Message.author == "assistant")
                    ).scalars()
                }
            safety_replied = _safety_replied(sessions)
            kept = [m for m in inbound if m.attempts > 1 or m.id in safety_replied]
            delays = [
                (answered_by[m.id].created_at - m.created_at).total_seconds() * 1000
                for m in kept
                if m.id in answered_by
            ]
            lost = [m.id for m in inbound if m.id not in answered_by]
            print(f"messages sent {args.conversations * args.messages}, kept "
                  f"{len(inbound)}, answered by the assistant {len(inbound) - len(lost)}, "
                  f"lost {len(lost)}")  # fmt: skip
            if delays:
                print(f"kept during the crash: {len(delays)}; message in -> answer stored: "
                      f"p50 {percentile(delays, 50) / 1000:.1f} s  "
                      f"p95 {percentile(delays, 95) / 1000:.1f} s")  # fmt: skip
        finally:
            helpline.shutdown()


def _safety_replied(sessions) -> set:
    with sessions() as session:
        return set(
            session.execute(select(Message.reply_to_id).where(Message.author == "system")).scalars()
        )


if __name__ == "__main__":
    main()
