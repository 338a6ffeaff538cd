"""The recommendations API's fast lane: a warm token-authenticated request without DRF, mostly without Redis.

A plain GET /api/recommendations/ with an API token whose user and picks are already cached is
the platform's hottest request. Through DRF it costs three cache round trips (token → user,
throttle counter, picks) plus content negotiation, serializers and renderer dispatch — several
times what Django itself costs. Here the first call of a token in a process runs one Lua script
on Redis that looks the token's user up, reads the picks and counts the request against the
user's throttle; the process then keeps the token's user id and the picks in a near cache
(moviesite.near_cache) that Redis itself keeps true — any change, expiry or flush of those keys
drops them before the next lookup — and counts repeat calls here, sent to the shared throttle
counters in batches and exactly near the limit (moviesite.throttling.BatchedCounts). The body is
rendered with DRF's own JSON renderer, so the answer is byte for byte what the DRF view gives.

Anything unusual — no Redis, another authentication, a query string other than a valid `n`,
an Accept header wanting HTML, a token or picks not in the cache, a throttle about to refuse,
any Redis error — returns None and the DRF view answers as usual. Cached token users are
forgotten at once when a token is deleted or its user saved (accounts.signals), and picks when the
user's ratings or lists change, so the fast lane never serves what the slow one would refuse.
"""
from __future__ import annotations

import functools
import logging
import os
import re
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.authentication import TOKEN_UID_PREFIX, CachedTokenAuthentication, token_uid_key
from catalog.movie_payloads import PAYLOAD_TTL, movie_payloads
from moviesite.near_cache import NearCache, tracking_connection
from moviesite.throttling import BatchedCounts, UserRateThrottle, window_key
from recommendations import serving
from recommendations.cache import RECOMMENDATIONS_PREFIX, user_recommendations_key

logger = logging.getLogger(__name__)

MAX_N = 100  # RecommendationParams' bounds
DEFAULT_N = 10
_N = re.compile(r"^n=(\d{1,3})$")
_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})

# KEYS[1]: the token's user-id key. ARGV: the picks key and the throttle key with "{uid}" in place of
# the user id ("" when the user throttle is off), the throttle window's lifetime, how much to add.
_SCRIPT = """
local uid = redis.call('GET', KEYS[1])
if not uid then return false end
local picks = redis.call('GET', (string.gsub(ARGV[1], '{uid}', uid)))
if not picks then return false end
local count = 0
if ARGV[2] ~= '' then
  local key = (string.gsub(ARGV[2], '{uid}', uid))
  local amount = tonumber(ARGV[4])
  count = redis.call('INCRBY', key, amount)
  if count == amount then redis.call('EXPIRE', key, ARGV[3]) end
end
return {uid, picks, count}
"""

# KEYS: throttle counters; ARGV: the amount for each, then the window's lifetime.
_ADD_COUNTS = """
local totals = {}
for i, key in ipairs(KEYS) do
  local amount = tonumber(ARGV[i])
  totals[i] = redis.call('INCRBY', key, amount)
  if totals[i] == amount then redis.call('EXPIRE', key, ARGV[#ARGV]) end
end
return totals
"""

_scripts: dict[tuple[int, str], object] = {}  # one registered script per Redis client object
# After a Redis error the lane stays closed for a while: a hung Redis costs the DRF view's timeouts
# only, not one more of ours per request.
PAUSE_AFTER_ERROR_SECONDS = 10.0
_paused_until = 0.0

# Bodies rendered in this process, by the cached picks' exact bytes: a user asking again before
# their picks change gets the same bytes without unpickling or rendering. Kept half as long as movie
# payloads, so a card's rating count is at most 1.5 × PAYLOAD_TTL old.
BODY_TTL = PAYLOAD_TTL / 2
BODIES_MAX = 5_000
_bodies: dict[tuple[int, int, bytes], tuple[float, bytes]] = {}  # key → (monotonic deadline, body)
_bodies_lock = threading.Lock()

# This process's copy of token → user id and picks (moviesite.near_cache) and its batched throttle
# counts (moviesite.throttling.BatchedCounts): a repeat request needs no round trip at all.
_near: tuple[int, NearCache] | None = None  # (pid, cache): a forked worker starts its own
NEAR_CACHE_MAX = 10_000  # keys: a token and its picks (~3 KB) each, so at most ~30 MB per process
_counts = BatchedCounts()
_counts_lock = threading.Lock()


def respond(request: HttpRequest) -> HttpResponse | None:
    """The cached picks' JSON for a warm token request, or None for the DRF view to answer."""
    if request.method != "GET" or not _uses_redis() or time.monotonic() < _paused_until:
        return None
    key = _token_key(request)
    n = _requested_n(request)
    if key is None or n is None or request.META.get("HTTP_ACCEPT", "").strip() not in _JSON_ACCEPTS:
        return None
    version_id = serving.active_version_id()
    if version_id is None:
        return None
    limit = _user_throttle()
    token_key = _token_uid_cache_key(key)
    near = _near_cache()
    found = _held_here(near, token_key, version_id, limit) if near is not None else None
    if found is None and time.monotonic() >= _paused_until:
        found = _ask_redis(near, token_key, version_id, limit)
    if found is None:
        return None
    version_id, raw_items = found
    memo_key = (version_id, n, raw_items)
    now = time.monotonic()
    with _bodies_lock:
        kept = _bodies.get(memo_key)
    if kept is not None and kept[0] > now:
        body = kept[1]
    else:
        items = cache.client.decode(raw_items)
        if not isinstance(items, list) or len(items) < n:
            return None
        body = _render(version_id, items[:n])
        with _bodies_lock:
            if len(_bodies) >= BODIES_MAX:
                _bodies.clear()
            _bodies[memo_key] = (now + BODY_TTL, body)
    response = HttpResponse(body, content_type="application/json")
    response["Allow"] = "GET, HEAD, OPTIONS"
    response["Vary"] = "Accept"
    return response


def _held_here(near: NearCache, token_key: str, version_id: int,
               limit: tuple[int, int] | None) -> tuple[int, bytes] | None:
    """(version, picks) from this process's copy, counted here; None: ask Redis."""
    uid = near.get(token_key)
    raw_items = near.peek(_picks_key(version_id, uid)) if uid is not None else None
    if raw_items is None:
        return None
    if limit:
        now = time.time()
        window = int(now // limit[1])
        with _counts_lock:
            if not _counts.admit(_throttle_key(limit, uid, now), limit=limit[0], window=window):
                return None  # near the limit: counted exactly on Redis
            batch = _counts.drain() if _counts.due() else None
        if batch and not _send_counts(batch, limit, window):
            return None
    return version_id, raw_items


def _ask_redis(near: NearCache | None, token_key: str, version_id: int,
               limit: tuple[int, int] | None) -> tuple[int, bytes] | None:
    """(version, picks) in one round trip, counted on Redis; None: the DRF view answers."""
    generation = near.generation() if near is not None else None
    uid = near.get(token_key) if near is not None else None
    now = time.time()
    unsent = 0
    if limit and uid is not None:
        with _counts_lock:
            unsent = _counts.take(_throttle_key(limit, uid, now))  # this process's unsent count goes along
    try:
        found = _script()(
            keys=[token_key],
            args=[
                _picks_key(version_id, "{uid}"),
                _throttle_key(limit, "{uid}", now) if limit else "",
                int(limit[1]) + 1 if limit else 0,
                1 + unsent,
            ],
        )
    except Exception as exc:  # noqa: BLE001 - any cache trouble: the DRF view copes (degraded mode)
        _pause(exc)
        found = None
    if not found:
        if unsent:  # the script stopped before counting: they go with the next batch
            with _counts_lock:
                _counts.give_back(_throttle_key(limit, uid, now), unsent, window=int(now // limit[1]))
        return None
    uid, raw_items, count = found[0].decode(), found[1], found[2]
    if limit:
        with _counts_lock:
            _counts.record(_throttle_key(limit, uid, now), count, window=int(now // limit[1]))
        if count > limit[0]:
            return None  # the DRF view counts once more and answers 429 with Retry-After
    if near is not None:
        near.put(token_key, uid, generation=generation)
        near.put(_picks_key(version_id, uid), raw_items, generation=generation)
    return version_id, raw_items


def _send_counts(batch: dict[str, int], limit: tuple[int, int], window: int) -> bool:
    """Add this process's batched counts on Redis (one round trip); False after an error."""
    try:
        totals = _script(_ADD_COUNTS)(keys=list(batch), args=[*batch.values(), int(limit[1]) + 1])
    except Exception as exc:  # noqa: BLE001
        _pause(exc)
        return False
    with _counts_lock:
        for key, total in zip(batch, totals, strict=True):
            _counts.record(key, total, window=window)
    return True


def _pause(exc: Exception) -> None:
    global _paused_until
    logger.warning("recommendations fast lane closed for %.0f s: %s", PAUSE_AFTER_ERROR_SECONDS, exc)
    _paused_until = time.monotonic() + PAUSE_AFTER_ERROR_SECONDS


def _near_cache() -> NearCache | None:
    """This process's near cache of tokens and picks (None when turned off)."""
    global _near
    if not settings.RECOMMENDATIONS_NEAR_CACHE:
        return None
    pid = os.getpid()
    if _near is None or _near[0] != pid:
        _near = (pid, NearCache(
            lambda: tracking_connection(cache.client.get_client(write=True).connection_pool),
            prefixes=[cache.make_key(TOKEN_UID_PREFIX), cache.make_key(RECOMMENDATIONS_PREFIX)],
            maxsize=NEAR_CACHE_MAX,
        ))
    return _near[1]


@functools.lru_cache(maxsize=8192)
def _token_uid_cache_key(token: str) -> str:
    """The token's user-id key as stored (memoised: a SHA-256 and a key function per request add up here)."""
    return cache.make_key(token_uid_key(token))


@functools.lru_cache(maxsize=8192)
def _picks_key(version_id: int, uid: str) -> str:
    """The user's picks key as stored; `uid` "{uid}" for the one the Lua script fills in."""
    return cache.make_key(user_recommendations_key(version_id=version_id, user_id=uid))


def reset() -> None:
    """Drop this process's rendered bodies, near cache and unsent counts; reopen the lane (tests)."""
    global _paused_until, _counts
    _paused_until = 0.0
    with _bodies_lock:
        _bodies.clear()
    for memo in (_token_uid_cache_key, _picks_key, _throttle_window_key):
        memo.cache_clear()
    if _near is not None:
        _near[1].close()
    with _counts_lock:
        _counts = BatchedCounts()


def _render(version_id: int, items: list[dict]) -> bytes:
    return JSONRenderer().render(personal_picks_data(version_id, items))


def personal_picks_data(version_id: int, items: list[dict]) -> dict:
    """The API's answer for cached picks (shared with the DRF view, so both lanes say the same)."""
    movies = movie_payloads([item["movie_id"] for item in items])
    return {
        "personalized": True,
        "model_version": version_id,
        "results": [
            {
                "movie": movies[item["movie_id"]],
                "score": item["score"],
                "predicted_rating": item["predicted_rating"],
                "reason": item["reason"],
            }
            for item in items
            if item["movie_id"] in movies
        ],
    }


def _uses_redis() -> bool:
    return settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"


def _token_key(request: HttpRequest) -> str | None:
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) != 2 or parts[0] != CachedTokenAuthentication.keyword:
        return None
    return parts[1]


def _requested_n(request: HttpRequest) -> int | None:
    query = request.META.get("QUERY_STRING", "")
    if not query:
        return DEFAULT_N
    match = _N.match(query)
    if match is None:
        return None
    n = int(match.group(1))
    return n if 1 <= n <= MAX_N else None


_throttle_memo: tuple[object, object, tuple[int, int] | None] = (None, None, None)


def _user_throttle() -> tuple[int, int] | None:
    """(requests, seconds) of the user throttle, or None when it is off or not the one in use."""
    global _throttle_memo
    classes, rates = api_settings.DEFAULT_THROTTLE_CLASSES, SimpleRateThrottle.THROTTLE_RATES
    if _throttle_memo[0] is classes and _throttle_memo[1] is rates:  # settings unchanged since last time
        return _throttle_memo[2]
    limit = None
    if UserRateThrottle in classes:
        throttle = UserRateThrottle()
        limit = (throttle.num_requests, throttle.duration) if throttle.rate else None
    _throttle_memo = (classes, rates, limit)
    return limit


def _throttle_key(limit: tuple[int, int], uid: str, now: float) -> str:
    """The Redis key moviesite.throttling.UserRateThrottle counts `uid`'s requests under at `now`."""
    return _throttle_window_key(uid, limit[1], int(now // limit[1]))


@functools.lru_cache(maxsize=8192)
def _throttle_window_key(uid: str, duration: int, window: int) -> str:
    cache_key = UserRateThrottle.cache_format % {"scope": UserRateThrottle.scope, "ident": uid}
    return cache.make_key(window_key(cache_key, duration=duration, now=window * duration))


def _script(source: str = _SCRIPT):
    client = cache.client.get_client(write=True)
    script = _scripts.get((id(client), source))
    if script is None:
        script = _scripts[id(client), source] = client.register_script(source)
    return script
