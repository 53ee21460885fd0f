"""Importers: each source format, re-import in place, merging the same place, bad rows."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db import Base, make_engine, session_factory
from bot.directory.importer import import_rows
from bot.directory.merging import address_key
from bot.directory.models import Location, Service, SourceRecord
from bot.directory.sources import LOCAL_COLUMNS, READERS
from bot.settings import ROOT

VERIFIED = date(2025, 8, 19)

FT_HEADER = (
    "    name1,name2,street1,street2,city,state,zip,zip4,county,phone,intake_prompt,intake1,"
    "intake2,website,latitude,longitude,type_facility,bu,bwn,beri,meth,otp,nxn,vtrl,md,sf,ss,"
    "tele,wi,sp,pw,vet,tay\n"
)
FT_BUPE = (
    "Harbor Clinic,Main Office,12 State Street,,Boston,MA,02109,,Suffolk,617-555-0100,,"
    "617-555-0101,,https://example.org,42.3588,-71.0570,SU,1,1,1,,,,,1,1,,1,,1,1,,\n"
)
FT_NO_MOUD = (
    "Talk Therapy Group,,1 Elm St,,Boston,MA,02108,,Suffolk,617-555-0199,,,,,42.357,-71.063,MH,"
    ",,,,,,,1,,,,,,,,\n"
)
FT_BAD_COORDS = (
    "Broken Geocode Clinic,,2 Elm St,,Boston,MA,02108,,Suffolk,,,,,,north,west,SU,"
    "1,,,,,,,,,,,,,,,\n"
)
MOUD_HEADER = (
    '"","name1","name2","street1","street2","city","state","zip","zip4","category",'
    '"countyGEOID","countyName","source","geom","Longitude","Latitude"\n'
)


def moud_row(n: int, category: str, name="Thames Recovery", street="5 Main Street") -> str:
    return (
        f'"{n}","{name}",NA,"{street}",NA,"Norwich","CT","06360",NA,"{category}","09011",'
        f'"New London","SAMHSA",c(-72.0760, 41.5243),-72.0760,41.5243\n'
    )


OTP_HEADER = (
    "Name1,Name2,Name3,Address1,Address2,Address3,City,State,ZIP_Code,Contact,Note,Keys,ID,"
    "Longitude,Latitude,Match Score\n"
)
OTP_ROW = (
    "Thames Recovery Inc,,,5 Main St,,,Norwich,CT,6360,(860)555-0123x4 Intake: (860)555-0124,,"
    "SA/METH/OTP/BU/MD/SF/SP/PW/,1CT06360,-72.0761,41.5244,100.0\n"
)
PHARMACY_HEADER = "name,address,city,state,zip,confidence,lon,lat\n"


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine("sqlite:///" + str(tmp_path / "t.db"))
    Base.metadata.create_all(engine)
    return session_factory(engine)


def run(sessions, source: str, path: Path, **options):
    with sessions() as session:
        report = import_rows(session, source, READERS[source](path, VERIFIED), **options)
        session.commit()
    return report


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def locations(sessions):
    with sessions() as session:
        return session.scalars(select(Location).order_by(Location.id)).all()


def test_findtreatment_export_maps_codes_and_reports_bad_rows(sessions, tmp_path):
    path = write(tmp_path, "ft.csv", FT_HEADER + FT_BUPE + FT_NO_MOUD + FT_BAD_COORDS)
    report = run(sessions, "findtreatment", path)

    assert (report.added, report.updated, report.unchanged, report.skipped) == (1, 0, 0, 1)
    assert report.rejected == [(4, "coordinates are not numbers: 'north', 'west'")]
    [clinic] = locations(sessions)
    assert clinic.name == "Harbor Clinic - Main Office"
    assert (clinic.phone, clinic.intake_phone) == ("617-555-0100", "617-555-0101")
    assert (clinic.latitude, clinic.longitude, clinic.postal_code) == (42.3588, -71.0570, "02109")
    assert clinic.medicaid and clinic.self_pay and clinic.telehealth and not clinic.walk_in
    assert not clinic.sliding_fee
    assert clinic.languages == "es" and clinic.populations == "pregnant"
    assert clinic.last_verified == VERIFIED and clinic.sources == "findtreatment"
    with sessions() as session:
        [service] = session.scalars(select(Service)).all()
    assert service.kind == "buprenorphine"
    assert service.forms == "er_injection,with_naloxone"


def test_reimport_updates_in_place_without_duplicates(sessions, tmp_path):
    path = write(tmp_path, "ft.csv", FT_HEADER + FT_BUPE)
    run(sessions, "findtreatment", path)
    again = run(sessions, "findtreatment", path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)

    write(tmp_path, "ft.csv", FT_HEADER + FT_BUPE.replace("617-555-0100", "617-555-0177"))
    changed = run(sessions, "findtreatment", path)
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 0)
    [clinic] = locations(sessions)
    assert clinic.phone == "617-555-0177"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == 1


def test_moud_rows_for_one_site_merge_into_one_location(sessions, tmp_path):
    text = MOUD_HEADER + moud_row(1, "buprenorphine") + moud_row(2, "naltrexone/vivitrol")
    text += '"3","Short Row",NA\n'
    report = run(sessions, "moud", write(tmp_path, "moud.csv", text))

    assert report.added == 1
    assert report.rejected == [(4, "3 fields, expected 17")]
    [site] = locations(sessions)
    assert (site.latitude, site.longitude) == (41.5243, -72.0760)
    assert site.address_2 is None  # the literal NA is no address
    with sessions() as session:
        kinds = session.scalars(select(Service.kind).order_by(Service.kind)).all()
    assert kinds == ["buprenorphine", "naltrexone"]


def test_otp_listing_joins_the_same_place_from_another_source(sessions, tmp_path):
    run(sessions, "moud", write(tmp_path, "moud.csv", MOUD_HEADER + moud_row(1, "methadone")))
    report = run(sessions, "otp", write(tmp_path, "otp.csv", OTP_HEADER + OTP_ROW))

    assert (report.added, report.merged) == (1, 1)
    [site] = locations(sessions)
    assert site.sources == "moud,otp"
    assert (site.phone, site.intake_phone) == ("860-555-0123 x4", "860-555-0124")
    assert site.postal_code == "06360"  # the OTP file drops the leading zero
    assert site.medicaid and site.self_pay and site.languages == "es"
    with sessions() as session:
        methadone = session.scalars(select(Service).where(Service.kind == "methadone")).one()
        assert methadone.sources == "moud,otp" and methadone.forms == "otp"


def test_the_same_building_with_a_suite_in_one_source_is_one_place(sessions, tmp_path):
    # Seen in the real files: MOUD "Clean Slate Centers - Athol" at 201 South Main Street,
    # FindTreatment "CleanSlate Centers" at 201 South Main Street, Suite 3.
    far = moud_row(1, "methadone").replace("-72.0760,41.5243", "-72.0790,41.5263")
    run(sessions, "moud", write(tmp_path, "moud.csv", MOUD_HEADER + far))
    suite = OTP_ROW.replace("5 Main St,", "5 Main St Suite 3,")
    report = run(sessions, "otp", write(tmp_path, "otp.csv", OTP_HEADER + suite))
    assert report.merged == 1
    assert len(locations(sessions)) == 1
    assert address_key("201 South Main Street, Suite 3", "01331") == address_key(
        "201 S. Main St", "01331"
    )


def test_a_different_program_next_door_stays_separate(sessions, tmp_path):
    run(sessions, "moud", write(tmp_path, "moud.csv", MOUD_HEADER + moud_row(1, "methadone")))
    other = OTP_ROW.replace("Thames Recovery Inc", "Riverside Family Medicine")
    report = run(sessions, "otp", write(tmp_path, "otp.csv", OTP_HEADER + other))
    assert report.merged == 0
    assert len(locations(sessions)) == 2


def test_pharmacies_read_longitude_before_latitude_and_fill_state_from_zip(sessions, tmp_path):
    text = PHARMACY_HEADER + "Corner Drug,9 Bank St,New London,,06320,0.97,-72.0995,41.3557\n"
    text += "Nowhere Drug,1 Road,Somewhere,,,0.9,-72.1,41.3\n"
    report = run(sessions, "pharmacies", write(tmp_path, "ph.csv", text))

    assert report.added == 1
    assert report.rejected == [(3, "state must be a two-letter code, got ''")]
    [pharmacy] = locations(sessions)
    assert (pharmacy.latitude, pharmacy.longitude, pharmacy.state) == (41.3557, -72.0995, "CT")
    assert pharmacy.sources == "pharmacies"


def test_coordinates_far_from_their_zip_code_are_rejected(sessions, tmp_path):
    text = PHARMACY_HEADER + "Swapped Drug,9 Bank St,New London,CT,06320,0.97,41.3557,-72.0995\n"
    report = run(sessions, "pharmacies", write(tmp_path, "ph.csv", text))
    assert report.added == 0
    [(number, reason)] = report.rejected
    assert number == 2 and "coordinates" in reason


def local_csv(tmp_path: Path, rows) -> Path:
    path = tmp_path / "local.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LOCAL_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in LOCAL_COLUMNS})
    return path


def test_local_template_rows_and_their_errors(sessions, tmp_path):
    kits = {
        "source_id": "district-kits-1",
        "organization": "Example Health District",
        "city": "New London",
        "state": "CT",
        "zip": "06320",
        "phone": "(860) 555-0142",
        "services": "naloxone; harm_reduction",
        "free": "yes",
        "walk_in": "yes",
        "languages": "Spanish",
        "hours": "Tue 1-4",
        "last_verified": "2025-10-01",
    }
    coach = {
        "source_id": "coach-1",
        "organization": "Example Recovery Coaches",
        "city": "Norwhich",
        "state": "CT",
        "services": "recovery_coaching",
        "last_verified": "2025-10-01",
    }
    bad_service = {**kits, "source_id": "bad-1", "services": "hugs"}
    no_date = {**kits, "source_id": "bad-2", "last_verified": ""}
    town_only = {**coach, "source_id": "coach-2", "city": "Norwich"}
    path = local_csv(tmp_path, [kits, coach, bad_service, no_date, town_only])
    report = run(sessions, "local", path)

    assert report.added == 2
    assert [number for number, _ in report.rejected] == [3, 4, 5]
    assert "services: unknown value(s) hugs" in report.rejected[1][1]
    assert report.rejected[2][1] == "missing last_verified"
    assert "no known town" in report.rejected[0][1]  # a misspelt town is not guessed at
    district, coach_site = locations(sessions)
    assert district.free and district.walk_in and district.languages == "es"
    assert not district.precise  # placed at the ZIP code's centre
    assert district.phone == "860-555-0142" and district.hours == "Tue 1-4"
    assert district.last_verified == date(2025, 10, 1)
    assert coach_site.city == "Norwich" and not coach_site.precise
    with sessions() as session:
        naloxone = session.scalars(select(Service).where(Service.kind == "naloxone")).one()
    assert naloxone.forms == "free_kits"


def test_local_file_without_the_template_columns_is_refused(tmp_path):
    path = write(tmp_path, "wrong.csv", "name,town\nA,B\n")
    with pytest.raises(ValueError, match="missing column"):
        READERS["local"](path, VERIFIED)


def test_a_file_of_another_format_is_refused_before_any_row(tmp_path):
    path = write(tmp_path, "moud.csv", MOUD_HEADER + moud_row(1, "methadone"))
    with pytest.raises(ValueError, match="missing column"):
        READERS["pharmacies"](path, VERIFIED)


def test_retire_missing_hides_listings_gone_from_a_full_export(sessions, tmp_path):
    path = write(tmp_path, "ft.csv", FT_HEADER + FT_BUPE + FT_BUPE.replace("Harbor", "Pier"))
    run(sessions, "findtreatment", path)
    write(tmp_path, "ft.csv", FT_HEADER + FT_BUPE)
    report = run(sessions, "findtreatment", path, retire_missing=True)
    assert (report.unchanged, report.retired) == (1, 1)
    assert [(loc.name, loc.active) for loc in locations(sessions)] == [
        ("Harbor Clinic - Main Office", True),
        ("Pier Clinic - Main Office", False),
    ]


def test_template_file_header_matches_the_documented_columns():
    folder = ROOT / "bot" / "directory" / "templates"
    header = (folder / "local-sources.csv").read_text().strip().split(",")
    assert tuple(header) == LOCAL_COLUMNS
    documented = (folder / "local-sources.md").read_text()
    for column in LOCAL_COLUMNS:
        assert column in documented


def test_migration_creates_tables_the_importer_uses(database_url, tmp_path):
    sessions = session_factory(make_engine(database_url))
    report = run(sessions, "findtreatment", write(tmp_path, "ft.csv", FT_HEADER + FT_BUPE))
    assert report.added == 1
