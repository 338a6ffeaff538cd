"""A circuit breaker for the cache's Redis connections: a hung Redis costs one timeout, not one per call.

With IGNORE_EXCEPTIONS every cache call survives a Redis outage, but each waits out its socket
timeout first: a page making eight cache calls to a hung (not refusing) Redis took eight seconds.
After a connection error or timeout this process stops talking to Redis for BREAK_SECONDS: every
call fails at once (and django-redis carries on without the cache, as it does when Redis is down),
then the next call tries for real again.
"""
from __future__ import annotations

import logging
import threading
import time

from redis.connection import Connection
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

BREAK_SECONDS = 5.0

_lock = threading.Lock()
_open_until = 0.0


def is_open() -> bool:
    return time.monotonic() < _open_until


def trip(reason: BaseException) -> None:
    global _open_until
    with _lock:
        if not is_open():
            logger.warning("Redis unreachable (%s): cache calls skipped for %.0f s", reason, BREAK_SECONDS)
        _open_until = time.monotonic() + BREAK_SECONDS


def reset() -> None:
    global _open_until
    _open_until = 0.0


class BreakerConnection(Connection):
    """redis-py's TCP connection, failing fast while the breaker is open and tripping it on trouble."""

    def send_packed_command(self, command, check_health=True):
        if is_open():
            raise ConnectionError("Redis was unreachable moments ago; skipped (moviesite.redis_breaker)")
        try:
            return super().send_packed_command(command, check_health)
        except (ConnectionError, TimeoutError) as exc:
            trip(exc)
            raise

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except (ConnectionError, TimeoutError) as exc:
            trip(exc)
            raise
