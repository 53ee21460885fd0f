"""One listing as read from a source, in the directory's own words (see vocab.py)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Collection, Dict, List

from bot.directory.geo import haversine_miles, zip_place, zip_record
from bot.directory.vocab import SOURCE_PRIORITY

# Farther than this from its own ZIP code, a listing's coordinates are a bad geocode.
MAX_MILES_FROM_ZIP = 75.0


class RowError(ValueError):
    """A source row that cannot become a listing; the message says why."""


@dataclass
class Listing:
    """A place and what it offers, as one source describes it."""

    source: str
    source_key: str
    name: str
    state: str
    latitude: float
    longitude: float
    last_verified: date
    site_name: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    precise: bool = True
    phone: str | None = None
    intake_phone: str | None = None
    website: str | None = None
    hours: str | None = None
    services: Dict[str, List[str]] = field(default_factory=dict)
    flags: List[str] = field(default_factory=list)
    languages: List[str] = field(default_factory=list)
    populations: List[str] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        """Organization and site name together, as people would read them."""
        return " - ".join(part for part in (self.name, self.site_name) if part)

    def absorb(self, other: Listing) -> None:
        """Add what `other` (another row for the same place) says to this listing."""
        for kind, forms in other.services.items():
            self.services[kind] = sorted(set(self.services.get(kind, [])) | set(forms))
        self.flags = sorted(set(self.flags) | set(other.flags))
        self.languages = sorted(set(self.languages) | set(other.languages))
        self.populations = sorted(set(self.populations) | set(other.populations))
        for name in ("phone", "intake_phone", "website", "hours", "address_2", "site_name"):
            if not getattr(self, name) and getattr(other, name):
                setattr(self, name, getattr(other, name))

    def to_data(self) -> dict:
        """A JSON-ready dict with sorted lists, so equal listings hash equally."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["last_verified"] = self.last_verified.isoformat()
        data["services"] = {k: sorted(v) for k, v in sorted(self.services.items())}
        for name in ("flags", "languages", "populations"):
            data[name] = sorted(set(data[name]))
        return data

    @classmethod
    def from_data(cls, data: dict) -> Listing:
        """The inverse of `to_data`."""
        values = dict(data)
        values["last_verified"] = date.fromisoformat(values["last_verified"])
        return cls(**values)

    def rank(self) -> tuple:
        """Sort key: most recently verified first, then the more trusted source."""
        return (-self.last_verified.toordinal(), SOURCE_PRIORITY.index(self.source))


def content_hash(data: dict) -> str:
    """A digest of everything a listing (as `to_data`) says, to tell updated from unchanged."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()


@dataclass
class Row:
    """The outcome of reading one source row: a listing, a rejection or a skip."""

    number: int
    listing: Listing | None = None
    error: str | None = None
    skipped: str | None = None


def clean(value: str | None) -> str | None:
    """Trimmed text; empty cells and the literal NA become None."""
    if value is None:
        return None
    value = re.sub(r"\s+", " ", value).strip()
    return None if value in ("", "NA", "N/A") else value


def stable_key(*parts: str | None) -> str:
    """A source key that survives re-exports: a digest of the identifying fields."""
    text = "|".join(re.sub(r"[^a-z0-9]+", " ", (p or "").lower()).strip() for p in parts)
    return hashlib.sha1(text.encode()).hexdigest()


def zip5(value: str | None) -> str | None:
    """A five-digit ZIP code; spreadsheets drop New England's leading zeros, so pad."""
    digits = re.sub(r"[^0-9-]", "", value or "").split("-")[0]
    if not digits:
        return None
    if len(digits) > 5:
        digits = digits[:5]
    return digits.zfill(5)


def phone_numbers(text: str | None) -> List[str]:
    """US phone numbers in `text`, formatted 203-555-0100 (with any extension)."""
    found = []
    for m in re.finditer(
        r"\(?(\d{3})\)?[\s.-]*(\d{3})[\s.-]*(\d{4})(?:\s*(?:x|ext\.?)\s*(\d+))?", text or ""
    ):
        number = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
        found.append(f"{number} x{m.group(4)}" if m.group(4) else number)
    return found


def coordinates(lat: str | None, lon: str | None, postal_code: str | None):
    """(latitude, longitude, precise) from the row, or the ZIP centroid when absent."""
    if clean(lat) is None and clean(lon) is None:
        place = zip_place(postal_code) if postal_code else None
        if place is None:
            raise RowError("no coordinates and no known ZIP code")
        return place.latitude, place.longitude, False
    try:
        latitude, longitude = float(lat or ""), float(lon or "")
    except (TypeError, ValueError):
        raise RowError(f"coordinates are not numbers: {lat!r}, {lon!r}") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or latitude == longitude == 0:
        raise RowError(f"coordinates out of range: {latitude}, {longitude}")
    record = zip_record(postal_code) if postal_code else None
    if record and record.get("lat"):
        miles = haversine_miles(latitude, longitude, float(record["lat"]), float(record["long"]))
        if miles > MAX_MILES_FROM_ZIP:
            raise RowError(f"coordinates are {miles:.0f} miles from ZIP code {postal_code}")
    return latitude, longitude, True


def require(value: str | None, what: str) -> str:
    """`value`, or a row error naming the missing field."""
    if not value:
        raise RowError(f"missing {what}")
    return value


def state_code(value: str | None, postal_code: str | None = None) -> str:
    """A two-letter state code (from the ZIP code when the cell is empty), or a row error."""
    code = (clean(value) or "").upper()
    record = zip_record(postal_code) if not code and postal_code else None
    if record:
        code = record["state"]
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise RowError(f"state must be a two-letter code, got {value!r}")
    return code


def pick(codes: Collection[str], mapping: Dict[str, str]) -> List[str]:
    """Directory words for the source codes present in `codes`."""
    return sorted({word for code, word in mapping.items() if code in codes})
