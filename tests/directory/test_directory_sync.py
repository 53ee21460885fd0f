"""The FindTreatment.gov locator sync: JSON pages read into listings, paging, failures that
keep yesterday's listings, `helpline directory sync`, the worker's nightly hook and the
console's word on a failed sync. No network: pages are recorded files or a fake HTTP."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Dict, List, Tuple
from zoneinfo import ZoneInfo

import pytest
import requests
import time_machine
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.accounts.models import NAVIGATOR, SUPERVISOR
from bot.checkins.scheduler import CheckInScheduler
from bot.db import Base, make_engine, session_factory
from bot.directory import sync as sync_module
from bot.directory.cli import directory
from bot.directory.importer import import_rows
from bot.directory.locator import (
    LocatorError,
    Page,
    check_page,
    fetch_pages,
    read_recorded,
    rows_from_pages,
    service_codes,
)
from bot.directory.models import ImportRun, Location, SourceRecord
from bot.directory.nightly import SyncSettings, parse_states
from bot.directory.sources import READERS
from bot.directory.sync import DirectorySync
from bot.settings import SettingsError
from tests.support import PASSWORD, ConsoleBrowser, make_settings
from webhook import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "locator"
UTC = timezone.utc
SYNC_DAY = date(2026, 12, 3)
STATES = (("CT", 25), ("MA", 3))


def recorded(states=("CT", "MA")) -> List[Page]:
    return read_recorded(FIXTURES, list(states))


def listings_by_name(pages: List[Page]) -> Dict[str, object]:
    return {
        row.listing.name: row.listing for row in rows_from_pages(pages, SYNC_DAY) if row.listing
    }


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine("sqlite:///" + str(tmp_path / "t.db"))
    Base.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()


def syncer(sessions, fetch=None, **options) -> DirectorySync:
    settings = SyncSettings(states=STATES, **options)
    if fetch is None:
        return DirectorySync(sessions, settings, fetch=lambda states: recorded())
    return DirectorySync(sessions, settings, fetch=fetch)


def locations(sessions) -> Dict[str, Tuple]:
    """Active places by name: (phone, street, town, medications)."""
    with sessions() as session:
        found = {}
        for location in session.scalars(select(Location).where(Location.active.is_(True))):
            kinds = tuple(sorted(service.kind for service in location.services))
            found[location.name] = (location.phone, location.address_1, location.city, kinds)
        return found


def runs(sessions) -> List[ImportRun]:
    with sessions() as session:
        found = list(session.scalars(select(ImportRun).order_by(ImportRun.id)))
        session.expunge_all()
        return found


# -- reading the pages -----------------------------------------------------------------


def test_recorded_pages_are_read_in_order_until_the_last():
    pages = recorded()
    assert [(page.state, page.number) for page in pages] == [("CT", 1), ("CT", 2), ("MA", 1)]


def test_rows_map_to_the_same_words_as_the_csv_export():
    found = listings_by_name(recorded())
    clinic = found["Thames Valley Recovery Services"]
    assert clinic.site_name == "Norwich Clinic"
    assert (clinic.phone, clinic.intake_phone) == ("860-555-0140", "860-555-0141 x2")
    assert (clinic.address_1, clinic.address_2, clinic.city) == (
        "12 Main Street",
        "Suite 2",
        "Norwich",
    )
    assert (clinic.state, clinic.postal_code) == ("CT", "06360")
    assert (clinic.latitude, clinic.longitude, clinic.precise) == (41.5243, -72.0759, True)
    assert clinic.services == {
        "buprenorphine": ["er_injection", "with_naloxone"],
        "naltrexone": ["er_injection"],
    }
    assert clinic.flags == [
        "medicaid",
        "private_insurance",
        "self_pay",
        "sliding_fee",
        "telehealth",
    ]
    assert clinic.languages == ["es"]
    # "Young adults" among the age groups is not the young-adult program.
    assert clinic.populations == ["pregnant", "veterans"]
    assert clinic.last_verified == SYNC_DAY
    assert clinic.source == "findtreatment"


def test_an_otp_without_services_is_a_methadone_program_with_its_phone():
    program = listings_by_name(recorded())["New London Methadone Program"]
    assert program.services == {"methadone": ["otp"]}
    assert program.phone == "860-555-0150"


def test_a_placeholder_phone_is_dropped_and_a_facility_without_medication_skipped():
    rows = list(rows_from_pages(recorded(), SYNC_DAY))
    by_number = {row.number: row for row in rows}
    assert by_number[2].skipped == "no medication or naloxone service"  # the MH clinic
    greenfield = listings_by_name(recorded())["Greenfield Recovery Partners"]
    assert greenfield.phone is None  # "(999) 999-9999" in the answer
    assert greenfield.services == {"buprenorphine": ["without_naloxone"]}
    assert greenfield.flags == ["state_funded", "walk_in"]


@pytest.mark.parametrize(
    ("category", "value", "code"),
    [
        ("PHR", "Buprenorphine with naloxone  (Suboxone®)", "bwn"),
        ("PHR", "Buprenorphine with naloxone", "bwn"),
        ("PHR", "Buprenorphine (extended-release, injectable, for example, Sublocade®)", "beri"),
        ("PHR", "Buprenorphine (extended-release, injectable)", "beri"),
        ("PHR", "Extended-release, injectable Naltrexone (Vivitrol®)", "vtrl"),
        ("PHR", "Naltrexone (extended-release, injectable)", "vtrl"),
        ("PHR", "Naltrexone (oral)", "nxn"),
        ("OT", "Federally-certified Opioid Treatment Program", "otp"),
        ("PAY", "Military insurance (e.g., TRICARE)", "mi"),
        ("PYAS", "Sliding fee scale (fee is based on income and other factors)", "ss"),
        ("SET", "Computerized treatment/telemedicine", "tele"),
        ("SL", "Sign language services for the deaf and hard of hearing", "ah"),
        ("SG", "Transitional age young adults", "tay"),
    ],
)
def test_value_wordings_of_different_releases_map_to_one_code(category, value, code):
    row = {"services": [{"f1": "x", "f2": category, "f3": f"Something else; {value}"}]}
    assert service_codes(row) == {code}


def test_swapped_coordinates_are_put_back():
    page = recorded(["MA"])[0]
    row = dict(page.rows[0], latitude="-72.3098", longitude="42.5904")
    swapped = Page("MA", 1, {**page.data, "rows": [row]})
    (listing,) = [r.listing for r in rows_from_pages([swapped], SYNC_DAY)]
    assert (listing.latitude, listing.longitude) == (42.5904, -72.3098)


def test_a_row_of_another_state_is_rejected():
    page = recorded(["MA"])[0]
    wrong = Page("CT", 1, {**page.data, "rows": page.rows[:1]})
    (row,) = rows_from_pages([wrong], SYNC_DAY)
    assert row.listing is None and row.error == "state MA in the answer for CT"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Invalid query", "answered str, not an object"),
        ({"page": 1}, "no list of rows"),
        ({"rows": [], "totalPages": "many"}, "totalPages is 'many'"),
    ],
)
def test_an_answer_of_the_wrong_shape_is_refused(data, message):
    with pytest.raises(LocatorError, match=message):
        check_page(data, "CT", 1)


# -- fetching, with a fake HTTP --------------------------------------------------------


def response(status: int = 200, body: object = None, text: str | None = None):
    made = requests.Response()
    made.status_code = status
    made._content = (text if text is not None else json.dumps(body)).encode()
    made.encoding = "utf-8"
    return made


class FakeLocator:
    """Answers like the locator from the recorded pages (by state number and page), or
    with whatever a test puts in `answers`; records every request."""

    def __init__(self) -> None:
        self.calls: List[dict] = []
        by_number = dict(STATES)
        self.answers: Dict[Tuple[int, int], object] = {
            (by_number[page.state], page.number): response(body=page.data) for page in recorded()
        }

    def get(self, url, params=None, timeout=None, headers=None):
        self.calls.append(dict(params, url=url, timeout=timeout))
        answer = self.answers.get((params["limitValue"], params["page"]))
        if isinstance(answer, Exception):
            raise answer
        return answer if answer is not None else response(body={"rows": [], "totalPages": 0})


@pytest.fixture
def locator() -> FakeLocator:
    return FakeLocator()


def fetch(locator, **options):
    return partial(fetch_pages, http=locator, pause=0, **options)


def test_paging_follows_total_pages_state_by_state(locator):
    pages = fetch(locator)(STATES)
    assert [(page.state, page.number) for page in pages] == [("CT", 1), ("CT", 2), ("MA", 1)]
    asked = [(call["limitValue"], call["page"]) for call in locator.calls]
    assert asked == [(25, 1), (25, 2), (3, 1)]
    first = locator.calls[0]
    assert first["url"] == "https://findtreatment.gov/locator/exportsAsJson/v2"
    assert (first["limitType"], first["sType"], first["pageSize"]) == (0, "both", 500)
    assert first["timeout"] == (10.0, 60.0)


def test_paging_stops_at_an_empty_page(locator):
    locator.answers[(25, 2)] = response(body={"page": 2, "totalPages": 2, "rows": []})
    pages = fetch(locator)(STATES[:1])
    assert [page.number for page in pages] == [1]


def test_a_state_with_too_many_pages_is_refused_after_one_request(locator):
    first = recorded(["CT"])[0].data
    locator.answers[(25, 1)] = response(body={**first, "totalPages": 400})
    with pytest.raises(LocatorError, match="CT: the locator has 400 pages of 500; more than"):
        fetch(locator, max_pages=20)(STATES)
    assert len(locator.calls) == 1


def test_http_500_is_tried_twice_then_a_clear_error(locator):
    locator.answers[(25, 2)] = response(500, text="Internal Server Error")
    with pytest.raises(LocatorError, match="CT page 2: HTTP 500 from https://findtreatment.gov"):
        fetch(locator)(STATES)
    assert [call["page"] for call in locator.calls] == [1, 2, 2]


def test_a_refused_query_is_not_repeated(locator):
    locator.answers[(25, 1)] = response(404, text="Not Found")
    with pytest.raises(LocatorError, match="CT page 1: HTTP 404"):
        fetch(locator)(STATES)
    assert len(locator.calls) == 1


def test_a_text_answer_is_not_json(locator):
    locator.answers[(3, 1)] = response(200, text="Invalid search parameters")
    with pytest.raises(LocatorError, match="MA page 1: the answer is not JSON \\('Invalid search"):
        fetch(locator)(STATES)


def test_a_network_failure_is_named(locator):
    locator.answers[(25, 1)] = requests.ConnectTimeout("timed out")
    with pytest.raises(LocatorError, match="CT page 1: ConnectTimeout reaching"):
        fetch(locator)(STATES)


# -- the sync ----------------------------------------------------------------------------


def test_a_sync_imports_the_listings_and_records_the_run(sessions):
    result = syncer(sessions).run(today=SYNC_DAY)
    assert result.ok, result.message
    assert result.message.startswith("findtreatment: 5 rows -> 4 added, 0 updated")
    places = locations(sessions)
    assert places["Thames Valley Recovery Services - Norwich Clinic"] == (
        "860-555-0140", "12 Main Street", "Norwich", ("buprenorphine", "naltrexone"),
    )  # fmt: skip
    assert places["New London Methadone Program"][0] == "860-555-0150"
    (run,) = runs(sessions)
    assert (run.kind, run.scope, run.ok, run.verified_on) == ("sync", "CT,MA", True, SYNC_DAY)
    assert (run.rows, run.added, run.rejected) == (5, 4, 0)


def test_a_second_sync_of_the_same_pages_changes_nothing(sessions):
    syncer(sessions).run(today=SYNC_DAY)
    again = syncer(sessions).run(today=SYNC_DAY)
    assert "0 added, 0 updated, 4 unchanged" in again.message


def test_the_sync_updates_the_listing_the_csv_export_brought(sessions, tmp_path):
    """The same facility from the CSV export (no phone) gets the locator's phone."""
    csv = tmp_path / "export.csv"
    csv.write_text(
        "name1,name2,street1,street2,city,state,zip,phone,intake1,latitude,longitude,md,otp\n"
        "New London Methadone Program,,7 Bank Street,,New London,CT,6320,,,41.354,-72.099,1,1\n"
    )
    with sessions() as session:
        import_rows(session, "findtreatment", READERS["findtreatment"](csv, date(2020, 1, 1)))
        session.commit()
    assert locations(sessions)["New London Methadone Program"][0] is None
    result = syncer(sessions).run(today=SYNC_DAY)
    assert "3 added, 1 updated" in result.message
    assert locations(sessions)["New London Methadone Program"][0] == "860-555-0150"


def test_a_place_the_locator_dropped_is_retired_in_the_synced_states_only(sessions):
    syncer(sessions).run(today=SYNC_DAY)
    without_otp = recorded(["CT"])[:1]  # page 2 (the methadone program) is gone
    only_ct = DirectorySync(
        sessions, SyncSettings(states=STATES[:1]), fetch=lambda states: without_otp
    )
    result = only_ct.run(today=SYNC_DAY + timedelta(days=1))
    assert result.ok, result.message
    assert result.report.retired == 1
    assert "New London Methadone Program" not in locations(sessions)
    assert "Greenfield Recovery Partners" in locations(sessions)  # MA was not synced


def http_500(locator):
    locator.answers[(25, 1)] = response(500, text="Internal Server Error")


def bad_json(locator):
    locator.answers[(3, 1)] = response(200, text="<html>maintenance</html>")


def no_rows(locator):
    locator.answers.clear()  # every state answers {"rows": [], "totalPages": 0}


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (http_500, "CT page 1: HTTP 500 from https://findtreatment.gov"),
        (bad_json, "MA page 1: the answer is not JSON ('<html>maintenance</html>')"),
        (no_rows, "the locator returned no listings with medication for CT"),
    ],
    ids=["http-500", "bad-json", "no-rows"],
)
def test_a_failed_sync_keeps_yesterdays_listings_and_says_so(sessions, locator, break_it, message):
    syncer(sessions).run(today=SYNC_DAY)
    before = locations(sessions)
    break_it(locator)
    result = syncer(sessions, fetch=fetch(locator)).run(today=SYNC_DAY + timedelta(days=1))
    assert not result.ok and message in result.message
    assert locations(sessions) == before
    with sessions() as session:
        retired = session.scalar(
            select(func.count(SourceRecord.id)).where(SourceRecord.retired_at.is_not(None))
        )
        dates = set(session.scalars(select(SourceRecord.last_verified)))
    assert retired == 0 and dates == {SYNC_DAY}
    last = runs(sessions)[-1]
    assert (last.kind, last.ok, last.verified_on) == ("sync", False, None)
    assert message in last.message


def test_far_fewer_listings_than_yesterday_are_not_imported(sessions):
    syncer(sessions).run(today=SYNC_DAY)
    before = locations(sessions)
    half = syncer(sessions, fetch=lambda states: recorded(["CT"])[:1] + recorded(["MA"]))
    result = DirectorySync(sessions, half.settings, half.fetch, min_share=0.9).run()
    assert not result.ok
    assert result.message == (
        "only 1 listings for CT against 2 before; that looks like a failing service"
    )
    assert locations(sessions) == before


def test_an_import_that_fails_halfway_is_rolled_back_whole(sessions, monkeypatch):
    syncer(sessions).run(today=SYNC_DAY)
    changed = recorded()
    changed[0].rows[0]["phone"] = "860-555-0199"

    def import_then_fail(*args, **kwargs):
        import_rows(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(sync_module, "import_rows", import_then_fail)
    result = syncer(sessions, fetch=lambda states: changed).run(today=SYNC_DAY)
    assert (result.ok, result.message) == (False, "import failed: RuntimeError")
    clinic = locations(sessions)["Thames Valley Recovery Services - Norwich Clinic"]
    assert clinic[0] == "860-555-0140"


# -- the command -------------------------------------------------------------------------


@pytest.fixture
def url(tmp_path) -> str:
    url = "sqlite:///" + str(tmp_path / "cli.db")
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


def invoke(*args: str):
    return CliRunner().invoke(directory, list(args))


def test_sync_from_recorded_pages(url, tmp_path):
    kept = tmp_path / "kept"
    result = invoke(
        "sync", "--states", "CT,MA", "--from-dir", str(FIXTURES), "--database-url", url,
        "--record-to", str(kept),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "syncing CT, MA from recorded pages in" in result.output
    assert "3 page(s) read" in result.output
    assert "findtreatment: 5 rows -> 4 added, 0 updated, 0 unchanged, 0 rejected" in result.output
    assert sorted(path.name for path in kept.iterdir()) == [
        "CT-page1.json", "CT-page2.json", "MA-page1.json",
    ]  # fmt: skip
    search = invoke(
        "search", "--near", "06360", "--medication", "bupe", "-k", "1", "--database-url", url
    )
    assert "Thames Valley Recovery Services - Norwich Clinic" in search.output
    assert "phone 860-555-0140" in search.output


def test_sync_with_a_missing_page_fails_and_says_the_listings_are_kept(url, tmp_path):
    partial_dir = tmp_path / "partial"
    partial_dir.mkdir()
    (partial_dir / "CT-page1.json").write_text((FIXTURES / "CT-page1.json").read_text())
    invoke("sync", "--states", "CT", "--from-dir", str(FIXTURES), "--database-url", url)
    result = invoke("sync", "--states", "CT", "--from-dir", str(partial_dir), "--database-url", url)
    assert result.exit_code == 1
    assert "sync failed, yesterday's listings are kept:" in result.output
    assert "CT-page2.json: missing (page 2 of 2 for CT)" in result.output


def test_sync_refuses_a_state_without_a_known_locator_number(url):
    result = invoke("sync", "--states", "CT,NY", "--from-dir", str(FIXTURES), "--database-url", url)
    assert result.exit_code == 2
    assert "no locator number known for NY; give it as NY:<number>" in result.output


# -- settings and the worker's nightly hook --------------------------------------------------


def test_the_nightly_sync_is_off_unless_turned_on(database_url):
    assert make_settings(database_url).directory_sync == SyncSettings(nightly=False)
    on = make_settings(
        database_url, DIRECTORY_SYNC_NIGHTLY="true", DIRECTORY_SYNC_STATES="CT,RI:9",
        DIRECTORY_SYNC_HOUR="4",
    ).directory_sync  # fmt: skip
    assert (on.nightly, on.states, on.hour) == (True, (("CT", 25), ("RI", 9)), 4)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DIRECTORY_SYNC_NIGHTLY", "sometimes", "expected true or false"),
        ("DIRECTORY_SYNC_STATES", "Connecticut", "not a two-letter state code"),
        ("DIRECTORY_SYNC_HOUR", "25", "expected an hour from 0 to 23"),
    ],
)
def test_a_bad_sync_setting_stops_start_up_with_its_name(database_url, name, value, message):
    with pytest.raises(SettingsError, match=f"{name}=.*{message}"):
        make_settings(database_url, **{name: value})


def test_parse_states_keeps_the_order_and_drops_repeats():
    assert parse_states(" ma, CT ,MA:3") == (("MA", 3), ("CT", 25))


class CountingFetch:
    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, states):
        self.calls += 1
        if self.fail:
            raise LocatorError("CT page 1: HTTP 503 from the locator")
        return recorded()


def at_local(day: int, hour: int, minute: int = 0) -> datetime:
    """A December 2026 time in New York, as UTC."""
    return datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo("America/New_York")).astimezone(
        UTC
    )


def test_the_nightly_hook_does_nothing_when_off(sessions):
    counting = CountingFetch()
    hook = syncer(sessions, fetch=counting, nightly=False)
    assert hook.run_if_due(at_local(3, 3)) is None
    assert counting.calls == 0 and runs(sessions) == []


@pytest.mark.parametrize("fail", [False, True], ids=["ok", "failed"])
def test_the_nightly_hook_syncs_once_a_night(sessions, fail):
    counting = CountingFetch(fail)
    hook = syncer(sessions, fetch=counting, nightly=True, hour=2)
    looks = [at_local(3, 1), at_local(3, 2, 10), at_local(3, 2, 20), at_local(3, 23)]
    looks += [at_local(4, 1, 50), at_local(4, 2, 0), at_local(4, 2, 10)]
    # The worker was down on the night of the 5th until 10 a.m.: it catches up then.
    looks += [at_local(5, 10), at_local(5, 11)]
    ran = []
    with time_machine.travel(looks[0], tick=False) as clock:
        for moment in looks:
            clock.move_to(moment)
            result = hook.run_if_due()
            ran.append(result is not None)
            assert result is None or result.ok is not fail
    # Not before 02:00 (nor in the evening); once a night, a failed try counting as one.
    assert ran == [False, True, False, False, False, True, False, True, False]
    assert counting.calls == 3


@pytest.fixture
def schedulers(services, database_url):
    made = []

    def make(**options) -> CheckInScheduler:
        scheduler = CheckInScheduler(
            database_url, services.checkin_sending, sweep_seconds=60, **options
        )
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        scheduler.shutdown(wait=True)


def test_the_worker_looks_for_a_due_sync_only_when_the_sync_is_on(schedulers):
    looked = []
    with_sync = schedulers(directory_sync=lambda: looked.append(1))
    with_sync.start()
    deadline = time.monotonic() + 10
    while not looked and time.monotonic() < deadline:
        time.sleep(0.05)
    assert looked, "the scheduler never asked whether the sync was due"
    job = with_sync.scheduler.get_job("directory-sync")
    assert job.trigger.interval == timedelta(minutes=10)
    with_sync.shutdown(wait=True)

    without = schedulers()
    without.start()
    assert without.scheduler.get_job("directory-sync") is None


# -- the console -------------------------------------------------------------------------


@pytest.fixture
def app(services):
    return create_app(services, {"TESTING": True})


@pytest.fixture
def signed_in(app, services):
    def sign_in(role: str) -> ConsoleBrowser:
        email = f"{role}@example.org"
        services.accounts.create(email, role.title(), PASSWORD, role)
        browser = ConsoleBrowser(app)
        assert browser.sign_in(email).status_code == 302
        return browser

    return sign_in


def sync_at(services, moment: datetime, pages) -> None:
    with time_machine.travel(moment, tick=False):
        services.directory_sync.run(pages=pages)


def test_the_console_says_when_the_last_sync_failed(services, signed_in):
    sync_at(services, at_local(2, 2, 5), recorded)

    def unreachable():
        raise LocatorError("CT page 1: ConnectTimeout reaching the locator")

    sync_at(services, at_local(3, 2, 5), unreachable)
    expected = (
        "Last directory sync failed at 2:05 a.m. on 3 Dec 2026 (CT page 1: ConnectTimeout "
        "reaching the locator); showing listings from 2 Dec 2026."
    )
    queue = signed_in(NAVIGATOR).get("/console/").get_data(as_text=True)
    assert expected in queue
    dashboard = signed_in(SUPERVISOR).get("/console/dashboard/").get_data(as_text=True)
    assert expected in dashboard


def test_after_a_good_sync_the_queue_is_quiet_and_the_dashboard_says_when(services, signed_in):
    sync_at(services, at_local(3, 2, 5), recorded)
    queue = signed_in(NAVIGATOR).get("/console/").get_data(as_text=True)
    assert "directory-status" not in queue
    dashboard = signed_in(SUPERVISOR).get("/console/dashboard/").get_data(as_text=True)
    assert (
        "Directory synced from FindTreatment.gov (CT,MA) at 2:05 a.m. on 3 Dec 2026: "
        "4 added, 0 updated, 0 retired; showing listings from 3 Dec 2026."
    ) in dashboard
