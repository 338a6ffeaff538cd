"""DRF throttles that count with one cache increment per request.

DRF's own throttles keep every request's timestamp in a list that is read and written back whole
on each call (two round trips and up to a rate's worth of floats pickled). These count per fixed
window instead: one INCR on Redis. A client can at most double its rate across a window boundary,
which is fine for limits meant against runaway scripts (password guesses are locked out by
django-axes as well).
"""
from __future__ import annotations

from rest_framework import throttling


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
        key = f"{self.key}:{int(self.now // self.duration)}"
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
