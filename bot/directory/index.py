"""In-memory nearest-neighbour index over the directory's active locations.

Locations become 3-D unit vectors in a scipy cKDTree, so the straight-line (chord) distance
orders them exactly as the great-circle distance does. Each filter combination gets its own
tree over just the matching locations, built on first use, so a query never skips through
non-matching rows. The index is built once per process per directory revision.
"""

from __future__ import annotations

import math
import threading
from typing import Dict, List, Tuple

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.directory.geo import EARTH_RADIUS_MILES
from bot.directory.models import DirectoryState, Location, Service
from bot.directory.vocab import MEDICATIONS, POPULATIONS, SERVICES, UNINSURED_PAYMENTS

FEATURES = SERVICES + (
    "treatment", "medicaid", "uninsured", "free", "telehealth", "walk_in", "spanish",
) + POPULATIONS  # fmt: skip
BITS: Dict[str, int] = {name: 1 << i for i, name in enumerate(FEATURES)}


def unit_vectors(latitudes, longitudes) -> np.ndarray:
    """Points on the unit sphere for arrays of degrees."""
    lat, lon = np.radians(latitudes), np.radians(longitudes)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


def chord_to_miles(chord):
    """Great-circle miles for a chord length on the unit sphere."""
    return 2 * EARTH_RADIUS_MILES * np.arcsin(np.minimum(np.asarray(chord) / 2, 1.0))


def miles_to_chord(miles: float) -> float:
    """Chord length on the unit sphere for a great-circle distance in miles."""
    return 2 * math.sin(min(miles / EARTH_RADIUS_MILES, math.pi) / 2)


def mask_for(features) -> int:
    """The bit mask a location must have all of, for feature names from FEATURES."""
    mask = 0
    for name in features:
        mask |= BITS[name]
    return mask


class DirectoryIndex:
    """Nearest active locations with a set of features; safe to share between threads."""

    def __init__(self, ids: np.ndarray, points: np.ndarray, bits: np.ndarray) -> None:
        self.ids, self.points, self.bits = ids, points, bits
        self._trees: Dict[int, Tuple[cKDTree | None, np.ndarray]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_session(cls, session: Session) -> DirectoryIndex:
        """Read every active location's coordinates and features."""
        # Core rows through the session's connection: ORM row handling doubles the time.
        connection = session.connection()
        active = Location.active.is_(True)
        kinds: Dict[int, int] = {}
        for location_id, kind in connection.execute(
            select(Service.location_id, Service.kind).join(Location).where(active)
        ):
            bit = BITS.get(kind, 0) | (BITS["treatment"] if kind in MEDICATIONS else 0)
            kinds[location_id] = kinds.get(location_id, 0) | bit
        rows = connection.execute(
            select(
                Location.id, Location.latitude, Location.longitude, Location.medicaid,
                Location.free, Location.telehealth, Location.walk_in, Location.languages,
                Location.populations, *(getattr(Location, name) for name in UNINSURED_PAYMENTS),
            ).where(active).order_by(Location.id)
        ).all()  # fmt: skip
        ids = np.empty(len(rows), dtype=np.int64)
        latitudes, longitudes = np.empty(len(rows)), np.empty(len(rows))
        bits = np.empty(len(rows), dtype=np.int64)
        population_bits = {name: BITS[name] for name in POPULATIONS}
        for i, (id_, lat, lon, medicaid, free, tele, walk_in, langs, people, *pay) in enumerate(
            rows
        ):
            value = kinds.get(id_, 0)
            value |= (
                (BITS["medicaid"] if medicaid else 0)
                | (BITS["free"] if free else 0)
                | (BITS["telehealth"] if tele else 0)
                | (BITS["walk_in"] if walk_in else 0)
                | (BITS["uninsured"] if any(pay) else 0)
                | (BITS["spanish"] if "es" in langs.split(",") else 0)
            )
            for population in people.split(",") if people else ():
                value |= population_bits.get(population, 0)
            ids[i], latitudes[i], longitudes[i], bits[i] = id_, lat, lon, value
        return cls(ids, unit_vectors(latitudes, longitudes).reshape(-1, 3), bits)

    def _tree(self, mask: int) -> Tuple[cKDTree | None, np.ndarray]:
        found = self._trees.get(mask)
        if found is None:
            with self._lock:
                found = self._trees.get(mask)
                if found is None:
                    rows = np.flatnonzero((self.bits & mask) == mask)
                    tree = cKDTree(self.points[rows]) if len(rows) else None
                    found = self._trees[mask] = (tree, rows)
        return found

    def nearest(
        self, latitude: float, longitude: float, mask: int, k: int, max_miles=None
    ) -> List[Tuple[int, float]]:
        """Up to `k` (location id, miles) having every bit of `mask`, nearest first."""
        tree, rows = self._tree(mask)
        if tree is None or k <= 0:
            return []
        bound = miles_to_chord(max_miles) if max_miles else np.inf
        point = unit_vectors([latitude], [longitude])[0]
        chords, found = tree.query(point, k=min(k, len(rows)), distance_upper_bound=bound)
        chords, found = np.atleast_1d(chords), np.atleast_1d(found)
        keep = found < len(rows)
        miles = chord_to_miles(chords[keep])
        return [(int(i), float(m)) for i, m in zip(self.ids[rows[found[keep]]], miles, strict=True)]


_cache: Dict[Tuple[str, int, str], DirectoryIndex] = {}
_cache_lock = threading.Lock()


def get_index(session: Session) -> DirectoryIndex:
    """This process's index for the session's database, rebuilt when the directory changes."""
    # A query, not session.get: the identity map could hold a stale revision.
    state = session.execute(
        select(DirectoryState.revision, DirectoryState.changed_at).where(DirectoryState.id == 1)
    ).first()
    key = (
        str(session.get_bind().url),
        state.revision if state else 0,
        str(state.changed_at) if state else "",
    )
    index = _cache.get(key)
    if index is None:
        with _cache_lock:
            index = _cache.get(key)
            if index is None:
                index = DirectoryIndex.from_session(session)
                # Keep only the newest revision of each database.
                for old in [k for k in _cache if k[0] == key[0]]:
                    del _cache[old]
                _cache[key] = index
    return index
