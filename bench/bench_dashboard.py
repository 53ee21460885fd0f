"""Dashboard benchmark: how long the action team's figures take over a year of synthetic load.

Prints figures; asserts nothing. The data is SYNTHETIC LOAD, generated here with a fixed
seed - no real person, message or lookup: by default 50,000 conversations (SMS, web chat,
and some staff-test and alert ones that the figures must skip), 300,000 inbound messages
with topics, 40,000 directory lookups over real Connecticut town names (the `zipcodes`
package, skewed so some towns fall under the small-cell threshold), 3,000 handoffs,
1,000 check-in series with 5,000 check-ins, and 500 wrong-listing reports, spread over the
365 days up to now. It is loaded into a fresh SQLite database, and into PostgreSQL when
one is reachable at BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres;
a scratch database `helpline_bench_dashboard` is created and dropped).

Timed, `--runs` times each: build_dashboard for the default period (12 full weeks and the
current one) and for the longest allowed (2 years), the CSV export of the default period,
and the HTML page (query + template) through the Flask test client.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, List
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import zipcodes  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bot.accounts.models import SUPERVISOR  # noqa: E402
from bot.checkins.models import CheckIn, CheckInSeries  # noqa: E402
from bot.conversations.models import Conversation, Message  # noqa: E402
from bot.dashboard.export import dashboard_csv  # noqa: E402
from bot.dashboard.figures import TOPICS, build_dashboard  # noqa: E402
from bot.dashboard.filters import parse_filters  # noqa: E402
from bot.db import make_engine, session_factory, upgrade  # noqa: E402
from bot.directory.models import (  # noqa: E402
    ListingReport,
    Location,
    LookupRecord,
    Organization,
)
from bot.handoff.models import Handoff  # noqa: E402
from bot.handoff.views import OUTCOMES  # noqa: E402
from tests.support import make_services, make_settings  # noqa: E402
from webhook import create_app  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_NAME = "helpline_bench_dashboard"
TZ = "America/New_York"
BASE = "https://localhost"
PASSWORD = "bench password 1234"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
CHUNK = 10_000


def percentiles(seconds: List[float]) -> str:
    """p50 / p95 in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"p50 {statistics.median(ms):8.1f} ms   p95 {p95:8.1f} ms   (n={len(ms)})"


def timed(runs: int, work: Callable[[], object]) -> List[float]:
    """Wall-clock seconds of `runs` calls of `work` (one untimed warm-up first)."""
    work()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return seconds


# -- synthetic load ----------------------------------------------------------------------


def _bulk(session, model, rows: list) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start : start + CHUNK])


def seed(sessions, args) -> None:
    """Load the synthetic data set (fixed random seed, explicit ids)."""
    rng = random.Random(20261124)
    now = datetime.now(timezone.utc)
    year = 365 * 24 * 3600

    def moment() -> datetime:
        return now - timedelta(seconds=rng.uniform(0, year))

    conversations = []
    for i in range(1, args.conversations + 1):
        at = moment()
        channel = rng.choices(["sms", "web", "terminal", "alert"], [55, 40, 3, 2])[0]
        conversations.append(
            {"id": i, "sender_id": f"bench-{i:08d}", "channel": channel,
             "created_at": at, "last_activity_at": at}
        )  # fmt: skip
    people = [c for c in conversations if c["channel"] in ("sms", "web")]
    topics = list(TOPICS) + [None]
    weights = [14, 12, 4, 12, 8, 6, 6, 5, 10, 6, 7, 10]
    messages = []
    for i in range(1, args.messages + 1):
        conversation = rng.choice(conversations)
        messages.append(
            {"id": i, "conversation_id": conversation["id"], "direction": "in",
             "author": "person", "body": None, "status": "answered",
             "created_at": conversation["created_at"] + timedelta(minutes=rng.uniform(0, 90)),
             "topic": rng.choices(topics, weights)[0]}
        )  # fmt: skip
    towns = sorted({z["city"] for z in zipcodes.filter_by(state="CT")})
    town_weights = [1 / (rank + 1) ** 1.1 for rank in range(len(towns))]  # a long tail
    rng.shuffle(towns)
    lookups = []
    for i in range(1, args.lookups + 1):
        town = rng.choices(towns, town_weights)[0] if rng.random() > 0.05 else None
        nearby = 0 if town is None or rng.random() < 0.15 else rng.randint(1, 12)
        lookups.append(
            {"id": i, "at": moment(), "channel": rng.choice(["sms", "web"]),
             "need": rng.choice(["treatment", "naloxone"]), "medication": None,
             "town": town, "state": "CT" if town else None, "nearby": nearby,
             "nearest_miles": None if nearby else rng.uniform(25, 60)}
        )  # fmt: skip
    handoffs = []
    for i, conversation in enumerate(rng.sample(people, args.handoffs), start=1):
        requested = conversation["created_at"] + timedelta(minutes=5)
        claimed = rng.random() < 0.85
        closed = claimed and rng.random() < 0.9
        handoffs.append(
            {"id": i, "conversation_id": conversation["id"], "reason": "treatment",
             "urgency": 2, "consented": False, "requested_at": requested,
             "status": "closed" if closed else ("claimed" if claimed else "waiting"),
             "claimed_at": requested + timedelta(minutes=rng.expovariate(1 / 12))
             if claimed else None,
             "outcome": rng.choice(list(OUTCOMES)) if closed else None}
        )  # fmt: skip
    series, checkins = [], []
    sms_people = [c for c in people if c["channel"] == "sms"]
    for i, conversation in enumerate(rng.sample(sms_people, args.checkins // 5), start=1):
        created = conversation["created_at"] + timedelta(minutes=10)
        opted_out = rng.random() < 0.1
        series.append(
            {"id": i, "conversation_id": conversation["id"],
             "status": "ended" if opted_out else "active", "reason": "overdose",
             "enrolled_by": "person", "consented_at": created, "created_at": created,
             "ended_at": created + timedelta(days=4) if opted_out else None,
             "end_reason": rng.choice(["stop", "cancelled"]) if opted_out else None}
        )  # fmt: skip
        for day in (1, 3, 7, 14, 30):
            due = created + timedelta(days=day)
            sent = due < now and not (opted_out and day > 3)
            checkins.append(
                {"series_id": i, "day": day, "due_at": due,
                 "status": "sent" if sent else "scheduled", "sent_at": due if sent else None,
                 "replied_at": due + timedelta(hours=2) if sent and rng.random() < 0.4
                 else None}
            )  # fmt: skip
    with sessions() as session:
        _bulk(session, Conversation, conversations)
        _bulk(session, Message, messages)
        _bulk(session, LookupRecord, lookups)
        _bulk(session, Handoff, handoffs)
        _bulk(session, CheckInSeries, series)
        _bulk(session, CheckIn, checkins)
        _bulk(session, Organization, [
            {"id": i, "name": f"Synthetic Provider {i}", "name_key": f"synthetic {i}"}
            for i in range(1, 51)
        ])  # fmt: skip
        _bulk(session, Location, [
            {"id": i, "organization_id": i, "name": f"Site {i}", "state": "CT",
             "latitude": 41.6, "longitude": -72.7, "sources": "bench",
             "last_verified": date(2026, 1, 1)}
            for i in range(1, 51)
        ])  # fmt: skip
        _bulk(session, ListingReport, [
            {"location_id": rng.randint(1, 50), "created_at": moment()} for _ in range(500)
        ])  # fmt: skip
        session.commit()


# -- timing ------------------------------------------------------------------------------


def page_client(url: str, sessions):
    """A supervisor signed in to the console over `url`."""
    services = make_services(make_settings(url, NAVIGATOR_HOURS="24/7"))
    services = replace(services, sessions=sessions)
    services.accounts.create("sue@example.org", "Sue", PASSWORD, SUPERVISOR)
    app = create_app(services)
    client = app.test_client()
    token = TOKEN.search(client.get("/console/sign-in", base_url=BASE).get_data(as_text=True))
    client.post(
        "/console/sign-in",
        data={"email": "sue@example.org", "password": PASSWORD, "csrf_token": token.group(1)},
        base_url=BASE,
        headers={"Referer": f"{BASE}/console/"},
    )
    return client


def measure(label: str, url: str, args) -> None:
    engine = make_engine(url)
    sessions = session_factory(engine)
    started = time.perf_counter()
    seed(sessions, args)
    print(f"{label}: seeded the synthetic load in {time.perf_counter() - started:.1f} s")
    today = datetime.now(ZoneInfo(TZ)).date()
    default = parse_filters({}, today)
    longest = parse_filters({"from": str(today - timedelta(days=730))}, today)

    def build(filters):
        with sessions() as session:
            return build_dashboard(session, filters.start, filters.end, filters.channel, TZ)

    dashboard = build(default)
    print(
        f"  default period {default.start} to {default.end}: {dashboard.conversations:,} "
        f"conversations, {sum(t.value or 0 for t in dashboard.topics):,} topic messages, "
        f"{dashboard.lookups:,} lookups, {dashboard.handoffs.requested:,} handoffs"
    )
    for name, work in (
        ("build_dashboard, default period (13 weeks)", lambda: build(default)),
        ("build_dashboard, 2 years (all the data)", lambda: build(longest)),
        ("dashboard_csv, default period", lambda: dashboard_csv(dashboard)),
    ):
        print(f"  {name:<42} {percentiles(timed(args.runs, work))}")
    client = page_client(url, sessions)
    assert client.get("/console/dashboard/", base_url=BASE).status_code == 200
    page = timed(args.runs, lambda: client.get("/console/dashboard/", base_url=BASE))
    csv_download = timed(
        args.runs, lambda: client.get("/console/dashboard/export.csv", base_url=BASE)
    )
    print(f"  {'GET /console/dashboard/ (query + HTML)':<42} {percentiles(page)}")
    print(f"  {'GET /console/dashboard/export.csv':<42} {percentiles(csv_download)}")
    engine.dispose()


def postgres_database():
    """A fresh scratch database URL and a function that drops it; (None, reason) if absent."""
    import psycopg2

    try:
        admin = psycopg2.connect(PG_ADMIN_URL, connect_timeout=3)
    except psycopg2.Error as error:
        return None, f"{type(error).__name__}: PostgreSQL not reachable at {PG_ADMIN_URL}"
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{PG_NAME}"')

    def drop() -> None:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        admin.close()

    return (f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{PG_NAME}", drop), None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--lookups", type=int, default=40_000)
    parser.add_argument("--handoffs", type=int, default=3_000)
    parser.add_argument("--checkins", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print("Synthetic load (generated, no real data).")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/helpline.db"
        upgrade(url)
        measure("SQLite", url, args)
    if args.no_postgres:
        return
    database, reason = postgres_database()
    if database is None:
        print(f"PostgreSQL: skipped ({reason})")
        return
    url, drop = database
    try:
        upgrade(url)
        measure("PostgreSQL", url, args)
    finally:
        drop()


if __name__ == "__main__":
    main()
