"""Celery tasks for the catalogue: thin wrappers around its services."""
from __future__ import annotations

import logging

from celery import shared_task

from catalog.services import movie_rating_totals_rederive
from catalog.tmdb import TMDBError, movies_tmdb_enrich

logger = logging.getLogger(__name__)


@shared_task(name="catalog.tasks.movies_tmdb_enrich", acks_late=True)
def movies_tmdb_enrich_task(limit: int | None = None) -> int:
    """Fetch missing overviews and posters from TMDB (a no-op without TMDB_API_KEY); returns movies updated."""
    try:
        return movies_tmdb_enrich(limit=limit).updated
    except TMDBError as exc:
        # Retrying at once would hit the same refusal; the next scheduled or manual run tries again.
        logger.warning("TMDB enrichment stopped: %s", exc)
        return 0


@shared_task(name="catalog.tasks.movie_rating_totals_rederive", acks_late=True)
def movie_rating_totals_rederive_task() -> int:
    """Nightly: re-derive rating totals from the ratings; returns (and logs) how many movies had drifted."""
    drifted = movie_rating_totals_rederive()
    if drifted:
        logger.warning("%d movies had drifted rating totals; re-derived", drifted)
    return drifted
