"""A viewer's recommendations: fold their current ratings into the active model, rank, cache."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from catalog.models import Movie
from catalog.search import natural_title
from ratings.models import Rating
from ratings.selectors import user_scores_and_hidden_ids
from recommendations import cache as rec_cache
from recommendations import serving
from recommendations.engine import reason_text
from recommendations.engine.discovery import NEUTRAL
from recommendations.services.preferences import viewer_discover

logger = logging.getLogger(__name__)

CACHED_PICKS = 20  # picks computed and cached per user: pages show 10, the API may ask for more


def user_recommendations_compute(
    *, user_id: int, n: int = CACHED_PICKS, discover: float = NEUTRAL
) -> tuple[int, list[dict[str, Any]]] | None:
    """Rank movies for the user from their current ratings with the active hybrid (no retrain needed),
    shifted toward well-known (``discover`` 0) or lesser-known (1) films.

    Returns (model version id, items) or None when no model is active. Items are plain dicts
    (movie_id, score, predicted_rating, reason) so they can be cached as they are.
    """
    loaded = serving.active_model()
    if loaded is None:
        return None
    # Rated (the engine leaves out every rated movie itself), hidden and (by default) watch-listed
    # movies never come back; the list is topped up to n.
    scores, exclude = user_scores_and_hidden_ids(user_id=user_id, watchlist=settings.RECOMMENDER["EXCLUDE_WATCHLIST"])
    if not scores:
        return loaded.version_id, []
    picks = loaded.model.recommend(scores, n=n, exclude=exclude, newest_first=True, discover=discover)
    cited = {reason.movie_id for pick in picks for reason in pick.reasons if reason.movie_id is not None}
    titles = {pk: natural_title(title) for pk, title in Movie.objects.filter(pk__in=cited).values_list("pk", "title")}
    items = [
        {
            "movie_id": pick.movie_id,
            "score": round(pick.score, 6),
            "predicted_rating": None if pick.predicted_rating is None else round(pick.predicted_rating, 2),
            "reason": " · ".join(reason_text(reason, titles.get) for reason in pick.reasons),
        }
        for pick in picks
    ]
    return loaded.version_id, items


def user_recommendations_refresh(
    *, user_id: int, n: int = CACHED_PICKS, discover: float | None = None
) -> list[dict[str, Any]] | None:
    """Recompute the user's recommendations with the active model and store them in the cache, at
    ``discover`` or (None) the viewer's saved setting."""
    if discover is None:
        discover = viewer_discover(user_id=user_id)
    result = user_recommendations_compute(user_id=user_id, n=max(n, CACHED_PICKS), discover=discover)
    if result is None:
        return None
    version_id, items = result
    if items:
        rec_cache.user_recommendations_set(version_id=version_id, user_id=user_id, items=items, discover=discover)
    else:  # no ratings (or a deleted account, its refresh queued before it went): nothing to keep
        rec_cache.user_recommendations_delete(version_id=version_id, user_id=user_id)
    return items


def user_recommendations_invalidate(*, user_id: int) -> None:
    """Drop the user's cached picks and home rows and queue a background refresh (after a rating change)."""
    from recommendations.tasks import user_recommendations_refresh as refresh_task

    rec_cache.user_state_changed(user_id=user_id)  # the rendered home rows are out of date
    version_id = serving.active_version_id()
    if version_id is not None:
        rec_cache.user_recommendations_delete(version_id=version_id, user_id=user_id)
    if not rec_cache.user_refresh_claim(user_id=user_id):
        return  # a refresh is already queued and will read this rating too
    try:
        refresh_task.delay(user_id)
    except Exception:  # a broker outage must not fail the rating that was just saved
        rec_cache.user_refresh_release(user_id=user_id)
        logger.warning("could not queue a recommendations refresh for user %s", user_id, exc_info=True)


def user_recommendations_warm(*, days: int = 30, limit: int = 5000) -> int:
    """Fill the cache for recently active users after a new model is activated; returns users warmed."""
    since = timezone.now() - timedelta(days=days)
    user_ids = (
        Rating.objects.filter(rated_at__gte=since).order_by().values_list("user_id", flat=True).distinct()[:limit]
    )
    warmed = 0
    for user_id in user_ids:
        if user_recommendations_refresh(user_id=user_id) is not None:
            warmed += 1
    return warmed
