"""Movies as the API shows them, kept for a minute in each process.

Recommendation lists name the same few thousand films over and over; reading and serialising
them for every request was most of a cached recommendations request's cost. A card may show a
rating count up to PAYLOAD_TTL seconds old.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence

from cachetools import TTLCache

from catalog.selectors import movies_by_ids

PAYLOAD_TTL = 60.0
PAYLOADS_KEPT = 20_000

_payloads: TTLCache[int, dict] = TTLCache(maxsize=PAYLOADS_KEPT, ttl=PAYLOAD_TTL)
_lock = threading.Lock()  # TTLCache is not thread-safe (gthread workers)


def movie_payloads(ids: Sequence[int]) -> dict[int, dict]:
    """MovieSerializer data for each id found (missing ids are left out), read from the database once a minute."""
    from catalog.api import MovieSerializer

    with _lock:
        found = {pk: payload for pk in ids if (payload := _payloads.get(pk)) is not None}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        fresh = {movie.pk: dict(MovieSerializer(movie).data) for movie in movies_by_ids(missing)}
        with _lock:
            _payloads.update(fresh)
        found.update(fresh)
    return found


def movie_payloads_forget() -> None:
    """Drop every kept payload (tests, and after bulk catalogue changes in this process)."""
    with _lock:
        _payloads.clear()
