"""The real directory files at scale (from ../shared/data, never copied into the repo)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.db import Base, make_engine, session_factory
from bot.directory.importer import import_rows
from bot.directory.search import Filters, find_nearby
from bot.directory.sources import READERS
from bot.settings import ROOT

DATA = ROOT.parent / "shared" / "data"
FILES = {
    "findtreatment": ("findtreatment-ma-2025-08.csv", date(2025, 8, 19)),
    "moud": ("moud-us-2020.csv", date(2020, 9, 1)),
    "otp": ("otp-us-2017.csv", date(2017, 1, 1)),
    "pharmacies": ("pharmacies-us.csv", date(2025, 1, 1)),
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not all((DATA / name).exists() for name, _ in FILES.values()),
        reason=f"real directory files not found in {DATA} (see shared/data/README.md)",
    ),
]


def run(sessions, source: str):
    name, verified = FILES[source]
    with sessions() as session:
        report = import_rows(session, source, READERS[source](DATA / name, verified))
        session.commit()
    return report


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    engine = make_engine("sqlite:///" + str(tmp_path_factory.mktemp("real") / "t.db"))
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    return sessions, {source: run(sessions, source) for source in FILES}


def test_findtreatment_export(imported):
    sessions, reports = imported
    report = reports["findtreatment"]
    assert report.rows == 662
    assert (report.added, report.skipped, report.rejected) == (279, 383, [])
    again = run(sessions, "findtreatment")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 279)


def test_moud_sites_merge_and_bad_geocodes_are_rejected(imported):
    report = imported[1]["moud"]
    assert report.rows == 14773
    # One row per site and medication: far fewer listings than rows.
    assert 10000 < report.added < 11000
    assert report.rejected and len(report.rejected) < 10
    assert all("miles from ZIP code" in reason for _, reason in report.rejected)


def test_most_methadone_programs_are_places_already_listed(imported):
    report = imported[1]["otp"]
    assert report.added == 1087 and not report.rejected
    assert report.merged > 800


def test_pharmacies(imported):
    report = imported[1]["pharmacies"]
    assert report.added > 39000
    assert len(report.rejected) < 100


def test_bupe_near_06360(imported):
    with imported[0]() as session:
        result = find_nearby(session, "06360", medication="bupe", k=3)
    assert result.place.label == "Norwich, CT 06360"
    assert len(result.matches) == 3
    assert all(m.state == "CT" and m.distance_miles < 10 for m in result.matches)


def test_naloxone_in_new_london_and_methadone_near_storrs(imported):
    with imported[0]() as session:
        naloxone = find_nearby(session, "New London", need="naloxone", k=3)
        methadone = find_nearby(session, "Storrs", medication="methadone", k=1)
        spanish = find_nearby(
            session, "Boston", medication="methadone", filters=Filters(spanish=True)
        )
    assert naloxone.matches[0].distance_miles < 2
    assert methadone.matches[0].town == "Willimantic"
    assert all("es" in m.languages for m in spanish.matches) and spanish.matches
