"""`helpline directory sync` and the worker's nightly sync: fresh FindTreatment.gov listings.

One sync fetches every page for the configured states first, then imports them through the
importer in a single transaction: updated listings update in place, new ones are added,
and this source's listings in those states that the locator no longer has are retired.
A fetch that fails, or that brings no listings or far fewer than yesterday for a state,
changes nothing: yesterday's listings stay, and the failure is recorded in
`directory_import_runs`, where the console reads it ("Last sync failed at ...").

The transaction holds SQLite's write lock for the few seconds an import of two states
takes; the nightly run is at a quiet hour (DIRECTORY_SYNC_HOUR), and PostgreSQL is the
production profile.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Dict, List, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import as_utc, utcnow
from bot.directory.importer import ImportReport, import_rows
from bot.directory.listing import Row
from bot.directory.locator import LocatorError, Page, fetch_pages, rows_from_pages
from bot.directory.models import ImportRun, Location, SourceRecord
from bot.directory.nightly import SyncSettings

log = logging.getLogger(__name__)

SOURCE = "findtreatment"
# A state whose fetch has fewer than this share of the listings it had is not imported:
# a half-empty answer is far likelier a failing service than half the clinics closing.
MIN_SHARE = 0.5
# A worker that was down at the sync hour still syncs this long after it, not later.
CATCH_UP = timedelta(hours=12)


@dataclass(frozen=True)
class SyncResult:
    """How a sync went: `ok`, what it said, and the import's counts when it imported."""

    ok: bool
    message: str
    report: ImportReport | None = None
    pages: int = 0


@dataclass(frozen=True)
class DirectoryStatus:
    """What the console shows about the directory's FindTreatment.gov listings."""

    last_sync: ImportRun | None
    last_good: ImportRun | None
    listings_from: date | None
    zone: str

    @property
    def sync_failed(self) -> bool:
        """The latest sync attempt failed."""
        return self.last_sync is not None and not self.last_sync.ok

    def _local(self, moment: datetime) -> str:
        local = as_utc(moment).astimezone(ZoneInfo(self.zone))
        return local.strftime("%-I:%M %p on %-d %b %Y").replace("AM", "a.m.").replace("PM", "p.m.")

    def summary(self) -> str:
        """One sentence for staff."""
        since = (
            f"showing listings from {self.listings_from.strftime('%-d %b %Y')}"
            if self.listings_from
            else "no FindTreatment.gov listings are loaded"
        )
        if self.last_sync is not None and not self.last_sync.ok:
            reason = f" ({self.last_sync.message})" if self.last_sync.message else ""
            return (
                f"Last directory sync failed at {self._local(self.last_sync.finished_at)}"
                f"{reason}; {since}."
            )
        if self.last_sync is not None:
            run = self.last_sync
            return (
                f"Directory synced from FindTreatment.gov ({run.scope}) at "
                f"{self._local(run.finished_at)}: {run.added} added, {run.updated} updated, "
                f"{run.retired} retired; {since}."
            )
        if self.last_good is not None:
            return f"FindTreatment.gov listings imported from {self.last_good.scope}; {since}."
        return f"The directory has not been synced from FindTreatment.gov; {since}."


def record_run(
    session: Session,
    kind: str,
    scope: str,
    started_at: datetime,
    report: ImportReport | None = None,
    verified_on: date | None = None,
    message: str | None = None,
    source: str = SOURCE,
) -> ImportRun:
    """Add the record of one import or sync (ok when it has a report); the caller commits."""
    run = ImportRun(
        kind=kind,
        source=report.source if report else source,
        scope=scope[:255],
        started_at=started_at,
        finished_at=utcnow(),
        ok=report is not None,
        verified_on=verified_on if report else None,
        message=(message or "")[:500] or None,
    )
    if report is not None:
        run.rows, run.added, run.updated = report.rows, report.added, report.updated
        run.unchanged, run.retired = report.unchanged, report.retired
        run.rejected = len(report.rejected)
    session.add(run)
    return run


class DirectorySync:
    """Syncs the FindTreatment.gov listings of some states from the locator's JSON."""

    def __init__(
        self,
        sessions: sessionmaker,
        settings: SyncSettings,
        fetch: Callable[[Sequence[tuple]], List[Page]] = fetch_pages,
        min_share: float = MIN_SHARE,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.fetch = fetch
        self.min_share = min_share

    @property
    def scope(self) -> str:
        """The states, as the run records name them."""
        return ",".join(self.settings.state_codes)

    def run(
        self, pages: Callable[[], List[Page]] | None = None, today: date | None = None
    ) -> SyncResult:
        """Fetch (or take `pages`), check, import in one transaction; never raises for a
        failed fetch or import: the failure is recorded and returned."""
        started = utcnow()
        today = today or datetime.now(ZoneInfo(self.settings.timezone)).date()
        try:
            got = pages() if pages is not None else self.fetch(self.settings.states)
        except LocatorError as error:
            return self._failed(started, str(error))
        rows = list(rows_from_pages(got, today))
        with self.sessions() as session:
            problem = self._implausible(session, rows)
            if problem:
                session.rollback()
                return self._failed(started, problem, len(got))
            try:
                report = import_rows(
                    session,
                    SOURCE,
                    rows,
                    retire_missing=True,
                    retire_states=self.settings.state_codes,
                )
                record_run(session, ImportRun.SYNC, self.scope, started, report, today)
                session.commit()
            except Exception as error:  # noqa: BLE001 - recorded; yesterday's listings stay
                session.rollback()
                return self._failed(started, f"import failed: {type(error).__name__}", len(got))
        log.info("directory sync of %s: %s", self.scope, report.summary())
        return SyncResult(True, report.summary(), report, len(got))

    def _implausible(self, session: Session, rows: List[Row]) -> str | None:
        """Why these rows must not replace yesterday's listings, or None."""
        keys = {(row.listing.state, row.listing.source_key) for row in rows if row.listing}
        fetched = Counter(state for state, _ in keys)
        stored = self._stored_counts(session)
        for state in self.settings.state_codes:
            have, had = fetched.get(state, 0), stored.get(state, 0)
            if have == 0:
                return f"the locator returned no listings with medication for {state}"
            if had and have < had * self.min_share:
                return (
                    f"only {have} listings for {state} against {had} before; "
                    "that looks like a failing service"
                )
        return None

    def _stored_counts(self, session: Session) -> Dict[str, int]:
        """This source's current listings per synced state."""
        rows = session.execute(
            select(Location.state, func.count(SourceRecord.id))
            .join(Location, Location.id == SourceRecord.location_id)
            .where(
                SourceRecord.source == SOURCE,
                SourceRecord.retired_at.is_(None),
                Location.state.in_(self.settings.state_codes),
            )
            .group_by(Location.state)
        )
        return {state: count for state, count in rows}

    def _failed(self, started: datetime, message: str, pages: int = 0) -> SyncResult:
        """Record a failed sync in its own transaction and say so."""
        log.warning(
            "directory sync of %s failed, yesterday's listings kept: %s", self.scope, message
        )
        with self.sessions() as session:
            record_run(session, ImportRun.SYNC, self.scope, started, message=message)
            session.commit()
        return SyncResult(False, message, pages=pages)

    def run_if_due(self, now: datetime | None = None) -> SyncResult | None:
        """The worker's nightly hook: one sync attempt a night, at DIRECTORY_SYNC_HOUR local
        time or, when the worker was down then, within CATCH_UP of it; only when
        DIRECTORY_SYNC_NIGHTLY is on. None when nothing was due."""
        if not self.settings.nightly:
            return None
        now = now or utcnow()
        since = self.settings.night_start(now).astimezone(timezone.utc)
        if now - since >= CATCH_UP:
            return None
        with self.sessions() as session:
            tried = session.scalar(
                select(func.count(ImportRun.id)).where(
                    ImportRun.kind == ImportRun.SYNC,
                    ImportRun.source == SOURCE,
                    ImportRun.started_at >= since,
                )
            )
        if tried:
            return None
        return self.run()

    def status(self) -> DirectoryStatus:
        """The latest sync, the latest good import or sync, and how old the listings are."""
        with self.sessions() as session:
            runs = select(ImportRun).where(ImportRun.source == SOURCE)
            last_sync = session.scalars(
                runs.where(ImportRun.kind == ImportRun.SYNC)
                .order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
                .limit(1)
            ).first()
            last_good = session.scalars(
                runs.where(ImportRun.ok.is_(True))
                .order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
                .limit(1)
            ).first()
            listings_from = last_good.verified_on if last_good else None
            if listings_from is None:
                listings_from = session.scalar(
                    select(func.max(SourceRecord.last_verified)).where(
                        SourceRecord.source == SOURCE, SourceRecord.retired_at.is_(None)
                    )
                )
            session.expunge_all()
        return DirectoryStatus(last_sync, last_good, listings_from, self.settings.timezone)
