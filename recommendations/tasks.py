"""Celery tasks: thin wrappers that take ids and call services."""
from __future__ import annotations

import logging

from celery import shared_task

from recommendations import services

logger = logging.getLogger(__name__)


@shared_task(name="recommendations.tasks.model_train", acks_late=True)
def model_train() -> int | None:
    try:
        version = services.model_train()
    except services.TrainingError as exc:
        logger.warning("training skipped: %s", exc)
        return None
    return version.pk


@shared_task(name="recommendations.tasks.movie_similarities_compute", acks_late=True)
def movie_similarities_compute() -> int:
    return services.movie_similarities_compute()


@shared_task(name="recommendations.tasks.user_recommendations_refresh", acks_late=True)
def user_recommendations_refresh(user_id: int) -> int:
    items = services.user_recommendations_refresh(user_id=user_id)
    return len(items or [])
