"""Fixed-window rate limiters: in memory (one process, never written anywhere), or shared
through Redis across gateway workers and machines (production profile)."""

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


class SharedWindowLimiter:
    """The same limit held across every gateway worker and machine, counted in Redis.

    The key is a keyed hash of the address (never the address itself) and lives two
    windows. If Redis cannot be reached the process's own `WindowLimiter` counts instead:
    a limiter never stops people from reaching the line because Redis is down.

    (The `limits` library would do this, but its current releases need a newer
    `packaging` than Rasa 3.6 allows.)
    """

    def __init__(self, limit: int, redis_url: str, secret: str, window: int = 60) -> None:
        import redis  # type: ignore[import-untyped]

        self.limit = limit
        self.window = window
        self.secret = secret.encode()
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=0.5)
        self.fallback = WindowLimiter(limit, float(window))

    def allow(self, key: str) -> bool:
        """Count one hit for `key` across processes; False when it is over the limit."""
        import hashlib
        import hmac

        digest = hmac.new(self.secret, key.encode(), hashlib.sha256).hexdigest()[:32]
        slot = int(time.time() // self.window)
        name = f"helpline:limit:{slot}:{digest}"
        try:
            pipe = self.redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, self.window * 2)
            hits, _ = pipe.execute()
        except Exception:  # noqa: BLE001 - any Redis failure: count in this process
            return self.fallback.allow(key)
        return int(hits) <= self.limit


def address_limiter(limit: int, redis_url: str | None, secret: str):
    """The per-address limiter: shared through Redis in the production profile."""
    if redis_url:
        return SharedWindowLimiter(limit, redis_url, secret)
    return WindowLimiter(limit)
