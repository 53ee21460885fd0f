"""Navigator hours: the weekly schedule, holidays and time zone, and the claim timeout.

Plain standard library, so bot/settings.py can build `ConsoleSettings` without importing
the database layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import List, Mapping, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Said when there is no opening to name (e.g. no hours configured).
SOON = "as soon as one is free"


@dataclass(frozen=True)
class ConsoleSettings:
    """Navigator hours, the claim timeout, the on-call alert number and the grace after
    closing, and the claim target with its escalation."""

    hours: str = "mon-fri 09:00-17:00"
    holidays: str = ""
    timezone: str = "America/New_York"
    claim_timeout_minutes: int = 10
    on_call_phone: str | None = None
    # How long a navigator keeps a request after closing it (then access ends).
    closed_grace_minutes: int = 30
    # A console session ends after this long without a navigator's own action, and at most
    # this many hours after sign-in (bot/accounts/sessions.py).
    idle_minutes: int = 30
    session_hours: int = 12
    # A request should be claimed within this many minutes: past it the on-call phone is
    # texted again, past twice it the supervisor's phone (when set).
    claim_target_minutes: int = 5
    supervisor_phone: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ConsoleSettings:
        """Read NAVIGATOR_* settings from `env`; a malformed value fails with its name."""
        default = cls()
        made = cls(
            hours=env.get("NAVIGATOR_HOURS") or default.hours,
            holidays=env.get("NAVIGATOR_HOLIDAYS", ""),
            timezone=env.get("NAVIGATOR_TIMEZONE") or default.timezone,
            claim_timeout_minutes=int(env.get("NAVIGATOR_CLAIM_TIMEOUT_MINUTES") or "10"),
            on_call_phone=env.get("NAVIGATOR_ON_CALL_PHONE") or None,
            closed_grace_minutes=int(env.get("NAVIGATOR_CLOSED_GRACE_MINUTES") or "30"),
            idle_minutes=int(env.get("CONSOLE_IDLE_MINUTES") or "30"),
            session_hours=int(env.get("CONSOLE_SESSION_HOURS") or "12"),
            claim_target_minutes=int(env.get("NAVIGATOR_CLAIM_TARGET_MINUTES") or "5"),
            supervisor_phone=env.get("NAVIGATOR_SUPERVISOR_PHONE") or None,
        )
        if made.claim_target_minutes < 1:
            raise ValueError("NAVIGATOR_CLAIM_TARGET_MINUTES: give a number of minutes, 1 or more")
        made.schedule()  # fails now, at start-up, rather than at the first request
        return made

    def schedule(self) -> Schedule:
        """The parsed weekly schedule with holidays, in the navigators' time zone."""
        return Schedule.parse(self.hours, self.holidays, self.timezone)


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Schedule:
    """When navigators are on duty: weekly windows (minutes of the day), minus holidays."""

    windows: Tuple[Tuple[Tuple[int, int], ...], ...]  # per weekday, Monday first
    holidays: frozenset
    zone: ZoneInfo

    @classmethod
    def parse(cls, hours: str, holidays: str = "", timezone: str = "UTC") -> Schedule:
        """Parse e.g. "mon-fri 09:00-17:00; sat 10:00-14:00" ("24/7" for always)."""
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"NAVIGATOR_TIMEZONE: unknown time zone {timezone!r}") from None
        days: List[List[Tuple[int, int]]] = [[] for _ in DAYS]
        for part in filter(None, (p.strip().lower() for p in hours.split(";"))):
            if part == "24/7":
                part = "mon-sun 00:00-24:00"
            try:
                day_spec, time_spec = part.split(None, 1)
                weekdays = _weekdays(day_spec)
                for span in time_spec.replace(" ", "").split(","):
                    start, end = (_minutes(t) for t in span.split("-"))
                    if not start < end:
                        raise ValueError
                    for weekday in weekdays:
                        days[weekday].append((start, end))
            except ValueError:
                raise ValueError(
                    f"NAVIGATOR_HOURS: cannot read {part!r}; write e.g. "
                    '"mon-fri 09:00-17:00; sat 10:00-14:00"'
                ) from None
        try:
            off = frozenset(date.fromisoformat(d.strip()) for d in holidays.split(",") if d.strip())
        except ValueError:
            raise ValueError("NAVIGATOR_HOLIDAYS: write dates like 2026-12-25,2027-01-01") from None
        return cls(tuple(tuple(sorted(d)) for d in days), off, zone)

    def is_open(self, at: datetime) -> bool:
        """True when a navigator is on duty at `at`."""
        local = at.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.windows[local.weekday()])

    def next_opening(self, at: datetime) -> datetime | None:
        """`at` when on duty, else the start of the next window; None when there is none."""
        if self.is_open(at):
            return at
        local = at.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        for ahead in range(370):
            day = local.date() + timedelta(days=ahead)
            if day in self.holidays:
                continue
            for start, _end in self.windows[day.weekday()]:
                if ahead == 0 and start <= minute:
                    continue
                opening = datetime.combine(day, time(start // 60, start % 60), self.zone)
                return opening.astimezone(at.tzinfo)
        return None

    def describe(self, opening: datetime | None, now: datetime) -> str:
        """A plain phrase for when a navigator will reach the person, in local time."""
        if opening is None:
            return SOON
        local, today = opening.astimezone(self.zone), now.astimezone(self.zone).date()
        clock = local.strftime("%I:%M %p").lstrip("0") + " " + local.strftime("%Z")
        if local.date() == today:
            return f"today at {clock}"
        if local.date() == today + timedelta(days=1):
            return f"tomorrow at {clock}"
        return f"on {local.strftime('%A, %B')} {local.day} at {clock}"


def _weekdays(spec: str) -> List[int]:
    if spec == "daily":
        return list(range(7))
    chosen: List[int] = []
    for item in spec.split(","):
        first, _, last = item.partition("-")
        a, b = DAYS.index(first[:3]), DAYS.index((last or first)[:3])
        chosen += list(range(a, b + 1)) if a <= b else list(range(a, 7)) + list(range(b + 1))
    return chosen


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= 24 * 60 or int(minutes) > 59:
        raise ValueError
    return value
