"""Recommender actions (writes): training and the model registry, similarities, users' picks.

Django meets the engine only here and in the selectors: data goes out as DataFrames, results
come back as arrays.
"""
from __future__ import annotations

from recommendations.services.registry import TrainingError, model_artifacts_prune, model_version_activate
from recommendations.services.similarities import movie_similarities_compute
from recommendations.services.training import (
    TrainingBusy,
    model_retrain_if_due,
    model_train,
    model_train_request,
    model_training_dead_release,
    model_versions_mark_stale,
)
from recommendations.services.user_recommendations import (
    user_recommendations_compute,
    user_recommendations_invalidate,
    user_recommendations_refresh,
    user_recommendations_warm,
)

__all__ = [
    "TrainingBusy",
    "TrainingError",
    "model_artifacts_prune",
    "model_retrain_if_due",
    "model_train",
    "model_train_request",
    "model_training_dead_release",
    "model_version_activate",
    "model_versions_mark_stale",
    "movie_similarities_compute",
    "user_recommendations_compute",
    "user_recommendations_invalidate",
    "user_recommendations_refresh",
    "user_recommendations_warm",
]
