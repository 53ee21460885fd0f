"""`helpline directory ...`: import or sync provider listings, try a search, read reports."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path

import click

from bot.directory.vocab import NEEDS, SOURCES

TEMPLATE = Path(__file__).parent / "templates" / "local-sources.csv"


def _sessions(database_url: str | None):
    """Sessions on `database_url` (default: the configured database), schema checked."""
    from sqlalchemy import inspect

    from bot.db import get_engine, session_factory

    engine = get_engine(database_url)
    if not inspect(engine).has_table("directory_import_runs"):
        raise click.ClickException(
            f"{engine.url.render_as_string(hide_password=True)} has no directory tables "
            "(or older ones); run `helpline db-upgrade` first"
        )
    return session_factory(engine)


def _session(database_url: str | None):
    """A session on `database_url` (default: the configured database), schema checked."""
    return _sessions(database_url)()


def verified_date(path: Path, given: date | None) -> date:
    """The date the listings were current: given, else a date in the file name, else mtime."""
    if given:
        return given
    found = re.search(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", path.name)
    if found and 1990 < int(found.group(1)) < 2100:
        return date(int(found.group(1)), int(found.group(2) or 1), int(found.group(3) or 1))
    return datetime.fromtimestamp(path.stat().st_mtime).date()


@click.group("directory")
def directory() -> None:
    """The provider directory: treatment and naloxone near a place."""


@directory.command("import")
@click.option(
    "--format", "source", type=click.Choice(sorted(SOURCES)), required=True, help="Source type."
)
@click.option(
    "--from",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="CSV file (FindTreatment.gov: the CSV export; XLSX is not read).",
)
@click.option("--database-url", default=None, help="Default: the configured DATABASE_URL.")
@click.option(
    "--verified-on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="When the source was current (default: a date in the file name, else its mtime). "
    "Local sources carry their own last_verified column.",
)
@click.option(
    "--retire-missing",
    is_flag=True,
    help="Hide this source's listings that are not in the file (use with full exports only).",
)
@click.option("--show-rejected", default=20, show_default=True, help="Rejected rows to list.")
def import_command(
    source: str,
    path: Path,
    database_url: str | None,
    verified_on: datetime | None,
    retire_missing: bool,
    show_rejected: int,
) -> None:
    """Import or re-import listings; existing ones are updated in place."""
    from tqdm import tqdm

    from bot.db import utcnow
    from bot.directory.importer import import_rows
    from bot.directory.listing import RowError
    from bot.directory.models import ImportRun
    from bot.directory.sources import READERS
    from bot.directory.sync import record_run

    verified = verified_date(path, verified_on.date() if verified_on else None)
    if source != "local":
        click.echo(f"{path.name}: listings taken as current on {verified.isoformat()}")
    started = utcnow()
    with _session(database_url) as session:
        try:
            rows = list(READERS[source](path, verified))
        except RowError as error:
            raise click.ClickException(str(error)) from None
        with tqdm(desc=f"importing {source}", unit="listing") as bar:
            report = import_rows(session, source, rows, bar, retire_missing, commit_batches=True)
        record_run(session, ImportRun.IMPORT, path.name, started, report, verified)
        session.commit()
    click.echo(report.summary())
    for number, reason in report.rejected[:show_rejected]:
        click.echo(f"  rejected row {number}: {reason}")
    if len(report.rejected) > show_rejected:
        click.echo(f"  ... and {len(report.rejected) - show_rejected} more rejected rows")


@directory.command("sync")
@click.option(
    "--states",
    default=None,
    help='States to sync, e.g. "CT,MA" or "CT:25,MA:3" (default: DIRECTORY_SYNC_STATES).',
)
@click.option(
    "--from-dir",
    "from_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Read pages recorded earlier (CT-page1.json, ...) instead of the live locator.",
)
@click.option(
    "--record-to",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write the pages fetched to this folder (for --from-dir later).",
)
@click.option("--database-url", default=None, help="Default: the configured DATABASE_URL.")
@click.option("--show-rejected", default=20, show_default=True, help="Rejected rows to list.")
def sync_command(
    states: str | None,
    from_dir: Path | None,
    record_to: Path | None,
    database_url: str | None,
    show_rejected: int,
) -> None:
    """Refresh FindTreatment.gov listings from its locator; a failed sync changes nothing."""
    from dataclasses import replace

    from bot.directory.locator import fetch_pages, read_recorded, record_pages
    from bot.directory.nightly import SyncSettings, parse_states
    from bot.directory.sync import DirectorySync
    from bot.settings import get_settings

    settings = SyncSettings() if states else get_settings().directory_sync
    if states:
        try:
            settings = replace(settings, states=parse_states(states))
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--states") from None
    codes = settings.state_codes

    def pages():
        got = read_recorded(from_dir, codes) if from_dir else fetch_pages(settings.states)
        if record_to:
            record_pages(got, record_to)
        return got

    where = f"recorded pages in {from_dir}" if from_dir else "the FindTreatment.gov locator"
    click.echo(f"syncing {', '.join(codes)} from {where}")
    result = DirectorySync(_sessions(database_url), settings).run(pages)
    if not result.ok:
        raise click.ClickException(f"sync failed, yesterday's listings are kept: {result.message}")
    click.echo(f"{result.pages} page(s) read")
    click.echo(result.message)
    assert result.report is not None
    for number, reason in result.report.rejected[:show_rejected]:
        click.echo(f"  rejected row {number}: {reason}")
    if len(result.report.rejected) > show_rejected:
        click.echo(f"  ... and {len(result.report.rejected) - show_rejected} more rejected rows")


@directory.command("search")
@click.option("--near", required=True, help='A ZIP code or town, e.g. "06360" or "New London".')
@click.option("--need", type=click.Choice(NEEDS), default="treatment", show_default=True)
@click.option("--medication", default=None, help="methadone, buprenorphine (bupe), naltrexone.")
@click.option("--medicaid", is_flag=True)
@click.option("--uninsured", is_flag=True, help="Self-pay, sliding fee, free or state-funded.")
@click.option("--telehealth", is_flag=True)
@click.option("--spanish", is_flag=True)
@click.option("--walk-in", is_flag=True)
@click.option("-k", "k", default=5, show_default=True)
@click.option("--database-url", default=None)
def search_command(
    near: str,
    need: str,
    medication: str | None,
    medicaid: bool,
    uninsured: bool,
    telehealth: bool,
    spanish: bool,
    walk_in: bool,
    k: int,
    database_url: str | None,
) -> None:
    """Show the nearest listings as the assistant would find them."""
    from bot.directory.search import RADII_MILES, Filters, find_nearby

    filters = Filters(medicaid, uninsured, telehealth, spanish, walk_in)
    with _session(database_url) as session:
        try:
            result = find_nearby(session, near, need, medication, filters, k=k)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    if result.place is None:
        raise click.ClickException(f"place not found: {result.reason}")
    corrected = " (spelling corrected)" if result.place_result.corrected else ""
    widened = f" (fewer than {k} within {RADII_MILES[0]:g})" if result.widened else ""
    click.echo(
        f"Near {result.place.label}{corrected}, within {result.radius_miles:g} miles{widened}:"
    )
    if not result.matches:
        click.echo("  nothing found")
    for m in result.matches:
        offers = "; ".join(
            o.kind + (f" ({', '.join(o.forms)})" if o.forms else "") for o in m.matched_services
        )
        click.echo(f"  {m.distance_miles:5.1f} mi  #{m.id} {m.name}")
        click.echo(f"           {m.address}, {m.town}, {m.state} {m.postal_code or ''}")
        click.echo(f"           phone {m.phone or 'not listed'}; {offers}")
        click.echo(
            f"           verified {m.last_verified.isoformat()} by {', '.join(m.source_names)}"
        )


@directory.command("reports")
@click.option("--database-url", default=None)
@click.option("--limit", default=50, show_default=True)
def reports_command(database_url: str | None, limit: int) -> None:
    """List the newest wrong-listing reports, for staff to re-check those listings."""
    from sqlalchemy import select

    from bot.directory.models import ListingReport, Location

    with _session(database_url) as session:
        rows = session.execute(
            select(ListingReport, Location)
            .join(Location, Location.id == ListingReport.location_id)
            .order_by(ListingReport.id.desc())
            .limit(limit)
        ).all()
        for report, location in rows:
            click.echo(
                f"{report.created_at:%Y-%m-%d %H:%M}  #{location.id} {location.name} "
                f"({location.city}, {location.state}; {location.sources}): "
                f"{report.reason or 'no reason given'}"
            )
    if not rows:
        click.echo("no reports")


@directory.command("template")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def template_command(destination: Path) -> None:
    """Copy the blank local-sources CSV template (columns: templates/local-sources.md)."""
    if destination.exists():
        raise click.ClickException(f"{destination} exists; not overwriting it")
    shutil.copyfile(TEMPLATE, destination)
    click.echo(f"wrote {destination}; fill one row per place, then import with --format local")
