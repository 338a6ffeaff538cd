"""Recommender actions: train, activate, compute similarities, refresh a user's recommendations.

This is where Django meets the engine: data goes out as DataFrames, results come back as arrays.
"""
from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import Movie, SimilarMovie
from ratings.selectors import user_scores
from recommendations import cache as rec_cache
from recommendations import serving
from recommendations.engine import SVDModel, SVDParams, content_neighbours, evaluate_predictions, holdout_split
from recommendations.export import movies_export, ratings_export
from recommendations.models import ModelVersion

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

LIKED = 4.0  # a rating at or above this counts as "liked" when explaining a pick


class TrainingError(Exception):
    """Training could not run (no data, another training in progress, ...)."""


def _svd_params() -> SVDParams:
    cfg = settings.RECOMMENDER
    return SVDParams(
        n_factors=cfg["SVD_FACTORS"],
        n_epochs=cfg["SVD_EPOCHS"],
        lr_all=cfg["SVD_LR"],
        reg_all=cfg["SVD_REG"],
        random_state=cfg["SEED"],
    )


def model_train(*, progress: Progress | None = None, activate: bool = True) -> ModelVersion:
    """Fit SVD on all ratings, measure it on a held-out 10%, store it, and activate it if it succeeded."""
    report = progress or (lambda stage, fraction: None)
    if not rec_cache.training_lock_acquire(timeout=settings.CELERY_TASK_TIME_LIMIT):
        raise TrainingError("another training is already running")
    params = _svd_params()
    version = ModelVersion.objects.create(
        algorithm="svd", parameters=asdict(params), status=ModelVersion.Status.RUNNING
    )
    started = time.monotonic()
    try:
        _model_fit_and_store(version=version, params=params, report=report)
    except Exception as exc:
        version.status = ModelVersion.Status.FAILED
        version.error = f"{type(exc).__name__}: {exc}"
        version.duration_seconds = time.monotonic() - started
        version.save(update_fields=["status", "error", "duration_seconds"])
        logger.exception("training of model version %s failed", version.pk)
        raise
    finally:
        rec_cache.training_lock_release()
    version.duration_seconds = time.monotonic() - started
    version.save(update_fields=["duration_seconds"])
    if activate:
        model_version_activate(version=version)
    report("done", 1.0)
    return version


def _model_fit_and_store(*, version: ModelVersion, params: SVDParams, report: Progress) -> None:
    report("export", 0.0)
    ratings = ratings_export()
    if ratings.empty:
        raise TrainingError("there are no ratings to train on")
    version.n_ratings = len(ratings)
    version.n_users = int(ratings["user_id"].nunique())
    version.n_movies = int(ratings["movie_id"].nunique())

    report("evaluate", 0.1)
    train, test = holdout_split(ratings, test_fraction=0.1, seed=params.random_state)
    held_out = SVDModel.fit(train, params, progress=lambda s, f: report("evaluate", 0.1 + 0.4 * f))
    metrics = evaluate_predictions(held_out, test)

    report("fit", 0.5)
    model = SVDModel.fit(ratings, params, progress=lambda s, f: report("fit", 0.5 + 0.45 * f))

    report("save", 0.95)
    directory = Path(settings.MODEL_DIR) / f"v{version.pk}"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    model.save(directory)
    counts = ratings["movie_id"].value_counts()
    support = counts.reindex(model.movie_ids, fill_value=0).to_numpy(dtype=np.int32)
    np.save(directory / serving.SUPPORT_FILE, support)

    version.rmse = metrics["rmse"]
    version.mae = metrics["mae"]
    version.metrics = {"holdout": metrics}
    version.artifact_path = str(directory)
    version.trained_at = timezone.now()
    version.status = ModelVersion.Status.SUCCEEDED
    version.save()


@transaction.atomic
def model_version_activate(*, version: ModelVersion) -> ModelVersion:
    """Make this version the one that serves; the previously active one is retired."""
    if version.status not in (ModelVersion.Status.SUCCEEDED, ModelVersion.Status.RETIRED,
                              ModelVersion.Status.ACTIVE):
        raise TrainingError(f"version {version.pk} is {version.status}; only a trained version can serve")
    if not version.artifact_path or not Path(version.artifact_path).exists():
        raise TrainingError(f"version {version.pk} has no artifact on disk")
    ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exclude(pk=version.pk).update(
        status=ModelVersion.Status.RETIRED
    )
    version.status = ModelVersion.Status.ACTIVE
    version.save(update_fields=["status"])
    transaction.on_commit(lambda: rec_cache.active_version_set(version.pk))
    return version


def movie_similarities_compute(*, k: int | None = None) -> int:
    """Rebuild every movie's top-K content neighbours; returns the number of links written."""
    k = k or settings.RECOMMENDER["SIMILAR_K"]
    movies = movies_export()
    if movies.empty:
        return 0
    neighbours = content_neighbours(movies, k=k)
    links = [
        SimilarMovie(movie_id=int(m), similar_id=int(s), score=float(sc), rank=int(r))
        for m, s, sc, r in neighbours[["movie_id", "similar_id", "score", "rank"]].itertuples(index=False)
    ]
    with transaction.atomic():
        SimilarMovie.objects.all().delete()
        SimilarMovie.objects.bulk_create(links, batch_size=5000)
    return len(links)


def user_recommendations_compute(*, user_id: int, n: int = 10) -> tuple[int, list[dict[str, Any]]] | None:
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
    picks = model.recommend(user, n=n, exclude=set(scores), candidates=candidates)
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


def user_recommendations_refresh(*, user_id: int) -> list[dict[str, Any]] | None:
    """Recompute the user's recommendations with the active model and store them in the cache."""
    result = user_recommendations_compute(user_id=user_id)
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
    try:
        refresh_task.delay(user_id)
    except Exception:  # a broker outage must not fail the rating that was just saved
        logger.warning("could not queue a recommendations refresh for user %s", user_id, exc_info=True)
