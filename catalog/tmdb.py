"""Optional TMDB enrichment: fetch overview and poster path for movies that have a TMDB id.

Only runs with TMDB_API_KEY set. Requests are spaced to TMDB_REQUESTS_PER_SECOND; a 429 answer
waits for its Retry-After and tries again, and server errors are retried with a growing pause.
A v4 read-access token (a JWT, "eyJ...") is sent as a Bearer header, a v3 key as ?api_key=.
"""
from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from catalog.models import Movie

logger = logging.getLogger(__name__)

MAX_RETRIES = 4
TIMEOUT_SECONDS = 10
MAX_WAIT_SECONDS = 60  # a Retry-After longer than this is a sign to stop, not to sleep


class TMDBError(Exception):
    """TMDB could not be used (bad key, repeated failures): stop the run rather than hammer it."""


@dataclass(frozen=True)
class TMDBMovie:
    overview: str
    poster_path: str


class RateLimiter:
    """Spaces calls at least 1/per_second apart (one process; enough for one enrichment run)."""

    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / per_second
        self.clock, self.sleep = clock, sleep
        self.next_at = 0.0

    def wait(self) -> None:
        now = self.clock()
        if now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


class TMDBClient:
    def __init__(self, *, api_key: str, base_url: str, per_second: float,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api_key, self.base_url = api_key, base_url.rstrip("/")
        self.sleep = sleep
        self.limiter = RateLimiter(per_second, sleep=sleep)
        self.requests = 0

    def movie(self, tmdb_id: int) -> TMDBMovie | None:
        """The movie's overview and poster path, or None when TMDB does not know the id."""
        data = self._get(f"/movie/{int(tmdb_id)}")
        if data is None:
            return None
        return TMDBMovie(overview=(data.get("overview") or "").strip(), poster_path=data.get("poster_path") or "")

    def _request(self, path: str) -> urllib.request.Request:
        headers = {"Accept": "application/json", "User-Agent": "moviesite"}
        query = {"language": "en-US"}
        if self.api_key.startswith("eyJ"):
            headers["Authorization"] = f"Bearer {self.api_key}"
        else:
            query["api_key"] = self.api_key
        return urllib.request.Request(f"{self.base_url}{path}?{urllib.parse.urlencode(query)}", headers=headers)

    def _get(self, path: str) -> dict | None:
        for attempt in range(MAX_RETRIES + 1):
            self.limiter.wait()
            self.requests += 1
            try:
                with urllib.request.urlopen(self._request(path), timeout=TIMEOUT_SECONDS) as response:
                    return json.load(response)
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return None
                if exc.code in (401, 403):
                    raise TMDBError(f"TMDB refused the API key (HTTP {exc.code})") from None
                if exc.code != 429 and exc.code < 500:
                    raise TMDBError(f"TMDB answered HTTP {exc.code} for {path}") from None
                wait = _retry_after(exc.headers.get("Retry-After"), default=2.0**attempt)
            except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
                wait = 2.0**attempt
                logger.info("TMDB request %s failed (%s); retrying in %.0f s", path, exc, wait)
            if attempt == MAX_RETRIES or wait > MAX_WAIT_SECONDS:
                break
            self.sleep(wait)
        raise TMDBError(f"TMDB kept failing for {path}")


def _retry_after(value: str | None, *, default: float) -> float:
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default


def tmdb_client() -> TMDBClient | None:
    """A client configured from settings, or None when no TMDB_API_KEY is set."""
    if not settings.TMDB_API_KEY:
        return None
    return TMDBClient(api_key=settings.TMDB_API_KEY, base_url=settings.TMDB_API_BASE,
                      per_second=settings.TMDB_REQUESTS_PER_SECOND)


@dataclass
class EnrichReport:
    checked: int = 0
    updated: int = 0
    unknown: int = 0  # tmdb ids TMDB did not know


def movies_tmdb_enrich(
    *, client: TMDBClient | None = None, limit: int | None = None, force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> EnrichReport:
    """Fill overview and poster_path from TMDB for movies with a tmdb_id (by default only those lacking one).

    Most-rated movies go first, so a limited run improves the pages people see most.
    Raises TMDBError when TMDB refuses the key or keeps failing; what was saved stays saved.
    """
    report = EnrichReport()
    client = client or tmdb_client()
    if client is None:
        logger.info("TMDB_API_KEY is not set: skipping TMDB enrichment")
        return report
    movies = Movie.objects.filter(tmdb_id__isnull=False)
    if not force:
        movies = movies.filter(Q(overview="") | Q(poster_path=""))
    movies = movies.order_by("-rating_count", "id").values_list("id", "tmdb_id", "overview", "poster_path")
    rows = list(movies[:limit] if limit else movies)
    for movie_id, tmdb_id, overview, poster_path in rows:
        found = client.movie(tmdb_id)
        report.checked += 1
        if found is None:
            report.unknown += 1
        else:
            changes = {}
            if found.overview and (force or not overview):
                changes["overview"] = found.overview
            if found.poster_path and (force or not poster_path):
                changes["poster_path"] = found.poster_path
            if changes:
                Movie.objects.filter(pk=movie_id).update(**changes)
                report.updated += 1
        if progress:
            progress(report.checked, len(rows))
    logger.info("TMDB enrichment: %s checked, %s updated, %s unknown to TMDB (%s requests)",
                report.checked, report.updated, report.unknown, client.requests)
    return report
