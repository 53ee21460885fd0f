"""Import listings into the directory: update in place by source key, merge same places.

A listing whose (source, source_key) is already stored updates that record; a new one joins
an existing location when another source already lists the same place (same street address
or within 0.1 mile, under a similar name), and otherwise becomes a new location. Every
location is then re-derived from all of its records (see merging.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Collection, Dict, Iterable, List, Set, Tuple

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from bot.db import utcnow
from bot.directory.listing import Listing, Row, content_hash
from bot.directory.merging import PlaceMatcher, address_key, merge, merged_services, name_key
from bot.directory.models import DirectoryState, Location, Organization, Service, SourceRecord

BATCH = 2000
# Pharmacies are many and never the same place as a clinic that shares their building.
UNMERGED_SOURCES = ("pharmacies",)


@dataclass
class ImportReport:
    """What an import did; `rejected` holds (row number, reason) for each bad row."""

    source: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    retired: int = 0
    skipped: int = 0
    rejected: List[Tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people: the counts."""
        return (
            f"{self.source}: {self.rows} rows -> {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected, {self.skipped} skipped"
            f" (no medication or naloxone), {self.merged} joined a listing from another "
            f"source, {self.retired} retired"
        )


@dataclass
class _Stored:
    id: int
    content_hash: str
    location_id: int
    retired: bool


class Importer:
    """One import run of one source into one session (commit is the caller's).

    New places go in with Core inserts (tens of thousands of pharmacies would take minutes
    through the ORM); merges and updates go through `_rederive`.
    """

    def __init__(
        self, session: Session, source: str, progress: Any = None, commit_batches: bool = False
    ) -> None:
        self.session = session
        self.commit_batches = commit_batches
        self.source = source
        self.progress = progress
        self.report = ImportReport(source)
        rows = session.execute(
            select(
                SourceRecord.source_key, SourceRecord.id, SourceRecord.content_hash,
                SourceRecord.location_id, SourceRecord.retired_at.is_not(None),
            ).where(SourceRecord.source == source)
        )  # fmt: skip
        self.stored = {key: _Stored(*values) for key, *values in rows}
        self.organizations = {
            key: id_ for key, id_ in session.execute(select(Organization.name_key, Organization.id))
        }
        self.matcher = self._load_matcher()
        self.dirty: Set[int] = set()
        self.new_records: List[dict] = []
        self.new_services: List[dict] = []
        self.changed_records: List[dict] = []
        self.now = utcnow()
        self.changes_marked = 0

    def _load_matcher(self) -> PlaceMatcher:
        matcher = PlaceMatcher()
        if self.source in UNMERGED_SOURCES:
            return matcher
        rows = self.session.execute(
            select(
                Location.id, Location.name, Location.address_1, Location.postal_code,
                Location.latitude, Location.longitude, Location.sources,
            ).where(Location.active.is_(True))
        )  # fmt: skip
        for id_, name, street, postal, lat, lon, sources in rows:
            kinds = set(sources.split(","))
            if not kinds & set(UNMERGED_SOURCES):
                matcher.add(id_, name.lower(), address_key(street, postal), lat, lon, kinds)
        return matcher

    def run(
        self,
        rows: Iterable[Row],
        retire_missing: bool = False,
        retire_states: Collection[str] | None = None,
    ) -> ImportReport:
        """Import `rows`; with `retire_missing`, retire this source's records not in them
        (only those in `retire_states` when given: a sync of some states leaves the rest)."""
        listings: Dict[str, Listing] = {}
        for row in rows:
            self.report.rows += 1
            if row.error:
                self.report.rejected.append((row.number, row.error))
            elif row.skipped or row.listing is None:
                self.report.skipped += 1
            elif row.listing.source_key in listings:
                listings[row.listing.source_key].absorb(row.listing)
            else:
                listings[row.listing.source_key] = row.listing
        if self.progress is not None:
            self.progress.reset(total=len(listings))
        for count, listing in enumerate(listings.values(), start=1):
            self._save(listing)
            if count % BATCH == 0:
                self._write_batch()
            if self.progress is not None:
                self.progress.update(1)
        self._write_batch()
        if retire_missing:
            self._retire(set(listings), retire_states)
            self._end_batch()
        return self.report

    def _save(self, listing: Listing) -> None:
        data = listing.to_data()
        digest = content_hash(data)
        stored = self.stored.get(listing.source_key)
        if stored is not None:
            if stored.content_hash == digest and not stored.retired:
                self.report.unchanged += 1
                return
            self.changed_records.append(
                {"rid": stored.id, "content_hash": digest, "data": data,
                 "last_verified": listing.last_verified, "updated_at": self.now,
                 "retired_at": None}
            )  # fmt: skip
            self.dirty.add(stored.location_id)
            self.report.updated += 1
            return
        location_id = None if self.source in UNMERGED_SOURCES else self.matcher.find(listing)
        if location_id is not None:
            self.dirty.add(location_id)
            self.report.merged += 1
        else:
            location_id = self._insert_location(listing)
        self.new_records.append(
            {"source": self.source, "source_key": listing.source_key,
             "location_id": location_id, "content_hash": digest, "data": data,
             "last_verified": listing.last_verified, "first_imported_at": self.now,
             "updated_at": self.now}
        )  # fmt: skip
        self.report.added += 1

    def _insert_location(self, listing: Listing) -> int:
        values = merge([listing])
        values.update(
            organization_id=self._organization_id(listing.name, listing.website),
            updated_at=self.now,
        )
        location_id = self.session.execute(insert(Location), values).inserted_primary_key[0]
        self.new_services.extend(
            {**service, "location_id": location_id} for service in merged_services([listing])
        )
        if self.source not in UNMERGED_SOURCES:
            self.matcher.add(
                location_id,
                listing.display_name.lower(),
                address_key(listing.address_1, listing.postal_code),
                listing.latitude,
                listing.longitude,
                {listing.source},
            )
        return location_id

    def _organization_id(self, name: str, website: str | None) -> int:
        key = name_key(name)
        if key not in self.organizations:
            values = {"name": name[:255], "name_key": key, "website": website}
            result = self.session.execute(insert(Organization), values)
            self.organizations[key] = result.inserted_primary_key[0]
        return self.organizations[key]

    def _write_batch(self) -> None:
        if self.new_records:
            self.session.execute(insert(SourceRecord), self.new_records)
        if self.new_services:
            self.session.execute(insert(Service), self.new_services)
        if self.changed_records:
            self.session.execute(
                update(SourceRecord.__table__)
                .where(SourceRecord.__table__.c.id == bindparam("rid"))
                .values(
                    {name: bindparam(name) for name in self.changed_records[0] if name != "rid"}
                ),
                self.changed_records,
            )
        self.new_records, self.new_services, self.changed_records = [], [], []
        self._end_batch()

    def _end_batch(self) -> None:
        """Re-derive touched locations and mark the directory changed, so each batch is whole."""
        self._rederive()
        changes = self.report.added + self.report.updated + self.report.retired
        if changes > self.changes_marked:
            bump_revision(self.session)
            self.changes_marked = changes
        # Short transactions keep SQLite's single write lock free for the live gateway.
        if self.commit_batches:
            self.session.commit()

    def _retire(self, present: Set[str], states: Collection[str] | None = None) -> None:
        in_scope = set(self.stored)
        if states is not None:
            in_scope = set(
                self.session.scalars(
                    select(SourceRecord.source_key)
                    .join(Location, Location.id == SourceRecord.location_id)
                    .where(SourceRecord.source == self.source, Location.state.in_(list(states)))
                )
            )
        gone = [
            stored
            for key, stored in self.stored.items()
            if key in in_scope and key not in present and not stored.retired
        ]
        for start in range(0, len(gone), 500):
            chunk = gone[start : start + 500]
            self.session.execute(
                update(SourceRecord)
                .where(SourceRecord.id.in_([stored.id for stored in chunk]))
                .values(retired_at=self.now)
                .execution_options(synchronize_session=False)
            )
        self.dirty.update(stored.location_id for stored in gone)
        self.report.retired += len(gone)

    def _rederive(self) -> None:
        """Recompute every location touched by an update, a merge or a retirement."""
        ids = sorted(self.dirty)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            records: Dict[int, List[Listing]] = defaultdict(list)
            for record in self.session.scalars(
                select(SourceRecord).where(
                    SourceRecord.location_id.in_(chunk), SourceRecord.retired_at.is_(None)
                )
            ):
                records[record.location_id].append(Listing.from_data(record.data))
            for location in self.session.scalars(select(Location).where(Location.id.in_(chunk))):
                listings = records.get(location.id)
                if not listings:
                    location.active, location.updated_at = False, utcnow()
                    continue
                for name, value in merge(listings).items():
                    setattr(location, name, value)
                location.updated_at = utcnow()
                _replace_services(location, merged_services(listings))
            self.session.flush()
        self.dirty.clear()


def _replace_services(location: Location, services: List[dict]) -> None:
    """Update service rows in place: a delete and re-insert would break (location, kind)."""
    wanted = {s["kind"]: s for s in services}
    for service in list(location.services):
        if service.kind not in wanted:
            location.services.remove(service)
            continue
        for name, value in wanted.pop(service.kind).items():
            setattr(service, name, value)
    location.services.extend(Service(**s) for s in wanted.values())


def bump_revision(session: Session) -> None:
    """Mark the directory changed so every process rebuilds its search index."""
    state = session.get(DirectoryState, 1)
    if state is None:
        session.add(DirectoryState(id=1, revision=1, changed_at=utcnow()))
    else:
        session.execute(
            update(DirectoryState)
            .where(DirectoryState.id == 1)
            .values(revision=DirectoryState.revision + 1, changed_at=utcnow())
        )


def import_rows(
    session: Session,
    source: str,
    rows: Iterable[Row],
    progress: Any = None,
    retire_missing: bool = False,
    commit_batches: bool = False,
    retire_states: Collection[str] | None = None,
) -> ImportReport:
    """Import parsed rows of one source (`progress`: a tqdm-like bar); the caller commits.

    With `commit_batches`, every batch is committed as it goes (for a live SQLite database);
    without it the whole import is one transaction the caller can roll back.
    """
    importer = Importer(session, source, progress, commit_batches)
    return importer.run(rows, retire_missing=retire_missing, retire_states=retire_states)
