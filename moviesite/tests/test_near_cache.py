"""The near cache holds Redis values in the process and forgets each one the moment Redis changes it."""
from __future__ import annotations

import os
import time
import uuid

import pytest
import redis

from conftest import skip_or_fail
from moviesite import near_cache
from moviesite.near_cache import NearCache


@pytest.fixture
def server() -> redis.Redis:
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("the near cache needs Redis (set REDIS_URL)")
    return redis.Redis.from_url(url)


@pytest.fixture
def prefix() -> str:
    return f"near-test:{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def near(server, prefix):
    held = NearCache(lambda: near_cache.tracking_connection(server.connection_pool), prefixes=[prefix])
    yield held
    held.close()
    for key in server.scan_iter(prefix + "*"):
        server.delete(key)


def _hold(near: NearCache, server: redis.Redis, key: str, value: bytes) -> None:
    """What a caller does: note the generation, read Redis, keep what it read."""
    generation = near.generation()
    server.set(key, value)
    near.put(key, server.get(key), generation=generation)


def test_a_value_is_held_until_another_client_changes_it(near, server, prefix):
    key = prefix + "picks"
    _hold(near, server, key, b"old")
    assert near.get(key) == b"old"

    redis.Redis.from_url(os.environ["REDIS_URL"]).set(key, b"new")  # another process, say

    assert near.get(key) is None


@pytest.mark.parametrize("change", ["delete", "expire", "flushdb"])
def test_deletion_expiry_and_flush_all_drop_it(near, server, prefix, change):
    key = prefix + "token"
    _hold(near, server, key, b"42")
    if change == "delete":
        server.delete(key)
    elif change == "expire":
        server.pexpire(key, 1)
        time.sleep(0.01)
        server.exists(key)  # Redis deletes an expired key when it is next touched, and says so
    else:
        server.flushdb()

    assert near.get(key) is None


def test_keys_outside_its_prefixes_are_not_watched_and_not_confused(near, server, prefix):
    key = prefix + "a"
    _hold(near, server, key, b"1")
    server.set("elsewhere:" + key, b"2")

    assert near.get(key) == b"1"


def test_a_value_read_before_tracking_restarted_is_not_kept(near, server, prefix):
    key = prefix + "a"
    generation = near.generation()
    near.close()  # as when the connection drops between the caller's read and its put
    server.set(key, b"read-while-nobody-watched")

    near.put(key, server.get(key), generation=generation)

    assert near.get(key) is None


def test_a_lost_tracking_connection_drops_everything_then_comes_back(near, server, prefix, monkeypatch):
    key = prefix + "a"
    _hold(near, server, key, b"1")
    server.client_kill_filter(_id=near.client_id)
    server.set(key, b"2")  # its message is lost with the connection

    assert near.get(key) is None
    assert near.generation() is None  # off until RETRY_SECONDS have passed
    monkeypatch.setattr(near_cache, "RETRY_SECONDS", 0.0)
    near._retry_at = 0.0
    _hold(near, server, key, b"3")
    assert near.get(key) == b"3"


def test_a_connection_that_stops_answering_pings_is_given_up(near, server, prefix, monkeypatch):
    key = prefix + "a"
    _hold(near, server, key, b"1")
    near._ping_due = 0.0
    near._awaiting_pong = True  # a PING went out and no PONG came back before the next was due

    assert near.get(key) is None
    assert near.generation() is None
