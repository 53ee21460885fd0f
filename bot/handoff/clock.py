"""Times as navigators read them: local (NAVIGATOR_TIMEZONE), "today 6:31 p.m.", never UTC.

The console's one helper for a moment in time; its Jinja filter (webhook/console/views.py)
and the pages' JSON both use it, so every page says the same thing the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo

from bot.db import as_utc


def clock(moment: datetime, seconds: bool = False) -> str:
    """The time of day, e.g. "6:31 p.m." (with `seconds`, "6:31:05 p.m.")."""
    hour = moment.hour % 12 or 12
    minutes = f"{moment.minute:02d}" + (f":{moment.second:02d}" if seconds else "")
    return f"{hour}:{minutes} {'a.m.' if moment.hour < 12 else 'p.m.'}"


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The local calendar day of `moment`."""
    return as_utc(moment).astimezone(zone).date()


def when(
    moment: datetime | None,
    zone: tzinfo,
    now: datetime | None = None,
    seconds: bool = False,
) -> str:
    """A moment in the navigators' time zone: "today 6:31 p.m.", "yesterday 9:02 a.m.",
    "Nov 28, 9:02 a.m." earlier this year, "Nov 28, 2025, 9:02 a.m." before."""
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(zone)
    today = (now or datetime.now(timezone.utc)).astimezone(zone).date()
    time_of_day = clock(local, seconds)
    if local.date() == today:
        return f"today {time_of_day}"
    if local.date() == today - timedelta(days=1):
        return f"yesterday {time_of_day}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow {time_of_day}"
    day = f"{local.strftime('%b')} {local.day}"
    if local.year != today.year:
        day += f", {local.year}"
    return f"{day}, {time_of_day}"


def day_of(moment: datetime | None, zone: tzinfo, now: datetime | None = None) -> str:
    """Only the day: "today", "yesterday", "Nov 28" or "Nov 28, 2025"."""
    if moment is None:
        return ""
    return when(moment, zone, now).rsplit(" ", 2)[0].rstrip(",")
