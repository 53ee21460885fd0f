"""Small cells: counts too small to show by name, and the nearest-rank percentile."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, List, Mapping, Sequence

# Cells smaller than this are not shown by name: a town looked up 2 times could point at

# the one person who did it.
MIN_CELL = 5
SUPPRESSED = "fewer than 5"
OTHER_TOWNS = "Other towns (fewer than 5 each)"


@dataclass(frozen=True)
class Count:
    """One labelled count; `value` is None when it is too small to show (1 to MIN_CELL - 1)."""

    label: str
    value: int | None

    @property
    def shown(self) -> str:
        """The count as the page and the CSV write it."""
        return SUPPRESSED if self.value is None else str(self.value)


def suppress_small(counts: Mapping[str, int], other_label: str = OTHER_TOWNS) -> List[Count]:
    """Rows named only when their count is at least MIN_CELL, largest first; the rest are
    summed into one `other_label` row, itself shown as "fewer than 5" when 1 to 4 (and then
    only when no row is named: otherwise the smallest named row is grouped too)."""
    shown = sorted(
        ((label, n) for label, n in counts.items() if n >= MIN_CELL), key=lambda r: (-r[1], r[0])
    )
    grouped = sum(n for n in counts.values() if 0 < n < MIN_CELL)
    if 0 < grouped < MIN_CELL and shown:
        # The page also gives the total, so a small group beside named rows would give its
        # size away (total minus the named rows): the smallest named row joins the group.
        grouped += shown.pop()[1]
    rows = [Count(label, n) for label, n in shown]
    if grouped:
        rows.append(Count(other_label, grouped if grouped >= MIN_CELL else None))
    return rows


def small_count(label: str, value: int) -> Count:
    """A count of one fixed category (a referral tag) on its own: 1 to MIN_CELL - 1 is kept
    back as "fewer than 5"; zero is shown, since it points at nobody."""
    return Count(label, None if 0 < value < MIN_CELL else value)


def small_total(value: int, written: Callable[[int], str] = str) -> str:
    """A total as the page and the CSV write it: 1 to MIN_CELL - 1 is "fewer than 5" (it
    would be the size of a suppressed group when no row is named)."""
    return SUPPRESSED if 0 < value < MIN_CELL else written(value)


def nearest_rank(values: Sequence[float], percent: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `percent`% of the
    values at or below it, i.e. sorted(values)[ceil(percent / 100 * n) - 1]."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]
