"""`helpline directory ...` commands: import with counts, search, reports, template."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.db import Base, make_engine, session_factory
from bot.directory.cli import directory, verified_date
from bot.directory.search import report_listing
from bot.directory.sources import LOCAL_COLUMNS

ROWS = [
    {
        "source_id": "kits-1",
        "organization": "Example Health District",
        "address_1": "1 Main St",
        "city": "New London",
        "state": "CT",
        "zip": "06320",
        "latitude": "41.3557",
        "longitude": "-72.0995",
        "phone": "860-555-0142",
        "services": "naloxone",
        "free": "yes",
        "last_verified": "2025-10-01",
    },
    {"source_id": "broken", "organization": "No Services Listed", "state": "CT"},
]


@pytest.fixture
def url(tmp_path) -> str:
    url = "sqlite:///" + str(tmp_path / "t.db")
    Base.metadata.create_all(make_engine(url))
    return url


@pytest.fixture
def local_file(tmp_path) -> Path:
    path = tmp_path / "local.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LOCAL_COLUMNS)
        writer.writeheader()
        for row in ROWS:
            writer.writerow({column: row.get(column, "") for column in LOCAL_COLUMNS})
    return path


def invoke(*args: str):
    result = CliRunner().invoke(directory, list(args))
    return result


def test_import_reports_counts_and_rejected_rows(url, local_file):
    first = invoke("import", "--format", "local", "--from", str(local_file), "--database-url", url)
    assert first.exit_code == 0, first.output
    assert "2 rows -> 1 added, 0 updated, 0 unchanged, 1 rejected" in first.output
    assert "rejected row 3: missing services" in first.output

    again = invoke("import", "--format", "local", "--from", str(local_file), "--database-url", url)
    assert "0 added, 0 updated, 1 unchanged, 1 rejected" in again.output


def test_search_prints_the_nearest_listing(url, local_file):
    invoke("import", "--format", "local", "--from", str(local_file), "--database-url", url)
    result = invoke(
        "search", "--near", "New London", "--need", "naloxone", "-k", "1", "--database-url", url
    )
    assert result.exit_code == 0, result.output
    assert "Near New London, CT, within 25 miles:" in result.output
    assert "Example Health District" in result.output
    assert "phone 860-555-0142; naloxone (free kits)" in result.output
    assert "verified 2025-10-01 by local program staff" in result.output


def test_search_says_when_it_looked_farther(url, local_file):
    invoke("import", "--format", "local", "--from", str(local_file), "--database-url", url)
    result = invoke("search", "--near", "Norwich", "--need", "naloxone", "--database-url", url)
    assert "Near Norwich, CT, within 60 miles (fewer than 5 within 25):" in result.output
    assert "Example Health District" in result.output


def test_search_for_an_unknown_place_says_so(url):
    result = invoke("search", "--near", "asdf", "--database-url", url)
    assert result.exit_code != 0
    assert "place not found: no town called 'asdf'" in result.output


def test_a_database_without_directory_tables_is_explained(tmp_path, local_file):
    empty = "sqlite:///" + str(tmp_path / "empty.db")
    result = invoke(
        "import", "--format", "local", "--from", str(local_file), "--database-url", empty
    )
    assert result.exit_code != 0
    assert "run `helpline db-upgrade` first" in result.output


def test_reports_lists_wrong_listing_reports(url, local_file):
    invoke("import", "--format", "local", "--from", str(local_file), "--database-url", url)
    with session_factory(make_engine(url))() as session:
        report_listing(session, 1, "number disconnected")
        session.commit()
    result = invoke("reports", "--database-url", url)
    assert (
        "#1 Example Health District (New London, CT; local): number disconnected" in result.output
    )


def test_template_copies_the_blank_template(tmp_path):
    destination = tmp_path / "mine.csv"
    assert invoke("template", str(destination)).exit_code == 0
    assert destination.read_text().strip().split(",") == list(LOCAL_COLUMNS)
    assert invoke("template", str(destination)).exit_code != 0  # never overwrites


def test_verified_date_comes_from_the_file_name(tmp_path):
    assert verified_date(Path("findtreatment-ma-2025-08-19.csv"), None) == date(2025, 8, 19)
    assert verified_date(Path("findtreatment-ma-2025-08.csv"), None) == date(2025, 8, 1)
    assert verified_date(Path("x.csv"), date(2024, 1, 2)) == date(2024, 1, 2)
