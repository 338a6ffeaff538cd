"""The recommendations API's fast lane: a warm token-authenticated request in one Redis round trip.

A plain GET /api/recommendations/ with an API token whose user and picks are already cached is
the platform's hottest request. Through DRF it costs three cache round trips (token → user,
throttle counter, picks) plus content negotiation, serializers and renderer dispatch — several
times what Django itself costs. Here one Lua script on Redis looks the token's user up, reads the
picks and counts the request against the user's throttle, and the body is rendered with DRF's
own JSON renderer, so the answer is byte for byte what the DRF view gives.

Anything unusual — no Redis, another authentication, a query string other than a valid `n`,
an Accept header wanting HTML, a token or picks not in the cache, a throttle about to refuse,
any Redis error — returns None and the DRF view answers as usual. Cached token users are
forgotten at once when a token is deleted or its user saved (accounts.signals), and picks when the
user's ratings or lists change, so the fast lane never serves what the slow one would refuse.
"""
from __future__ import annotations

import logging
import re
import threading
import time

from cachetools import TTLCache
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

from accounts.authentication import CachedTokenAuthentication, token_uid_key
from catalog.movie_payloads import PAYLOAD_TTL, movie_payloads
from moviesite.throttling import UserRateThrottle, window_key
from recommendations import serving
from recommendations.cache import user_recommendations_key

logger = logging.getLogger(__name__)

MAX_N = 100  # RecommendationParams' bounds
DEFAULT_N = 10
_N = re.compile(r"^n=(\d{1,3})$")
_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})

# KEYS[1]: the token's user-id key. ARGV: the picks key and the throttle key with "{uid}" in place of
# the user id, the throttle window's lifetime ("" when the user throttle is off).
_SCRIPT = """
local uid = redis.call('GET', KEYS[1])
if not uid then return false end
local picks = redis.call('GET', (string.gsub(ARGV[1], '{uid}', uid)))
if not picks then return false end
local count = 0
if ARGV[2] ~= '' then
  local key = (string.gsub(ARGV[2], '{uid}', uid))
  count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[3]) end
end
return {uid, picks, count}
"""

_scripts: dict[int, object] = {}  # one registered script per Redis client object
# After a Redis error the lane stays closed for a while: a hung Redis costs the DRF view's timeouts
# only, not one more of ours per request.
PAUSE_AFTER_ERROR_SECONDS = 10.0
_paused_until = 0.0

# Bodies rendered in this process, by the cached picks' exact bytes: a user asking again before
# their picks change gets the same bytes without unpickling or rendering. Kept half as long as movie
# payloads, so a card's rating count is at most 1.5 × PAYLOAD_TTL old.
BODY_TTL = PAYLOAD_TTL / 2
_bodies: TTLCache[tuple[int, int, bytes], bytes] = TTLCache(maxsize=2_000, ttl=BODY_TTL)
_bodies_lock = threading.Lock()


def respond(request: HttpRequest) -> HttpResponse | None:
    """The cached picks' JSON for a warm token request, or None for the DRF view to answer."""
    global _paused_until
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
    try:
        found = _script()(
            keys=[cache.make_key(token_uid_key(key))],
            args=[
                cache.make_key(user_recommendations_key(version_id=version_id, user_id="{uid}")),
                cache.make_key(_throttle_key(limit)) if limit else "",
                int(limit[1]) + 1 if limit else 0,
            ],
        )
    except Exception as exc:  # noqa: BLE001 - any cache trouble: the DRF view copes (degraded mode)
        logger.warning("recommendations fast lane closed for %.0f s: %s", PAUSE_AFTER_ERROR_SECONDS, exc)
        _paused_until = time.monotonic() + PAUSE_AFTER_ERROR_SECONDS
        return None
    if not found:
        return None
    _, raw_items, count = found
    if limit and count > limit[0]:
        return None  # the DRF view counts once more and answers 429 with Retry-After
    memo_key = (version_id, n, raw_items)
    with _bodies_lock:
        body = _bodies.get(memo_key)
    if body is None:
        items = cache.client.decode(raw_items)
        if not isinstance(items, list) or len(items) < n:
            return None
        body = _render(version_id, items[:n])
        with _bodies_lock:
            _bodies[memo_key] = body
    response = HttpResponse(body, content_type="application/json")
    response["Allow"] = "GET, HEAD, OPTIONS"
    response["Vary"] = "Accept"
    return response


def reset() -> None:
    """Drop this process's rendered bodies and reopen the lane (tests)."""
    global _paused_until
    _paused_until = 0.0
    with _bodies_lock:
        _bodies.clear()


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


def _user_throttle() -> tuple[int, int] | None:
    """(requests, seconds) of the user throttle, or None when it is off or not the one in use."""
    if UserRateThrottle not in api_settings.DEFAULT_THROTTLE_CLASSES:
        return None
    throttle = UserRateThrottle()
    return (throttle.num_requests, throttle.duration) if throttle.rate else None


def _throttle_key(limit: tuple[int, int]) -> str:
    """The key moviesite.throttling.UserRateThrottle counts this window's requests under."""
    cache_key = UserRateThrottle.cache_format % {"scope": UserRateThrottle.scope, "ident": "{uid}"}
    return window_key(cache_key, duration=limit[1], now=time.time())


def _script():
    client = cache.client.get_client(write=True)
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_SCRIPT)
    return script
