"""Related movies: every movie's top K by content, co-rating and quality (``engine.related``).

Rebuilt in one transaction, so pages never see half a list.
"""
from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import SimilarMovie
from recommendations.engine.related import related_movies
from recommendations.export import movies_export, ratings_export
from recommendations.models import ModelVersion


def movie_similarities_compute(*, k: int | None = None) -> int:
    """Rebuild every movie's top-K related movies; recorded in the registry as a "content" version."""
    k = k or settings.RECOMMENDER["SIMILAR_K"]
    started = time.monotonic()
    movies = movies_export()
    if movies.empty:
        return 0
    ratings = ratings_export()
    neighbours = related_movies(movies, ratings if len(ratings) else None, k=k)
    links = [
        SimilarMovie(movie_id=int(m), similar_id=int(s), score=float(sc), rank=int(r))
        for m, s, sc, r in neighbours[["movie_id", "similar_id", "score", "rank"]].itertuples(index=False)
    ]
    with transaction.atomic():
        SimilarMovie.objects.all().delete()
        SimilarMovie.objects.bulk_create(links, batch_size=5000)
        ModelVersion.objects.create(
            algorithm="related",
            parameters={"k": k},
            status=ModelVersion.Status.SUCCEEDED,
            n_movies=len(movies),
            metrics={"links": len(links)},
            duration_seconds=time.monotonic() - started,
            trained_at=timezone.now(),
        )
    return len(links)
