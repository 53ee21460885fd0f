"""Check-in benchmark: scheduling and sending check-ins at a county's scale, and how late a
check-in goes out when many come due at once.

Prints figures; asserts nothing. Synthetic load over a fresh database (SQLite, and
PostgreSQL when reachable), with the real CheckInService, SMS opt-in path and scheduler:
- opt-in: people texting CHECKIN through SmsService.handle (each makes a series of 5);
- the worker's sweep giving every new check-in its APScheduler job (stored in the database);
- one-pass sending of every check-in due on day 1 (`helpline worker --once`);
- lateness: a running scheduler, with a batch of check-ins all due at the same second,
  from due time to the text queued in the outbox.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, update  # noqa: E402

from bot.checkins.models import CheckIn  # noqa: E402
from bot.checkins.scheduler import CheckInScheduler  # noqa: E402
from bot.conversations.models import Message  # noqa: E402
from bot.db import upgrade, utcnow  # noqa: E402
from bot.sms.inbound import InboundSms  # noqa: E402
from tests.support import make_services, make_settings  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Any hour: this measures the machinery, not the sending window.
ALL_DAY = "00:00-23:59"


def percentiles(values: list) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered):8.1f} ms   p95 {p95:8.1f} ms   (n={len(ordered)})"


def run(url: str, people: int, burst: int) -> None:
    services = make_services(make_settings(url, CHECKIN_HOURS=ALL_DAY))
    sessions, sms, checkins = services.sessions, services.sms, services.checkin_sending

    started = time.perf_counter()
    for number in range(people):
        sms.handle(InboundSms(f"+1860555{number:04d}", "CHECKIN", f"SMbench{number}"))
    took = time.perf_counter() - started
    print(f"  opt-in by text       {people} people in {took:6.2f} s  ({people / took:7.0f} /s)")

    scheduler = CheckInScheduler(url, checkins)
    started = time.perf_counter()
    scheduler.scheduler.start(paused=True)
    added = 0
    while True:
        more, _ = scheduler.sweep()
        if not more:
            break
        added += more
    took = time.perf_counter() - started
    print(f"  sweep: jobs stored   {added} jobs in {took:6.2f} s  ({added / took:7.0f} /s)")
    scheduler.scheduler.shutdown(wait=False)

    # Day 1 comes: every first check-in is due.
    with sessions() as session:
        firsts = select(CheckIn.id).where(CheckIn.day == 1).scalar_subquery()
        session.execute(
            update(CheckIn)
            .where(CheckIn.id.in_(firsts))
            .values(due_at=utcnow() - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )
        session.commit()
    started = time.perf_counter()
    sent = CheckInScheduler(url, checkins).run_once()
    took = time.perf_counter() - started
    print(f"  one pass: sent       {sent} check-ins in {took:6.2f} s  ({sent / took:7.0f} /s)")

    # Lateness with a running scheduler: `burst` check-ins due at the same second.
    with sessions() as session:
        ids = list(
            session.execute(
                select(CheckIn.id).where(CheckIn.day == 3).order_by(CheckIn.id).limit(burst)
            ).scalars()
        )
        due = utcnow() + timedelta(seconds=3)
        session.execute(update(CheckIn).where(CheckIn.id.in_(ids)).values(due_at=due, job_id=None))
        session.commit()
    running = CheckInScheduler(url, checkins, sweep_seconds=1)
    running.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with sessions() as session:
                rows = session.execute(
                    select(CheckIn.sent_at, Message.created_at)
                    .join(Message, Message.id == CheckIn.message_id)
                    .where(CheckIn.id.in_(ids))
                ).all()
            if len(rows) == len(ids):
                break
            time.sleep(0.2)
    finally:
        running.shutdown()
    late = [
        ((queued if queued.tzinfo else queued.replace(tzinfo=due.tzinfo)) - due).total_seconds()
        * 1000
        for _, queued in rows
    ]
    print(f"  lateness, {burst} due at once (due -> queued in the outbox): {percentiles(late)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        print("SQLite (embedded default)")
        run(url, args.people, args.burst)
    try:
        import psycopg2

        admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=3)
    except Exception as error:  # noqa: BLE001 - no PostgreSQL here: SQLite figures only
        print(f"PostgreSQL not reachable ({type(error).__name__}); skipped")
        return
    admin.autocommit = True
    name = f"helpline_bench_checkins_{uuid.uuid4().hex[:6]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        upgrade(url)
        print("PostgreSQL (production profile)")
        run(url, args.people, args.burst)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
