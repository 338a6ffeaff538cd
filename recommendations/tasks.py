"""Celery tasks: thin wrappers that take ids and call services; idempotent and safe to retry."""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from recommendations import cache as rec_cache
from recommendations import services
from recommendations.models import ModelVersion

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, ConnectionError)


@shared_task(
    bind=True, name="recommendations.tasks.model_train", acks_late=True,
    autoretry_for=TRANSIENT, retry_backoff=30, retry_jitter=True, max_retries=3,
)
def model_train(self, version_id: int | None = None) -> int | None:
    version = None
    if version_id is not None:
        version = ModelVersion.objects.filter(pk=version_id).first()
        # Only a queued request trains (or one this task's own retry left failed): a message
        # redelivered after its worker died must not retrain a run already marked stale.
        retrying = self.request.retries > 0
        trainable = [ModelVersion.Status.QUEUED] + ([ModelVersion.Status.FAILED] if retrying else [])
        if version is None or version.status not in trainable:
            logger.info("model version %s is %s: nothing to do", version_id, getattr(version, "status", "gone"))
            return None
    try:
        version = services.model_train(version=version)
    except services.TrainingBusy as exc:
        logger.warning("training skipped: %s", exc)
        return None
    except services.TrainingError as exc:
        logger.warning("training failed: %s", exc)
        return None
    return version.pk


@shared_task(name="recommendations.tasks.model_retrain_if_due", acks_late=True, autoretry_for=TRANSIENT,
             max_retries=1)
def model_retrain_if_due() -> int | None:
    version = services.model_retrain_if_due()
    return version.pk if version else None


@shared_task(name="recommendations.tasks.movie_similarities_compute", acks_late=True, autoretry_for=TRANSIENT,
             retry_backoff=30, max_retries=3)
def movie_similarities_compute() -> int:
    return services.movie_similarities_compute()


@shared_task(name="recommendations.tasks.user_recommendations_refresh", acks_late=True, autoretry_for=TRANSIENT,
             retry_backoff=2, max_retries=3)
def user_recommendations_refresh(user_id: int) -> int:
    rec_cache.user_refresh_release(user_id=user_id)
    items = services.user_recommendations_refresh(user_id=user_id)
    return len(items or [])


@shared_task(name="recommendations.tasks.user_recommendations_warm", acks_late=True, autoretry_for=TRANSIENT,
             retry_backoff=10, max_retries=3)
def user_recommendations_warm() -> int:
    return services.user_recommendations_warm()
