"""A hung Redis is waited for once, then skipped for a few seconds, then tried again."""
from __future__ import annotations

import socket

import pytest
import redis

from moviesite import redis_breaker


@pytest.fixture
def hung_server():
    """A TCP port that accepts connections (the kernel's backlog) and never answers, like a frozen Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def client(hung_server):
    redis_breaker.reset()
    pool = redis.ConnectionPool(host="127.0.0.1", port=hung_server, socket_timeout=0.2, socket_connect_timeout=0.2,
                                connection_class=redis_breaker.BreakerConnection)
    yield redis.Redis(connection_pool=pool)
    pool.disconnect()
    redis_breaker.reset()


def test_the_first_call_times_out_and_the_next_ones_are_skipped(client):
    with pytest.raises(redis.TimeoutError):
        client.get("key")

    with pytest.raises(redis.ConnectionError, match="skipped"):
        client.get("key")
    assert redis_breaker.is_open()


def test_after_the_break_redis_is_tried_again(client, monkeypatch):
    monkeypatch.setattr(redis_breaker, "BREAK_SECONDS", 0.0)
    with pytest.raises(redis.TimeoutError):
        client.get("key")

    with pytest.raises(redis.TimeoutError):  # a real attempt again, not "skipped"
        client.get("key")


def test_a_working_redis_is_used_as_usual(settings):
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        from conftest import skip_or_fail

        skip_or_fail("needs Redis (set REDIS_URL)")
    from django.core.cache import cache

    cache.set("breaker-check", 42)

    assert cache.get("breaker-check") == 42 and not redis_breaker.is_open()
