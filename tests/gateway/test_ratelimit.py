"""The per-address chat limit: in one process by default, across processes with Redis."""

from __future__ import annotations

import os
import uuid

import pytest

from bot.ratelimit import SharedWindowLimiter, WindowLimiter, address_limiter

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis not reachable: {error}")
        pytest.skip(f"Redis not reachable: {error}")


def test_the_embedded_default_counts_in_the_process():
    assert isinstance(address_limiter(3, None, "k"), WindowLimiter)


def test_two_gateways_share_one_limit_and_the_address_is_never_stored():
    import redis

    redis_or_skip()
    secret = uuid.uuid4().hex
    first = SharedWindowLimiter(3, REDIS, secret)
    second = SharedWindowLimiter(3, REDIS, secret)  # another gateway worker or machine
    address = "203.0.113.7"
    assert [first.allow(address), second.allow(address), first.allow(address)] == [True] * 3
    assert second.allow(address) is False and first.allow(address) is False
    assert first.allow("198.51.100.2") is True  # another address has its own count
    keys = [k.decode() for k in redis.Redis.from_url(REDIS).keys("helpline:limit:*")]
    assert keys and not any("203.0.113.7" in key for key in keys)
    assert all(0 < redis.Redis.from_url(REDIS).ttl(key) <= 120 for key in keys)


def test_with_redis_down_the_process_counts_and_nobody_is_refused_for_it():
    down = SharedWindowLimiter(2, "redis://127.0.0.1:1/0", "k")  # nothing listens there
    assert [down.allow("a"), down.allow("a"), down.allow("a")] == [True, True, False]
