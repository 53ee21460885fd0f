"""When check-ins go out: the days after opting in, and the local hours texts may be sent.

Read from the environment with the other settings (bot/settings.py), so a bad value fails
at start-up with its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import List, Mapping, Tuple
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class CheckInSettings:
    """The schedule: which days after opting in, and the local hours texts may go out."""

    days: Tuple[int, ...] = (1, 3, 7, 14, 30)
    start: time = time(10, 0)
    end: time = time(19, 0)
    timezone: str = "America/New_York"

    @classmethod
    def from_env(cls, env: Mapping[str, str], default_timezone: str) -> CheckInSettings:
        """CHECKIN_DAYS ("1,3,7,14,30"), CHECKIN_HOURS ("10:00-19:00"), CHECKIN_TIMEZONE."""
        days_text = env.get("CHECKIN_DAYS") or "1,3,7,14,30"
        hours_text = env.get("CHECKIN_HOURS") or "10:00-19:00"
        try:
            days = tuple(sorted({int(day) for day in days_text.split(",") if day.strip()}))
            start_text, end_text = hours_text.split("-")
            start, end = (
                time.fromisoformat(start_text.strip()),
                time.fromisoformat(end_text.strip()),
            )
        except ValueError:
            raise ValueError(
                f"CHECKIN_DAYS={days_text!r} / CHECKIN_HOURS={hours_text!r}: expected e.g. "
                "1,3,7,14,30 and 10:00-19:00"
            ) from None
        if not days or days[0] < 1 or days[-1] > 365:
            raise ValueError(f"CHECKIN_DAYS={days_text!r}: days must be between 1 and 365")
        if start >= end:
            raise ValueError(f"CHECKIN_HOURS={hours_text!r}: the start must be before the end")
        timezone = env.get("CHECKIN_TIMEZONE") or default_timezone
        try:
            ZoneInfo(timezone)  # an unknown zone fails at start-up, not at the first check-in
        except (KeyError, ValueError):
            raise ValueError(f"CHECKIN_TIMEZONE={timezone!r}: unknown time zone") from None
        return cls(days=days, start=start, end=end, timezone=timezone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def due_times(self, enrolled_at: datetime) -> List[Tuple[int, datetime]]:
        """(day, due time in UTC) of each check-in: the same local time of day as the
        opt-in, moved to the start of the hours when that time falls outside them."""
        local = enrolled_at.astimezone(self.zone)
        at = local.time().replace(tzinfo=None)
        if not self.start <= at < self.end:
            at = self.start
        return [(day, self._utc(local.date() + timedelta(days=day), at)) for day in self.days]

    def next_send_time(self, now: datetime) -> datetime:
        """`now` when it is inside the hours, else the start of the next hours (UTC)."""
        local = now.astimezone(self.zone)
        at = local.time().replace(tzinfo=None)
        if self.start <= at < self.end:
            return now
        day = local.date() if at < self.start else local.date() + timedelta(days=1)
        return self._utc(day, self.start)

    def _utc(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(ZoneInfo("UTC"))

    def describe(self) -> dict:
        """Words for the opt-in confirmation: when, start, end."""
        first = "tomorrow" if self.days[0] == 1 else f"in {self.days[0]} days"
        rest = len(self.days) - 1
        when = first if not rest else (
            f"{first}, then {rest} more time{'s' if rest > 1 else ''} over the next "
            f"{self.days[-1]} days"
        )  # fmt: skip
        return {"when": when, "start": clock(self.start), "end": clock(self.end)}


def clock(at: time) -> str:
    """10:00 -> "10am", 19:30 -> "7:30pm"."""
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes}{'am' if at.hour < 12 else 'pm'}"
