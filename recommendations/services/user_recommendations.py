"""A viewer's recommendations: fold their current ratings into the active model, rank, cache."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import timezone

from catalog.models import Movie
from ratings.models import Rating
from ratings.selectors import user_excluded_movie_ids, user_scores
from recommendations import cache as rec_cache
from recommendations import serving
from recommendations.engine import SVDModel

logger = logging.getLogger(__name__)

LIKED = 4.0  # a rating at or above this counts as "liked" when explaining a pick


CACHED_PICKS = 20  # picks computed and cached per user: pages show 10, the API may ask for more


def user_recommendations_compute(
    *, user_id: int, n: int = CACHED_PICKS
) -> tuple[int, list[dict[str, Any]]] | None:
    """Fold the user's current ratings into the active model and rank well-supported unseen movies.

    Returns (model version id, items) or None when no model is active. Items are plain dicts
    (movie_id, score, predicted_rating, reason) so they can be cached as they are.
    """
    loaded = serving.active_model()
    if loaded is None:
        return None
    scores = user_scores(user_id=user_id)
    if not scores:
        return loaded.version_id, []
    model = loaded.model
    rated_ids = np.fromiter(scores.keys(), dtype=np.int64)
    user = model.fold_in(rated_ids, np.fromiter(scores.values(), dtype=np.float64))
    candidates = model.movie_ids[np.asarray(loaded.support) >= settings.RECOMMENDER["MIN_SUPPORT"]]
    # Rated, hidden and (by default) watch-listed movies never come back; the list is topped up to n.
    exclude = user_excluded_movie_ids(user_id=user_id, watchlist=settings.RECOMMENDER["EXCLUDE_WATCHLIST"])
    picks = model.recommend(user, n=n, exclude=exclude | set(scores), candidates=candidates)
    reasons = _pick_reasons(model, scores, [movie_id for movie_id, _ in picks])
    items = [
        {"movie_id": int(movie_id), "score": float(predicted), "predicted_rating": round(float(predicted), 2),
         "reason": reasons.get(int(movie_id), "")}
        for movie_id, predicted in picks
    ]
    return loaded.version_id, items


def _pick_reasons(model: SVDModel, scores: dict[int, float], picks: list[int]) -> dict[int, str]:
    """Name the liked movie whose latent factors sit closest to each pick ("because you liked X")."""
    liked = [m for m, s in scores.items() if s >= LIKED] or [max(scores, key=scores.get)]
    index = {int(m): i for i, m in enumerate(model.movie_ids)}
    liked = [m for m in liked if m in index]
    picked = [m for m in picks if m in index]
    if not liked or not picked:
        return {}
    factors = np.asarray(model.item_factors)
    a = factors[[index[m] for m in liked]]
    b = factors[[index[m] for m in picked]]
    a = a / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-9)
    b = b / (np.linalg.norm(b, axis=1, keepdims=True) + 1e-9)
    closest = np.asarray(liked)[np.argmax(b @ a.T, axis=1)]
    titles = dict(Movie.objects.filter(pk__in=set(closest.tolist())).values_list("pk", "title"))
    return {
        m: f"Because you rated {titles.get(int(c), 'a similar film')} {scores[int(c)]:g}★"
        for m, c in zip(picked, closest, strict=True)
    }


def user_recommendations_refresh(*, user_id: int, n: int = CACHED_PICKS) -> list[dict[str, Any]] | None:
    """Recompute the user's recommendations with the active model and store them in the cache."""
    result = user_recommendations_compute(user_id=user_id, n=max(n, CACHED_PICKS))
    if result is None:
        return None
    version_id, items = result
    rec_cache.user_recommendations_set(version_id=version_id, user_id=user_id, items=items)
    return items


def user_recommendations_invalidate(*, user_id: int) -> None:
    """Drop the user's cached recommendations and queue a background refresh (after a rating change)."""
    from recommendations.tasks import user_recommendations_refresh as refresh_task

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
        Rating.objects.filter(rated_at__gte=since).values_list("user_id", flat=True).distinct()[:limit]
    )
    warmed = 0
    for user_id in user_ids:
        if user_recommendations_refresh(user_id=user_id) is not None:
            warmed += 1
    return warmed
