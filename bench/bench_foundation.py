"""Foundation benchmark: set-up, training, model load, idle memory, and message latency.

Prints figures; asserts nothing. Run with `make bench` (or this file with --help).
- set-up time from a clean clone (`make setup` in a fresh checkout; the pip cache is warm)
  and a second `make setup` (should do nothing);
- training time (`rasa train --force`, to a temporary folder);
- model load time (Rasa process start until /status reports the model);
- memory (RSS, with children) of each process at idle;
- messages/s and round-trip latency p50/p95 through the gateway (with its default Rasa
  replicas: one per core with PostgreSQL + Redis, `--profile postgres`; one with SQLite)
  versus straight to one stock Rasa process's REST channel, at 1, 20 and 50 concurrent
  conversations, in the same run (targets with replicas: >= 1.8x Rasa's messages/s at 20
  and 50, gateway p95 <= Rasa's own p95);
- time to the 911 reply for a new chat while 50 conversations keep the assistant busy,
  with the gateway waiting for the assistant and with the crisis-first default (target
  p95 <= 150 ms).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
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
    """Latencies (ms) of `per_conversation` messages in each of `conversations` threads,
    and the messages per second over the whole run."""

    def one_conversation(_):
        sender = uuid.uuid4().hex
        latencies = []
        for i in range(per_conversation):
            started = time.perf_counter()
            send(sender, MESSAGES[i % len(MESSAGES)])
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(conversations) as pool:
        latencies = [x for chunk in pool.map(one_conversation, range(conversations)) for x in chunk]
    return latencies, len(latencies) / (time.perf_counter() - started)


def _profile(kind: str, tmp: str):
    """Database URLs for the profile (and a cleanup), as the integration tests make them."""
    if kind == "sqlite":
        return {
            "DATABASE_URL": f"sqlite:///{tmp}/helpline.db",
            "TRACKER_DATABASE_URL": f"sqlite:///{tmp}/tracker.db",
        }, None
    from tests.integration.conftest import _postgres_profile

    found, why = _postgres_profile(Path(tmp))
    if found is None:
        raise SystemExit(f"PostgreSQL/Redis not reachable: {why}")
    return found


def _replicas_ready(gateway: str) -> int:
    try:
        return requests.get(f"{gateway}/health", timeout=3).json()["rasa_replicas"]["ready"]
    except (requests.RequestException, ValueError, KeyError):
        return 0


def bench_running(per_conversation: int, kind: str, crisis_rounds: int = 20) -> None:
    from bot.settings import Settings

    model = ROOT / "models" / "helpline.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        profile, cleanup = _profile(kind, tmp)
        profile_vars = ("DATABASE_URL", "TRACKER_DATABASE_URL", "REDIS_URL", "RASA_REPLICAS")
        env = {
            **{k: v for k, v in os.environ.items() if k not in profile_vars},
            **TEST_SECRETS,
            **profile,
            "GATEWAY_PORT": str(free_port()),
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "RASA_MODEL": str(model),
            "RASA_TELEMETRY_ENABLED": "false",
            # One load generator on one address: lift the per-chat and per-address limits.
            "CHAT_MESSAGES_PER_MINUTE": "100000",
            "CHAT_REQUESTS_PER_MINUTE_PER_IP": "100000",
        }
        replicas = len(Settings.from_env(env).rasa_urls)  # the default for this profile
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
            for number in range(1, replicas):
                helpline.start(f"rasa-{number}")
            deadline = time.monotonic() + 300
            while _replicas_ready(helpline.gateway) < replicas and time.monotonic() < deadline:
                time.sleep(2)
            print(f"profile {kind}: {_replicas_ready(helpline.gateway)}/{replicas} Rasa replicas")
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
                    f"{helpline.gateway}/api/chat/messages",
                    json={"text": text},
                    headers={"X-Chat-Session": sessions[sender]},
                    timeout=30,
                ).raise_for_status()

            measure(straight_to_rasa, 2, 4)  # warm up both paths
            measure(through_gateway, 4, 4)
            for concurrency in (1, 20, 50) if per_conversation else ():
                rows = {}
                paths = (("rasa REST", straight_to_rasa), ("gateway", through_gateway))
                for name, send in paths:
                    latencies, rate = measure(send, concurrency, per_conversation)
                    rows[name] = (percentile(latencies, 50), percentile(latencies, 95), rate)
                    print(
                        f"{concurrency:>2} conversation(s), {name:<9}: {rate:5.1f} msg/s  "
                        f"p50 {rows[name][0]:6.1f} ms  p95 {rows[name][1]:6.1f} ms  "
                        f"({len(latencies)} messages)"
                    )
                speed = rows["gateway"][2] / rows["rasa REST"][2]
                ratio = rows["gateway"][1] / rows["rasa REST"][1]
                print(f"{concurrency:>2} conversation(s): gateway/Rasa msg/s = {speed:.2f}, "
                      f"p95 = {ratio:.2f} (with {replicas} replica(s))")  # fmt: skip
            if crisis_rounds:
                bench_crisis(helpline, crisis_rounds)
        finally:
            helpline.shutdown()
            if cleanup:
                cleanup()


def bench_crisis(helpline: Helpline, rounds: int, busy: int = 50) -> None:
    """Time to the 911 reply for a new chat while `busy` conversations keep the assistant
    busy: with the gateway waiting for the assistant as it used to (CRISIS_WAIT=30), then
    with the default (the first reply goes alone after 0.1 s), in the same run."""
    emergency = "my friend isnt breathing and wont wake up"
    for label, wait in (("waits for the assistant", "30"), ("crisis first (default)", "0.1")):
        helpline.stop("gateway")
        helpline.env["CRISIS_WAIT"] = wait
        helpline.start("gateway")
        helpline.wait_healthy()
        stop = threading.Event()

        def keep_busy(_, stop=stop):
            session = requests.Session()
            chat = helpline.new_chat("web")
            while not stop.is_set():
                answer = session.post(
                    f"{helpline.gateway}/api/chat/messages", json={"text": "are you a bot"},
                    headers={"X-Chat-Session": chat}, timeout=60,
                ).json()  # fmt: skip
                # Like a person: the next message after the answer, and a kept one waited for.
                time.sleep(1.0 if answer.get("pending") else 0.2)

        times = []
        with ThreadPoolExecutor(busy) as pool:
            for number in range(busy):
                pool.submit(keep_busy, number)
            time.sleep(5)
            for _ in range(rounds):
                chat = helpline.new_chat("web")
                started = time.perf_counter()
                reply = requests.post(
                    f"{helpline.gateway}/api/chat/messages", json={"text": emergency},
                    headers={"X-Chat-Session": chat}, timeout=60,
                ).json()  # fmt: skip
                times.append((time.perf_counter() - started) * 1000)
                assert "911" in reply["replies"][0]["text"], reply
                time.sleep(0.5)
            stop.set()
        print(
            f"crisis reply with {busy} busy conversations, {label:<24}: p50 "
            f"{percentile(times, 50):6.0f} ms  p95 {percentile(times, 95):6.0f} ms  "
            f"max {max(times):6.0f} ms ({rounds} chats)"
        )
    helpline.env.pop("CRISIS_WAIT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-clean-setup", action="store_true")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument(
        "--messages",
        type=int,
        default=20,
        help="messages per conversation (0 skips the throughput runs)",
    )
    parser.add_argument(
        "--profile", choices=["sqlite", "postgres"], default="postgres",
        help="postgres: PostgreSQL + Redis, default replicas one per core",
    )  # fmt: skip
    parser.add_argument("--crisis-rounds", type=int, default=20, help="0 skips the crisis test")
    args = parser.parse_args()
    if not args.skip_clean_setup:
        bench_clean_setup()
    if not args.skip_training:
        bench_training()
    bench_running(args.messages, args.profile, args.crisis_rounds)
    print(f"(measured on {os.cpu_count()} cores, {args.profile} profile)")


if __name__ == "__main__":
    main()
