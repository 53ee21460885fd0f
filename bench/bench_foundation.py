"""Foundation benchmark: set-up, training, model load, idle memory, and message latency.

Prints figures; asserts nothing. Run with `make bench` (or this file with --help).
- set-up time from a clean clone (`make setup` in a fresh checkout; the pip cache is warm)
  and a second `make setup` (should do nothing);
- training time (`rasa train --force`, to a temporary folder);
- model load time (Rasa process start until /status reports the model);
- memory (RSS, with children) of each process at idle;
- round-trip latency p50/p95 of one message through the gateway versus straight to Rasa's
  REST channel, at 1 and at 20 concurrent conversations (target: gateway p95 <= 1.25x).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.harness import Helpline, free_port  # noqa: E402
from tests.support import TEST_SECRETS  # noqa: E402

MESSAGES = ["hi", "thanks", "are you a bot", "bye"]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def timed(command, cwd, env=None) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def bench_clean_setup() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "helpline"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        first = timed(["make", "setup"], clone)
        second = timed(["make", "setup"], clone)
    print(f"setup from clean clone: {first:.0f} s  (second run: {second:.1f} s)")


def bench_training() -> None:
    with tempfile.TemporaryDirectory() as out:
        seconds = timed(
            [str(ROOT / ".venv/bin/rasa"), "train", "--force", "--domain", "domain",
             "--out", out, "--quiet"],
            ROOT,
            {**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        )  # fmt: skip
    print(f"training time: {seconds:.0f} s")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{current}/task/{current}/children") as children:
                stack.extend(int(c) for c in children.read().split())
        except FileNotFoundError:
            continue
    return total / 1024


def measure(send, conversations: int, per_conversation: int):
    """Latencies (ms) of `per_conversation` messages in each of `conversations` threads."""

    def one_conversation(_):
        sender = uuid.uuid4().hex
        latencies = []
        for i in range(per_conversation):
            started = time.perf_counter()
            send(sender, MESSAGES[i % len(MESSAGES)])
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies

    with ThreadPoolExecutor(conversations) as pool:
        return [x for chunk in pool.map(one_conversation, range(conversations)) for x in chunk]


def bench_running(per_conversation: int) -> None:
    model = ROOT / "models" / "helpline.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        profile_vars = ("DATABASE_URL", "TRACKER_DATABASE_URL", "REDIS_URL")
        env = {
            **{k: v for k, v in os.environ.items() if k not in profile_vars},
            **TEST_SECRETS,
            "DATABASE_URL": f"sqlite:///{tmp}/helpline.db",
            "TRACKER_DATABASE_URL": f"sqlite:///{tmp}/tracker.db",
            "GATEWAY_PORT": str(free_port()),
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "RASA_MODEL": str(model),
            "RASA_TELEMETRY_ENABLED": "false",
            # One load generator on one address: lift the per-chat and per-address limits.
            "CHAT_MESSAGES_PER_MINUTE": "100000",
            "CHAT_REQUESTS_PER_MINUTE_PER_IP": "100000",
        }
        from bot.db import upgrade

        upgrade(env["DATABASE_URL"])
        helpline = Helpline("bench", env, Path(tmp))
        try:
            for process in ("actions", "gateway", "worker"):
                helpline.start(process)
            started = time.monotonic()
            helpline.start("rasa")
            helpline.wait_healthy()
            loaded = time.monotonic() - started
            print(f"model load (Rasa process start -> model ready): {loaded:.1f} s")
            time.sleep(3)
            for process, proc in helpline.procs.items():
                print(f"idle memory {process}: {rss_mb(proc.pid):.0f} MB")

            rest = requests.Session()
            gateway = requests.Session()
            sessions = {}

            def straight_to_rasa(sender, text):
                rest.post(
                    f"{helpline.rasa}/webhooks/rest/webhook",
                    json={"sender": sender, "message": text},
                    timeout=30,
                ).raise_for_status()

            def through_gateway(sender, text):
                if sender not in sessions:
                    sessions[sender] = helpline.new_chat("web")
                gateway.post(
                    f"{helpline.gateway}/api/chat/sessions/{sessions[sender]}/messages",
                    json={"text": text},
                    timeout=30,
                ).raise_for_status()

            measure(straight_to_rasa, 2, 4)  # warm up both paths
            measure(through_gateway, 2, 4)
            for concurrency in (1, 20):
                rows = {}
                for name, send in (("rasa REST", straight_to_rasa), ("gateway", through_gateway)):
                    latencies = measure(send, concurrency, per_conversation)
                    rows[name] = (percentile(latencies, 50), percentile(latencies, 95))
                    print(
                        f"{concurrency:>2} conversation(s), {name:<9}: p50 {rows[name][0]:6.1f} ms"
                        f"  p95 {rows[name][1]:6.1f} ms  ({len(latencies)} messages)"
                    )
                ratio = rows["gateway"][1] / rows["rasa REST"][1]
                verdict = "meets" if ratio <= 1.25 else "MISSES"
                print(f"{concurrency:>2} conversation(s): gateway p95 / Rasa p95 = {ratio:.2f}"
                      f" ({verdict} the 1.25 target)")  # fmt: skip
        finally:
            helpline.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-clean-setup", action="store_true")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--messages", type=int, default=20, help="messages per conversation")
    args = parser.parse_args()
    if not args.skip_clean_setup:
        bench_clean_setup()
    if not args.skip_training:
        bench_training()
    bench_running(args.messages)
    print(f"(measured on {os.cpu_count()} cores, embedded SQLite profile)")


if __name__ == "__main__":
    main()
