"""Benchmark the provider directory on the real national files.

Imports ../shared/data into a fresh SQLite database, then times nearest-5 searches from
random US ZIP code centres: the index alone, the full service call (index + loading the
five listings), and a naive full scan of every row for comparison. Then 50 scripted SMS
lookups through the running assistant: the turns each took to its first list of places
(target: 1 when the need and place are in the first text, at most 2 otherwise) and the
latency of the text the list answers. Prints figures only.

    .venv/bin/python bench/bench_directory.py [--data DIR] [--queries 2000] [--scans 30]
"""

from __future__ import annotations

import heapq
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import click
import numpy as np
import zipcodes
from sqlalchemy import select

from bot.db import Base, make_engine, session_factory
from bot.directory.geo import haversine_miles, resolve_place, zip_place
from bot.directory.importer import import_rows
from bot.directory.index import DirectoryIndex, mask_for, unit_vectors
from bot.directory.models import Location
from bot.directory.search import Filters, find_near_place
from bot.directory.sources import READERS

ROOT = Path(__file__).resolve().parent.parent

FILES = (
    ("findtreatment", "findtreatment-ma-2025-08.csv", date(2025, 8, 19)),
    ("moud", "moud-us-2020.csv", date(2020, 9, 1)),
    ("otp", "otp-us-2017.csv", date(2017, 1, 1)),
    ("pharmacies", "pharmacies-us.csv", date(2025, 1, 1)),
)
CASES = (
    ("any listing, no filter", [], None, None),
    ("treatment (any MOUD), no filter", ["treatment"], "treatment", Filters()),
    ("naloxone, no filter", ["naloxone"], "naloxone", Filters()),
    (
        "buprenorphine + Medicaid + Spanish",
        ["buprenorphine", "medicaid", "spanish"],
        "buprenorphine",
        Filters(medicaid=True, spanish=True),
    ),
    ("methadone + uninsured", ["methadone", "uninsured"], "methadone", Filters(uninsured=True)),
    ("treatment + walk-in", ["treatment", "walk_in"], "treatment", Filters(walk_in=True)),
)


def percentiles(seconds: list) -> str:
    """p50 / p95 in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"p50 {statistics.median(ms):7.3f} ms   p95 {p95:7.3f} ms"


def import_all(sessions, data: Path) -> None:
    """Import every file, printing time and rows per second."""
    print("import (fresh SQLite database)")
    for source, name, verified in FILES:
        start = time.perf_counter()
        with sessions() as session:
            report = import_rows(session, source, READERS[source](data / name, verified))
            session.commit()
        took = time.perf_counter() - start
        print(
            f"  {source:13s} {report.rows:6d} rows in {took:6.2f} s = {report.rows / took:7.0f} "
            f"rows/s  ({report.added} added, {report.merged} merged into existing places, "
            f"{len(report.rejected)} rejected, {report.skipped} skipped)"
        )


def query_points(count: int, seed: int = 7) -> list:
    """Random centres of real ZIP codes in the 50 states and DC."""
    rng = random.Random(seed)
    codes = sorted(
        record["zip_code"]
        for record in zipcodes.list_all()
        if record.get("lat") and record["state"] not in ("PR", "VI", "GU", "AS", "MP", "PW")
    )
    return [zip_place(code) for code in rng.sample(codes, count)]


def time_index(index: DirectoryIndex, points: list) -> None:
    """Nearest-5 through the index alone, per case (trees built before timing)."""
    print(f"nearest-5, index only ({len(points)} random US ZIP centres)")
    for label, features, _, _ in CASES:
        mask = mask_for(features)
        start = time.perf_counter()
        index.nearest(41.5, -72.0, mask, 5)
        build = time.perf_counter() - start
        samples = []
        for p in points:
            start = time.perf_counter()
            index.nearest(p.latitude, p.longitude, mask, 5)
            samples.append(time.perf_counter() - start)
        matching = int(np.count_nonzero((index.bits & mask) == mask))
        print(
            f"  {label:36s} {percentiles(samples)}   ({matching} listings match; "
            f"first use builds their tree: {build * 1000:.1f} ms)"
        )


def time_service(sessions, points: list) -> None:
    """Nearest-5 through find_near_place: index plus loading the five listings."""
    print(f"nearest-5, full service call find_near_place ({len(points)} queries, radius 25/60)")
    for label, _, need, filters in CASES[1:]:
        medication = None if need in ("treatment", "naloxone") else need
        need_name = "naloxone" if need == "naloxone" else "treatment"
        samples = []
        with sessions() as session:
            find_near_place(session, points[0], need_name, medication, filters, k=5)
            for p in points:
                start = time.perf_counter()
                find_near_place(session, p, need_name, medication, filters, k=5)
                samples.append(time.perf_counter() - start)
        print(f"  {label:36s} {percentiles(samples)}")


def naive_scan(session, latitude: float, longitude: float, k: int = 5) -> list:
    """Every active row from the database, haversine in Python, keep the k nearest."""
    rows = session.execute(
        select(Location.id, Location.latitude, Location.longitude).where(Location.active)
    )
    return heapq.nsmallest(
        k, ((haversine_miles(latitude, longitude, lat, lon), id_) for id_, lat, lon in rows)
    )


def time_scans(sessions, index: DirectoryIndex, points: list, scans: int) -> None:
    """The naive scan and an in-memory numpy scan against the index, same queries."""
    subset = points[:scans]
    indexed, naive, vector = [], [], []
    with sessions() as session:
        for p in subset:
            start = time.perf_counter()
            fast = index.nearest(p.latitude, p.longitude, 0, 5)
            indexed.append(time.perf_counter() - start)
            start = time.perf_counter()
            slow = naive_scan(session, p.latitude, p.longitude)
            naive.append(time.perf_counter() - start)
            start = time.perf_counter()
            here = unit_vectors([p.latitude], [p.longitude])[0]
            np.argpartition(((index.points - here) ** 2).sum(axis=1), 5)[:5]
            vector.append(time.perf_counter() - start)
            assert [i for i, _ in fast] == [i for _, i in slow] or np.allclose(
                [m for _, m in fast], [m for m, _ in slow], atol=1e-6
            )
    ratio = statistics.median(naive) / statistics.median(indexed)
    print(f"full scan vs index, nearest-5 of all {len(index)} listings ({scans} queries)")
    print(f"  index (cKDTree, between scans)       {percentiles(indexed)}")
    print(f"  naive scan (SQL all rows + haversine) {percentiles(naive)}   {ratio:,.0f}x slower")
    vector_ratio = statistics.median(vector) / statistics.median(indexed)
    print(f"  numpy scan (in memory, vectorised)   {percentiles(vector)}   {vector_ratio:,.0f}x")


# Scripted lookups, as people text them: the need and the place in one text (target: the
# list is the answer to that text), or the need first and the place when asked (target:
# the list answers the second text). Written for this benchmark, not taken from any test
# or evaluation set.
ONE_TEXT = (
    "{med} near {place}", "where can i get {med} in {place}", "{med} clinic {place}",
    "looking for {med} in {place} with medicaid", "need {med} {place} asap",
)  # fmt: skip
TWO_TEXTS = (
    ("i need {med}", "{place}"), ("can you help me find treatment", "{place}"),
    ("where can i get narcan", "{place}"), ("how do i get on {med}", "im in {place}"),
)  # fmt: skip
MEDS = ("methadone", "methadon", "bupe", "subxone", "suboxone", "narcan", "vivitrol")
PLACES = ("norwich", "06340", "orange ma", "athol", "greenfield ma", "hartford", "new london",
          "01301", "worcester", "bridgeport ct", "springfield ma", "willimantic")  # fmt: skip


def scripted_lookups(count: int = 50) -> list:
    """`count` scripts (3 in 5 with everything in the first text), each with its target."""
    scripts = []
    for number in range(count):
        med, place = MEDS[number % len(MEDS)], PLACES[(number * 5) % len(PLACES)]
        if number % 5 < 3:
            template = ONE_TEXT[number % len(ONE_TEXT)]
            scripts.append(([template.format(med=med, place=place)], 1))
        else:
            first, second = TWO_TEXTS[number % len(TWO_TEXTS)]
            scripts.append(([first.format(med=med), second.format(place=place)], 2))
    return scripts


def time_conversation(database_url: str, lookups: int) -> None:
    """Lookups through the conversation: signed texts in -> the list out (SMS); the turns
    each scripted lookup took to get its first list, and the time of the text answered by
    the list."""
    import os
    import uuid
    import xml.etree.ElementTree as ET

    import requests
    from twilio.request_validator import RequestValidator

    sys.path.insert(0, str(ROOT))  # tests/ holds the process harness the benchmarks share
    from tests.harness import Helpline, free_port
    from tests.support import TEST_SECRETS

    token = "bench-twilio-token"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("TRACKER_DATABASE_URL", "REDIS_URL")},
        **TEST_SECRETS,
        "DATABASE_URL": database_url,
        "TRACKER_DATABASE_URL": database_url.replace("bench.db", "tracker.db"),
        "GATEWAY_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "RASA_MODEL": str(ROOT / "models" / "helpline.tar.gz"),
        "TWILIO_AUTH_TOKEN": token,
        "RASA_TELEMETRY_ENABLED": "false",
    }
    folder = Path(database_url.split("///", 1)[1]).parent
    helpline = Helpline("bench-lookup", env, folder)
    url = f"{helpline.gateway}/sms/inbound"
    validator = RequestValidator(token)
    scripts = scripted_lookups(lookups)

    def text(phone: str, body: str):
        params = {"From": phone, "Body": body, "MessageSid": f"SM{uuid.uuid4().hex}"}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
        started = time.perf_counter()
        response = requests.post(url, data=params, headers=headers, timeout=30)
        took = time.perf_counter() - started
        return took, [m.text or "" for m in ET.fromstring(response.content).iter("Message")]

    try:
        for process in ("actions", "rasa", "gateway"):
            helpline.start(process)
        helpline.wait_healthy()
        text("+18605550100", "where can i get narcan near 06360")  # warm up the index
        turns, on_target, listed_in, missed = [], 0, [], []
        listings = reachable = 0
        for number, (script, target) in enumerate(scripts):
            phone = f"+1860557{number:04d}"
            taken = None
            for turn, body in enumerate(script, start=1):
                took, replies = text(phone, body)
                if any(" mi, " in reply for reply in replies):
                    shown = [reply for reply in replies if " mi, " in reply]
                    listings += len(shown)
                    reachable += sum(
                        "Call " in r or re.search(r" mi, [^,.]+, ", r) is not None for r in shown
                    )
                    taken = turn
                    listed_in.append(took)
                    break
            turns.append(taken)
            on_target += taken is not None and taken <= target
            if taken is None or taken > target:
                missed.append(" / ".join(script))
        one = [t for t, (_, target) in zip(turns, scripts, strict=True) if target == 1]
        two = [t for t, (_, target) in zip(turns, scripts, strict=True) if target == 2]
        print(f"through the conversation ({len(scripts)} scripted SMS lookups, CT and MA):")
        print(
            f"  turns to the first list: need and place in the first text: "
            f"{sum(t == 1 for t in one)}/{len(one)} in 1 turn; need first, then the place: "
            f"{sum(t is not None and t <= 2 for t in two)}/{len(two)} in at most 2 turns"
        )
        print(f"  on target (1 turn / at most 2): {on_target}/{len(scripts)}")
        print(f"  listings shown with a phone or a street address: {reachable}/{listings}")
        for script in missed:
            print(f"    missed: {script}")
        print(f"  the text the list answers, signed SMS in -> TwiML out  {percentiles(listed_in)}")
    finally:
        helpline.shutdown()


@click.command()
@click.option("--data", type=click.Path(path_type=Path), default=ROOT.parent / "shared" / "data")
@click.option("--queries", default=2000, show_default=True)
@click.option("--scans", default=30, show_default=True)
@click.option(
    "--conversation",
    default=50,
    show_default=True,
    help="Lookups through the running assistant (0 to skip; needs a trained model).",
)
def main(data: Path, queries: int, scans: int, conversation: int) -> None:
    """Run the benchmark."""
    missing = [name for _, name, _ in FILES if not (data / name).exists()]
    if missing:
        raise click.ClickException(f"missing in {data}: {', '.join(missing)}")
    resolve_place("Norwich")  # load the gazetteer outside the timings
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        Base.metadata.create_all(engine)
        sessions = session_factory(engine)
        import_all(sessions, data)
        start = time.perf_counter()
        with sessions() as session:
            index = DirectoryIndex.from_session(session)
        took = time.perf_counter() - start
        print(f"index over {len(index)} active listings built in {took * 1000:.0f} ms")
        points = query_points(queries)
        time_index(index, points)
        time_service(sessions, points[:500])
        time_scans(sessions, index, points, scans)
        engine.dispose()
        if conversation:
            import bot.schema  # noqa: F401 - the gateway's tables too

            Base.metadata.create_all(make_engine(f"sqlite:///{folder}/bench.db"))
            time_conversation(f"sqlite:///{folder}/bench.db", conversation)


if __name__ == "__main__":
    main()
