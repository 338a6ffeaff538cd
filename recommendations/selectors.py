"""Recommendation reads for pages and the API: cached top picks, popular movies, predicted stars."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import QuerySet

from catalog.models import Movie
from catalog.selectors import movies_by_ids
from ratings.selectors import user_excluded_movie_ids, user_scores
from recommendations import cache as rec_cache
from recommendations import services, serving
from recommendations.services.preferences import viewer_discover

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recommendation:
    movie: Movie
    score: float
    predicted_rating: float | None
    reason: str


def popular_movies(*, n: int = 10, exclude: set[int] | frozenset[int] = frozenset()) -> list[Movie]:
    """Well-liked and widely-rated movies, most popular first (catalog.popularity)."""
    movies = _popular_queryset().exclude(pk__in=exclude)
    return list(movies[:n])


def _popular_queryset() -> QuerySet[Movie]:
    return (
        Movie.objects.filter(rating_count__gt=0)
        .prefetch_related("genres")
        .order_by("-popularity", "title")
    )


def user_pick_items(*, user, n: int = 10, discover: float | None = None) -> tuple[int, list[dict]] | None:
    """The user's personal picks as cached (movie_id, score, predicted_rating, reason) with the model
    version that made them; None when there are none (anonymous, no ratings yet, or no model).

    ``discover`` (0 familiar … 1 lesser-known) defaults to the viewer's saved setting; each setting
    is cached on its own, so moving the home page's control computes once per position.
    """
    version_id = serving.active_version_id() if user.is_authenticated else None
    if version_id is None:
        return None
    if discover is None:
        discover = viewer_discover(user_id=user.pk)
    items = rec_cache.user_recommendations_get(version_id=version_id, user_id=user.pk, discover=discover) or []
    if len(items) < n:
        items = services.user_recommendations_refresh(user_id=user.pk, n=n, discover=discover) or []
    return (version_id, items[:n]) if items else None


def user_top_picks(*, user, n: int = 10, discover: float | None = None) -> list[Recommendation]:
    """The user's personal picks (cached per model version), or popular movies when there are none yet."""
    personal = user_pick_items(user=user, n=n, discover=discover)
    if personal is None:
        return popular_picks(user=user, n=n)
    _, items = personal
    movies = {m.pk: m for m in movies_by_ids([item["movie_id"] for item in items])}
    return [
        Recommendation(
            movie=movies[item["movie_id"]],
            score=item["score"],
            predicted_rating=item["predicted_rating"],
            reason=item["reason"],
        )
        for item in items
        if item["movie_id"] in movies
    ]


def popular_picks(*, user, n: int = 10) -> list[Recommendation]:
    """Popular movies the user has not rated, hidden or (by default) watch-listed."""
    seen = (
        user_excluded_movie_ids(user_id=user.pk, watchlist=settings.RECOMMENDER["EXCLUDE_WATCHLIST"])
        if user.is_authenticated else set()
    )
    return [
        Recommendation(movie=m, score=m.popularity, predicted_rating=None, reason="Popular with everyone")
        for m in popular_movies(n=n, exclude=seen)
    ]


def movie_predicted_rating(*, user, movie: Movie) -> float | None:
    """The stars the active model expects this user to give the movie (None without model or ratings)."""
    if not user.is_authenticated:
        return None
    loaded = serving.active_model()
    if loaded is None:
        return None
    # The movie's own rating is left out: the prediction says what the model expected.
    scores = {m: s for m, s in user_scores(user_id=user.pk).items() if m != movie.pk}
    if not scores:
        return None
    predicted = loaded.model.predict(scores, np.asarray([movie.pk], dtype=np.int64))[0]
    return None if np.isnan(predicted) else round(float(predicted), 1)
