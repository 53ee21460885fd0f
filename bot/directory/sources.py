"""Readers for each directory source: CSV rows in, `Row`s (listing or reason) out.

Row numbers are CSV line numbers as a spreadsheet shows them (the header is row 1).
FindTreatment.gov also offers XLSX; only its CSV export is read, as openpyxl is not
installed. Its locator's JSON pages are read by bot/directory/locator.py, through the same
`findtreatment_listing`.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from functools import partial
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Mapping, Sequence, Set

from bot.directory.geo import resolve_place
from bot.directory.listing import (
    Listing,
    Row,
    RowError,
    clean,
    coordinates,
    phone_numbers,
    pick,
    require,
    stable_key,
    state_code,
    zip5,
)
from bot.directory.vocab import LANGUAGES, PAYMENTS, POPULATIONS, SERVICES

# SAMHSA service codes (FindTreatment.gov columns; upper-case in the OTP `Keys`).
MEDICATION_CODES: Dict[str, Dict[str, str | None]] = {
    "methadone": {"meth": None, "otp": "otp"},
    "buprenorphine": {
        "bu": None,
        "bwn": "with_naloxone",
        "bwon": "without_naloxone",
        "beri": "er_injection",
        "bsdm": "implant",
    },
    "naltrexone": {"nxn": "oral", "vtrl": "er_injection"},
}
FLAG_CODES = {
    "md": "medicaid",
    "mc": "medicare",
    "pi": "private_insurance",
    "sf": "self_pay",
    "ss": "sliding_fee",
    "si": "state_funded",
    "tele": "telehealth",
    "wi": "walk_in",
}
LANGUAGE_CODES = {"sp": "es", "ah": "asl"}
POPULATION_CODES = {"pw": "pregnant", "vet": "veterans", "tay": "youth"}
MOUD_CATEGORIES = {
    "methadone": ("methadone", None),
    "buprenorphine": ("buprenorphine", None),
    "naltrexone/vivitrol": ("naltrexone", "er_injection"),
}
LOCAL_COLUMNS = (
    "source_id", "organization", "site_name", "address_1", "address_2", "city", "state",
    "zip", "latitude", "longitude", "phone", "website", "hours", "services", "free",
    "payment", "telehealth", "walk_in", "languages", "populations", "last_verified",
)  # fmt: skip

Reader = Callable[[Path, date], Iterator[Row]]


def check_header(path: Path, required: Sequence[str]) -> None:
    """Refuse a file that lacks the format's columns (e.g. the wrong --format)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        header = {name.strip() for name in next(csv.reader(handle), [])}
    missing = [name for name in required if name not in header]
    if missing:
        raise RowError(f"{path.name}: missing column(s) {', '.join(missing)}")


def _rows(path: Path, reader: Callable[[dict, int], Row], required: Sequence[str]) -> Iterator[Row]:
    check_header(path, required)
    return _read_rows(path, reader)


def _read_rows(path: Path, reader: Callable[[dict, int], Row]) -> Iterator[Row]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        records = csv.reader(handle)
        header = [name.strip() for name in next(records, [])]
        for number, values in enumerate(records, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield Row(number, error=f"{len(values)} fields, expected {len(header)}")
                continue
            yield reader(dict(zip(header, values, strict=True)), number)


def _guard(build: Callable[[dict], Listing | None]) -> Callable[[dict, int], Row]:
    """Turn a row builder into a reader that reports RowError as a rejected row."""

    def read(values: dict, number: int) -> Row:
        try:
            listing = build(values)
        except RowError as error:
            return Row(number, error=str(error))
        if listing is None:
            return Row(number, skipped="no medication or naloxone service")
        return Row(number, listing)

    return read


def _services_from_codes(codes: Set[str]) -> Dict[str, List[str]]:
    services = {}
    for kind, mapping in MEDICATION_CODES.items():
        present = [form for code, form in mapping.items() if code in codes]
        if present:
            services[kind] = sorted(form for form in present if form)
    return services


def read_findtreatment(path: Path, verified: date) -> Iterator[Row]:
    """FindTreatment.gov facility export (CSV): one facility a row, 0/1 service columns."""

    def build(v: dict) -> Listing | None:
        codes = {code for code, flag in v.items() if flag.strip() == "1"}
        return findtreatment_listing(v, codes, verified)

    required = ("name1", "name2", "street1", "street2", "city", "state", "zip", "phone")
    return _rows(path, _guard(build), required + ("intake1", "latitude", "longitude", "md"))


def findtreatment_listing(v: Mapping[str, str], codes: Set[str], verified: date) -> Listing | None:
    """One FindTreatment.gov facility with its lower-case service codes (the CSV export's
    columns), or None when it offers no medication. The CSV export and the locator's JSON
    (bot/directory/locator.py) both come through here, so the same facility keeps one
    source key and the same words whichever way it arrived."""
    services = _services_from_codes(codes)
    if not services:
        return None
    name, site = require(clean(v["name1"]), "name1"), clean(v["name2"])
    postal, state = zip5(v["zip"]), state_code(v["state"])
    lat, lon, precise = coordinates(v["latitude"], v["longitude"], postal)
    phones = phone_numbers(v["phone"])
    intake = phone_numbers(" ".join([v.get("intake1", ""), v.get("intake2", "")]))
    street1, street2, city = clean(v["street1"]), clean(v["street2"]), clean(v["city"])
    return Listing(
        source="findtreatment",
        source_key=stable_key(name, site, street1, street2, city, state, postal),
        name=name,
        site_name=site,
        address_1=street1,
        address_2=street2,
        city=city,
        state=state,
        postal_code=postal,
        latitude=lat,
        longitude=lon,
        precise=precise,
        phone=phones[0] if phones else None,
        intake_phone=intake[0] if intake else None,
        website=clean(v.get("website")),
        last_verified=verified,
        services=services,
        flags=pick(codes, FLAG_CODES),
        languages=pick(codes, LANGUAGE_CODES),
        populations=pick(codes, POPULATION_CODES),
    )


def read_moud(path: Path, verified: date) -> Iterator[Row]:
    """SAMHSA MOUD site list: one row per site and medication (merged by the importer)."""
    check_header(path, ("name1", "name2", "street1", "city", "state", "zip", "category"))
    return _moud_rows(path, verified)


def _moud_rows(path: Path, verified: date) -> Iterator[Row]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        records = csv.reader(handle)
        header = next(records, [])
        read = _guard(partial(_moud_listing, verified=verified))
        for number, values in enumerate(records, start=2):
            # The header names 16 fields; `geom` splits in two, so rows have 17.
            if len(values) != len(header) + 1:
                yield Row(number, error=f"{len(values)} fields, expected {len(header) + 1}")
                continue
            fields = dict(zip(header[1:13], values[1:13], strict=False))
            fields["longitude"], fields["latitude"] = values[-2], values[-1]
            yield read(fields, number)


def _moud_listing(v: dict, verified: date) -> Listing:
    category = clean(v["category"])
    if category not in MOUD_CATEGORIES:
        raise RowError(f"unknown category {category!r}")
    kind, form = MOUD_CATEGORIES[category]
    name, site = require(clean(v["name1"]), "name1"), clean(v["name2"])
    street1, street2, city = clean(v["street1"]), clean(v["street2"]), clean(v["city"])
    postal, state = zip5(v["zip"]), state_code(v["state"])
    latitude, longitude, precise = coordinates(v["latitude"], v["longitude"], postal)
    return Listing(
        source="moud",
        source_key=stable_key(name, site, street1, street2, city, state, postal),
        name=name,
        site_name=site,
        address_1=street1,
        address_2=street2,
        city=city,
        state=state,
        postal_code=postal,
        latitude=latitude,
        longitude=longitude,
        precise=precise,
        last_verified=verified,
        services={kind: [form] if form else []},
    )


def read_otp(path: Path, verified: date) -> Iterator[Row]:
    """N-SSATS opioid treatment programs: phone in `Contact`, codes in `Keys` (A/B/C/)."""

    def build(v: dict) -> Listing:
        codes = {code.lower() for code in v["Keys"].split("/") if code}
        services = _services_from_codes(codes)
        services["methadone"] = sorted(set(services.get("methadone", [])) | {"otp"})
        name = require(clean(v["Name1"]), "Name1")
        site = clean(" ".join(filter(None, (clean(v["Name2"]), clean(v["Name3"])))))
        street1 = clean(v["Address1"])
        street2 = clean(" ".join(filter(None, (clean(v["Address2"]), clean(v["Address3"])))))
        city, state, postal = clean(v["City"]), state_code(v["State"]), zip5(v["ZIP_Code"])
        lat, lon, precise = coordinates(v["Latitude"], v["Longitude"], postal)
        contact = v["Contact"] or ""
        main, _, intake = contact.partition("Intake:")
        phones, intakes = phone_numbers(main), phone_numbers(intake)
        return Listing(
            source="otp",
            source_key=stable_key(name, site, street1, street2, city, state, postal),
            name=name,
            site_name=site,
            address_1=street1,
            address_2=street2,
            city=city,
            state=state,
            postal_code=postal,
            latitude=lat,
            longitude=lon,
            precise=precise,
            phone=phones[0] if phones else None,
            intake_phone=intakes[0] if intakes else None,
            last_verified=verified,
            services=services,
            flags=pick(codes, FLAG_CODES),
            languages=pick(codes, LANGUAGE_CODES),
            populations=pick(codes, POPULATION_CODES),
        )

    required = ("Name1", "Name2", "Name3", "Address1", "Address2", "Address3", "City", "State")
    return _rows(path, _guard(build), required + ("ZIP_Code", "Contact", "Keys", "Latitude"))


def read_pharmacies(path: Path, verified: date) -> Iterator[Row]:
    """Retail pharmacies (Overture Maps): naloxone is sold there over the counter."""

    def build(v: dict) -> Listing:
        name = require(clean(v["name"]), "name")
        address, city = clean(v["address"]), clean(v["city"])
        postal = zip5(v["zip"])
        state = state_code(v["state"], postal)
        lat, lon, precise = coordinates(v["lat"], v["lon"], postal)
        return Listing(
            source="pharmacies",
            source_key=stable_key(name, address, city, state, postal),
            name=name,
            address_1=address,
            city=city,
            state=state,
            postal_code=postal,
            latitude=lat,
            longitude=lon,
            precise=precise,
            last_verified=verified,
            services={"naloxone": ["over_the_counter"]},
            # Over-the-counter naloxone is bought at the counter: cash always works.
            flags=["self_pay"],
        )

    return _rows(path, _guard(build), ("name", "address", "city", "state", "zip", "lon", "lat"))


def read_local(path: Path, verified: date) -> Iterator[Row]:
    """The local-sources template (columns in templates/local-sources.md; dates per row)."""
    return _rows(path, _guard(_local_listing), LOCAL_COLUMNS)


def _local_listing(v: dict) -> Listing:
    key = require(clean(v["source_id"]), "source_id")
    name = require(clean(v["organization"]), "organization")
    state, postal, city = state_code(v["state"]), zip5(v["zip"]), clean(v["city"])
    services = _words(v["services"], SERVICES, "services")
    if not services:
        raise RowError("missing services")
    free = _yes_no(v["free"], "free")
    flags = _words(v["payment"], PAYMENTS, "payment") + ["free"] * free
    flags += [name for name in ("telehealth", "walk_in") if _yes_no(v[name], name)]
    if clean(v["latitude"]) or clean(v["longitude"]) or postal:
        lat, lon, precise = coordinates(v["latitude"], v["longitude"], postal)
    else:
        lat, lon, precise = _town_centroid(city, state)
    verified_text = require(clean(v["last_verified"]), "last_verified")
    try:
        last_verified = date.fromisoformat(verified_text)
    except ValueError:
        raise RowError(f"last_verified must be YYYY-MM-DD, got {v['last_verified']!r}") from None
    phones = phone_numbers(v["phone"])
    if clean(v["phone"]) and not phones:
        raise RowError(f"phone is not a US number: {v['phone']!r}")
    return Listing(
        source="local",
        source_key=key[:64],
        name=name,
        site_name=clean(v["site_name"]),
        address_1=clean(v["address_1"]),
        address_2=clean(v["address_2"]),
        city=city,
        state=state,
        postal_code=postal,
        latitude=lat,
        longitude=lon,
        precise=precise,
        phone=phones[0] if phones else None,
        website=clean(v["website"]),
        hours=clean(v["hours"]),
        last_verified=last_verified,
        services={s: ["free_kits"] if s == "naloxone" and free else [] for s in services},
        flags=sorted(set(flags)),
        languages=_languages(v["languages"]),
        populations=_words(v["populations"], POPULATIONS, "populations"),
    )


def _split(text: str | None) -> List[str]:
    return [w.strip().lower().replace(" ", "_") for w in re.split(r"[;,]", text or "") if w.strip()]


def _words(text: str | None, allowed: Sequence[str], column: str) -> List[str]:
    words = _split(text)
    unknown = [w for w in words if w not in allowed]
    if unknown:
        raise RowError(f"{column}: unknown value(s) {', '.join(unknown)}; use {', '.join(allowed)}")
    return sorted(set(words))


def _languages(text: str | None) -> List[str]:
    by_name = {name.lower().replace(" ", "_"): code for code, name in LANGUAGES.items()}
    codes = [by_name.get(w, w) for w in _split(text)]
    return _words(",".join(codes), list(LANGUAGES), "languages")


def _yes_no(text: str | None, column: str) -> bool:
    value = (clean(text) or "no").lower()
    if value in ("yes", "y", "true", "1"):
        return True
    if value in ("no", "n", "false", "0"):
        return False
    raise RowError(f"{column} must be yes or no, got {text!r}")


def _town_centroid(city: str | None, state: str):
    found = resolve_place(f"{city}, {state}", states=(state,)) if city else None
    if not found or found.place is None or found.corrected:
        raise RowError("no coordinates, no ZIP code and no known town to place the listing")
    return found.place.latitude, found.place.longitude, False


READERS: Dict[str, Reader] = {
    "findtreatment": read_findtreatment,
    "moud": read_moud,
    "otp": read_otp,
    "pharmacies": read_pharmacies,
    "local": read_local,
}
