"""A small fixed-window rate limiter, kept in memory and never written anywhere."""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, Tuple


class WindowLimiter:
    """At most `limit` hits per key in each `window` seconds (per process)."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: Dict[str, Tuple[float, int]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one hit for `key`; False when it is over the limit."""
        now = self.clock()
        with self._lock:
            if len(self._hits) > 10_000:
                self._forget_old(now)
            start, hits = self._hits.get(key, (now, 0))
            if now - start >= self.window:
                start, hits = now, 0
            if hits >= self.limit:
                return False
            self._hits[key] = (start, hits + 1)
            return True

    def _forget_old(self, now: float) -> None:
        expired = [k for k, (start, _) in self._hits.items() if now - start >= self.window]
        for key in expired:
            del self._hits[key]
