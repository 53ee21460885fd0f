"""Test listings around Norwich, CT, each with one distinguishing feature, and how to load
them through the project's own `local` importer."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.directory.importer import import_rows
from bot.directory.sources import LOCAL_COLUMNS, read_local

# Test places around Norwich, CT (06360), each with one distinguishing feature.
PLACES = [
    dict(source_id="a", organization="Clinic A", latitude="41.55", longitude="-72.09",
         services="buprenorphine", payment="medicaid", languages="es", address_1="1 Main St",
         zip="06360", phone="860-555-0101"),
    dict(source_id="b", organization="Clinic B", latitude="41.60", longitude="-72.10",
         services="buprenorphine;methadone", payment="self_pay", telehealth="yes"),
    dict(source_id="c", organization="Kits C", latitude="41.45", longitude="-72.10",
         services="naloxone", free="yes", walk_in="yes"),
    dict(source_id="d", organization="Clinic D", latitude="41.30", longitude="-71.90",
         services="methadone", payment="medicaid", populations="veterans"),
    dict(source_id="e", organization="Clinic E", latitude="42.10", longitude="-72.59",
         services="naltrexone"),
    dict(source_id="f", organization="Program F", latitude="42.36", longitude="-71.06",
         services="harm_reduction"),
]  # fmt: skip


def write_local(path: Path, places) -> Path:
    """A `local` sources CSV of `places` (Norwich, CT by default)."""
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LOCAL_COLUMNS)
        writer.writeheader()
        for place in places:
            row = {"city": "Norwich", "state": "CT", "last_verified": "2025-10-01", **place}
            writer.writerow({column: row.get(column, "") for column in LOCAL_COLUMNS})
    return path


def load(sessions, path: Path) -> None:
    """Import a `local` sources CSV; every row must be accepted."""
    with sessions() as session:
        report = import_rows(session, "local", read_local(path, None))
        session.commit()
    assert not report.rejected, report.rejected
