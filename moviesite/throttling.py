"""DRF throttles that count with one cache increment per request.

DRF's own throttles keep every request's timestamp in a list that is read and written back whole
on each call (two round trips and up to a rate's worth of floats pickled). These count per fixed
window instead: one INCR on Redis. A client can at most double its rate across a window boundary,
which is fine for limits meant against runaway scripts (password guesses are locked out by
django-axes as well).
"""
from __future__ import annotations

import time

from rest_framework import throttling


def window_key(cache_key: str, *, duration: int, now: float) -> str:
    """The counter of `cache_key`'s requests in the window holding `now` (also read by recommendations.fast_picks)."""
    return f"{cache_key}:{int(now // duration)}"


class FixedWindowRateThrottle(throttling.SimpleRateThrottle):
    """A counter per client and window; when the cache is down every request is allowed."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.window_end = (int(self.now // self.duration) + 1) * self.duration
        key = window_key(self.key, duration=self.duration, now=self.now)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the window's first request
            count = 1 if self.cache.add(key, 1, self.duration + 1) else self.cache.incr(key)
        if count is not None and count > self.num_requests:
            return self.throttle_failure()
        return True

    def wait(self) -> float:
        return max(self.window_end - self.timer(), 0.0)


class AnonRateThrottle(throttling.AnonRateThrottle, FixedWindowRateThrottle):
    pass


class UserRateThrottle(throttling.UserRateThrottle, FixedWindowRateThrottle):
    pass


class ScopedRateThrottle(throttling.ScopedRateThrottle, FixedWindowRateThrottle):
    pass


class BatchedCounts:
    """Requests counted in this process and added to the shared counters in batches.

    The same fixed-window counters as above, for the recommendations API's fast lane, where one
    INCR per request would be its only round trip to Redis. Well under the limit, requests are
    counted here and sent together (one INCRBY per key) once `flush_every` are waiting, a key has
    `per_key` waiting, or `flush_seconds` have passed. Near the limit (within two batches of a key,
    in this process's view) a request must be counted on Redis at once, so refusals stay exact up
    to what other processes hold unsent: fewer than `per_key` each. Counts of a window that has
    ended are dropped, not sent.
    """

    def __init__(self, *, flush_every: int = 128, per_key: int = 16, flush_seconds: float = 1.0) -> None:
        self.flush_every = flush_every
        self.per_key = per_key
        self.flush_seconds = flush_seconds
        self.margin = 2 * per_key
        self._window: int | None = None
        self._pending: dict[str, int] = {}
        self._known: dict[str, int] = {}
        self._pending_total = 0
        self._key_full = False
        self._first_pending_at = 0.0

    def admit(self, key: str, *, limit: int, window: int) -> bool:
        """Count one request here if `key` is well under `limit`; False: count it on Redis now."""
        self._enter(window)
        waiting = self._pending.get(key, 0)
        if self._known.get(key, 0) + waiting + 1 + self.margin > limit:
            return False
        if not self._pending_total:
            self._first_pending_at = time.monotonic()
        self._pending[key] = waiting + 1
        self._pending_total += 1
        self._key_full = self._key_full or waiting + 1 >= self.per_key
        return True

    def take(self, key: str) -> int:
        """This process's unsent count of `key`, handed to a caller that adds it on Redis itself."""
        amount = self._pending.pop(key, 0)
        self._pending_total -= amount
        return amount

    def give_back(self, key: str, amount: int, *, window: int) -> None:
        """Unsent counts a caller took but could not add (they are sent with the next batch)."""
        self._enter(window)
        if amount > 0:
            if not self._pending_total:
                self._first_pending_at = time.monotonic()
            self._pending[key] = self._pending.get(key, 0) + amount
            self._pending_total += amount

    def due(self) -> bool:
        return self._pending_total > 0 and (
            self._key_full or self._pending_total >= self.flush_every
            or time.monotonic() - self._first_pending_at >= self.flush_seconds
        )

    def drain(self) -> dict[str, int]:
        """Everything unsent, to be added with INCRBY (then `record` the totals Redis answers)."""
        pending, self._pending, self._pending_total, self._key_full = self._pending, {}, 0, False
        return pending

    def record(self, key: str, total: int, *, window: int) -> None:
        """The shared counter's value as Redis last answered it."""
        self._enter(window)
        self._known[key] = total

    def _enter(self, window: int) -> None:
        if window != self._window:
            self._window = window
            self._pending, self._known, self._pending_total, self._key_full = {}, {}, 0, False
