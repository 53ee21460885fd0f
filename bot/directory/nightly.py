"""When the worker syncs the directory from FindTreatment.gov's locator, and for which states.

Read from the environment with the other settings (bot/settings.py), so a bad value fails
at start-up with its name. Plain standard library: bot/settings.py imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Mapping, Tuple
from zoneinfo import ZoneInfo

# The locator numbers states its own way (not FIPS codes): limitType=0 takes this number as
# limitValue. The values were read off two public clients that probed the live service
# (see bot/directory/locator.py); any other state is given as "XX:number".
LOCATOR_STATE_IDS: Dict[str, int] = {"CT": 25, "MA": 3}


def parse_states(text: str) -> Tuple[Tuple[str, int], ...]:
    """("CT", 25), ("MA", 3) from "CT,MA" or "CT:25,MA:3"; a ValueError says what is wrong."""
    states = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        code, _, number = part.partition(":")
        code = code.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise ValueError(f"{part!r} is not a two-letter state code")
        if number.strip():
            if not number.strip().isdigit():
                raise ValueError(f"{part!r}: the locator's state number must be a whole number")
            states.append((code, int(number)))
        elif code in LOCATOR_STATE_IDS:
            states.append((code, LOCATOR_STATE_IDS[code]))
        else:
            raise ValueError(
                f"no locator number known for {code}; give it as {code}:<number> "
                "(FindTreatment.gov's developer guide lists them)"
            )
    if not states:
        raise ValueError("no states given")
    return tuple(dict(states).items())


@dataclass(frozen=True)
class SyncSettings:
    """Whether the worker syncs every night, at what local hour, and which states."""

    nightly: bool = False
    states: Tuple[Tuple[str, int], ...] = (("CT", 25), ("MA", 3))
    hour: int = 2
    timezone: str = "America/New_York"

    @classmethod
    def from_env(cls, env: Mapping[str, str], default_timezone: str) -> SyncSettings:
        """DIRECTORY_SYNC_NIGHTLY (off), DIRECTORY_SYNC_STATES (CT,MA), DIRECTORY_SYNC_HOUR (2)."""
        flag = (env.get("DIRECTORY_SYNC_NIGHTLY") or "false").strip().lower()
        if flag not in ("true", "1", "yes", "on", "false", "0", "no", "off"):
            raise ValueError(f"DIRECTORY_SYNC_NIGHTLY={flag!r}: expected true or false")
        states_text = env.get("DIRECTORY_SYNC_STATES") or "CT,MA"
        try:
            states = parse_states(states_text)
        except ValueError as error:
            raise ValueError(f"DIRECTORY_SYNC_STATES={states_text!r}: {error}") from None
        hour_text = env.get("DIRECTORY_SYNC_HOUR") or "2"
        if not hour_text.strip().isdigit() or not 0 <= int(hour_text) <= 23:
            raise ValueError(f"DIRECTORY_SYNC_HOUR={hour_text!r}: expected an hour from 0 to 23")
        return cls(
            nightly=flag in ("true", "1", "yes", "on"),
            states=states,
            hour=int(hour_text),
            timezone=default_timezone,
        )

    @property
    def state_codes(self) -> Tuple[str, ...]:
        """The two-letter codes, in order."""
        return tuple(code for code, _ in self.states)

    def night_start(self, now: datetime) -> datetime:
        """The latest local `hour`:00 at or before `now` (aware, in `now`'s zone): one sync
        attempt is due in each period that starts there."""
        zone = ZoneInfo(self.timezone)
        local = now.astimezone(zone)
        start = datetime.combine(local.date(), datetime.min.time().replace(hour=self.hour))
        start = start.replace(tzinfo=zone)
        if start > local:
            start = datetime.combine(
                local.date() - timedelta(days=1), datetime.min.time().replace(hour=self.hour)
            ).replace(tzinfo=zone)
        return start.astimezone(now.tzinfo)
