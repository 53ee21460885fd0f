"""The dashboard's filters: a period of whole local days (at most two years) and a channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Dict, Mapping

# People's channels; "terminal" (staff trying the line) and "alert" never count.
CHANNELS: Dict[str, str] = {"sms": "SMS", "web": "Web chat"}
CHANNEL_FILTERS: Dict[str, str] = {"all": "All channels", **CHANNELS}

DEFAULT_WEEKS = 12  # full weeks before the current one
MAX_PERIOD_DAYS = 731  # two years, a leap day included
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class DashboardError(ValueError):
    """A filter the dashboard cannot use; the message says what to change."""


@dataclass(frozen=True)
class Filters:
    """A valid period (local dates, both included) and channel filter."""

    start: date
    end: date
    channel: str = "all"


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def default_start(end: date) -> date:
    """The Monday DEFAULT_WEEKS full weeks before `end`'s week."""
    return week_start(end) - timedelta(weeks=DEFAULT_WEEKS)


def parse_filters(args: Mapping[str, str], today: date) -> Filters:
    """Filters from the page's query string ("from", "to", "channel"); DashboardError if bad."""
    end = _parse_date(args.get("to"), "To", today)
    start = _parse_date(args.get("from"), "From", default_start(end))
    channel = (args.get("channel") or "all").strip().lower()
    if channel not in CHANNEL_FILTERS:
        raise DashboardError("Channel must be all channels, SMS or web chat.")
    if start > end:
        raise DashboardError("The From date is after the To date.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise DashboardError("The period can be at most 2 years; choose a shorter one.")
    return Filters(start, end, channel)


def _parse_date(raw: str | None, name: str, default: date) -> date:
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise DashboardError(f"The {name} date must be a date like 2026-09-01.") from None
    if not EARLIEST <= day <= LATEST:
        raise DashboardError(f"The {name} date must be between {EARLIEST.year} and {LATEST.year}.")
    return day
