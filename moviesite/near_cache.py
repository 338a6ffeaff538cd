"""A process-local copy of chosen Redis keys, kept true by Redis's own invalidation messages.

The recommendations API's fast lane reads the same two keys (token → user id, the user's picks)
again and again; the round trip to Redis costs more than the rest of the request. Redis can tell
a client whenever a key under given prefixes changes, expires, is evicted or flushed ("client-side
caching": CLIENT TRACKING in broadcast mode, messages on `__redis__:invalidate`). A NearCache keeps
such keys in this process and drops one as soon as Redis says it changed.

Every lookup first reads the messages already waiting on the tracking connection (a non-blocking
poll, a few µs). Redis queues the message before it answers the write, so by the time anyone has
seen a write acknowledged and asked again, its message is waiting here and is read first.

If the tracking connection fails or stops answering its PINGs, everything held is dropped and the
copy stays empty until a new connection is tracking again (tried at most every RETRY_SECONDS), so a
lost message can never leave a stale entry behind. Entries also expire after `ttl` seconds.
"""
from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis

logger = logging.getLogger(__name__)

CHANNEL = "__redis__:invalidate"
RETRY_SECONDS = 5.0
PING_SECONDS = 5.0  # a PING not answered by the next one means the connection is gone


class NearCache:
    """Values of Redis keys under `prefixes`, held per process while Redis reports their changes."""

    def __init__(self, connect: Callable[[], redis.Connection], prefixes: Iterable[str], *,
                 ttl: float = 60.0, maxsize: int = 50_000) -> None:
        self._connect = connect
        self._prefixes = [p.encode() if isinstance(p, str) else p for p in prefixes]
        self._ttl = ttl
        self._maxsize = maxsize
        self._entries: dict[bytes, tuple[float, Any]] = {}  # key → (monotonic deadline, value)
        self._lock = threading.Lock()
        self._conn: redis.Connection | None = None
        self._poll: select.poll | None = None
        self._retry_at = 0.0
        self._ping_due = 0.0
        self._awaiting_pong = False
        self._generation = 0
        self.client_id: int | None = None  # the tracking connection's, as Redis's CLIENT LIST shows it

    def get(self, key: str | bytes) -> Any | None:
        """The value held for `key`, or None (not held, or Redis changed it, or not tracking)."""
        with self._lock:
            return self._held(key) if self._sync() else None

    def peek(self, key: str | bytes) -> Any | None:
        """Like get, without reading waiting messages first: for a second key right after a get."""
        with self._lock:
            return self._held(key) if self._conn is not None else None

    def generation(self) -> int | None:
        """Which tracking connection is on (None: none). Take it before reading a value from Redis."""
        with self._lock:
            return self._generation if self._sync() else None

    def put(self, key: str | bytes, value: Any, *, generation: int | None) -> None:
        """Hold `value` if it was read from Redis while the connection `generation` was tracking.

        A value read before tracking (re)started may have changed unseen, so it is not kept.
        """
        with self._lock:
            if generation is not None and self._sync() and generation == self._generation:
                if len(self._entries) >= self._maxsize:
                    self._entries.clear()  # simpler than LRU, and rare: maxsize is far above a process's callers
                self._entries[_b(key)] = (time.monotonic() + self._ttl, value)

    def _held(self, key: str | bytes) -> Any | None:
        entry = self._entries.get(_b(key))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def close(self) -> None:
        """Stop tracking and drop everything (the next lookup starts again)."""
        with self._lock:
            self._drop(None)
            self._retry_at = 0.0

    def _sync(self) -> bool:
        """Apply waiting invalidations; (re)connect when due. True when held entries can be trusted."""
        now = time.monotonic()
        if self._conn is None:
            if now < self._retry_at:
                return False
            self._start(now)
            return self._conn is not None
        try:
            conn = self._conn
            while self._waiting(conn):
                self._apply(conn.read_response())
            if now >= self._ping_due:
                if self._awaiting_pong:
                    raise redis.ConnectionError(f"no answer to PING within {PING_SECONDS:g} s")
                conn.send_command("PING")
                self._awaiting_pong = True
                self._ping_due = now + PING_SECONDS
        except Exception as exc:  # noqa: BLE001 - any trouble: trust nothing held
            self._drop(f"tracking connection lost: {exc}")
            self._retry_at = now + RETRY_SECONDS
            return False
        return True

    def _waiting(self, conn: redis.Connection) -> bool:
        """Whether a message waits: in redis-py's read buffer, or on the socket (one poll, no read).

        redis-py's own can_read tries a non-blocking recv and catches the timeout, several times
        the cost of a poll; this runs on every lookup.
        """
        buffer = getattr(conn._parser, "_buffer", None)
        if self._poll is None or not hasattr(buffer, "unread_bytes"):
            return conn.can_read(timeout=0)  # another parser (hiredis): its own check
        return bool(buffer.unread_bytes() or self._poll.poll(0))

    def _apply(self, message: list) -> None:
        kind = message[0]
        if kind == b"message":
            keys = message[2]
            if keys is None:  # FLUSHDB / FLUSHALL
                self._entries.clear()
            else:
                for key in keys:
                    self._entries.pop(key, None)
        elif kind == b"pong":
            self._awaiting_pong = False

    def _start(self, now: float) -> None:
        self._entries.clear()
        conn = None
        try:
            conn = self._connect()
            conn.connect()
            conn.send_command("CLIENT", "ID")
            client_id = conn.read_response()
            prefixes = [part for prefix in self._prefixes for part in (b"PREFIX", prefix)]
            conn.send_command("CLIENT", "TRACKING", "on", "REDIRECT", client_id, "BCAST", *prefixes)
            if conn.read_response() not in (b"OK", "OK"):
                raise redis.ResponseError("CLIENT TRACKING refused")
            conn.send_command("SUBSCRIBE", CHANNEL)
            conn.read_response()
        except Exception as exc:  # noqa: BLE001 - no tracking, no near cache; retried later
            logger.warning("near cache off for %.0f s: %s", RETRY_SECONDS, exc)
            if conn is not None:
                conn.disconnect()
            self._retry_at = now + RETRY_SECONDS
            return
        self._conn = conn
        self._poll = select.poll()
        self._poll.register(conn._sock, select.POLLIN)
        self.client_id = client_id
        self._generation += 1
        self._awaiting_pong = False
        self._ping_due = now + PING_SECONDS

    def _drop(self, reason: str | None) -> None:
        self._entries.clear()
        if self._conn is not None:
            if reason:
                logger.warning("near cache emptied: %s", reason)
            try:
                self._conn.disconnect()
            except Exception:  # noqa: BLE001
                pass
            self._conn = None


def tracking_connection(pool: redis.ConnectionPool) -> redis.Connection:
    """A new connection like `pool`'s, speaking RESP2, where invalidations arrive as pub/sub messages."""
    kwargs = {**pool.connection_kwargs, "protocol": 2}
    for push_only in ("maint_notifications_config", "maint_notifications_pool_handler"):
        if push_only in kwargs:  # RESP3-only features of redis-py 8
            kwargs[push_only] = None
    return pool.connection_class(**kwargs)


def _b(key: str | bytes) -> bytes:
    return key.encode() if isinstance(key, str) else key
