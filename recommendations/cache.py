"""Every cache key the recommender uses, in one place; recommendation keys include the model version."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache

ACTIVE_VERSION_KEY = "recs:active-version"
TRAINING_LOCK_KEY = "recs:training-lock"


def user_recommendations_key(*, version_id: int, user_id: int) -> str:
    return f"recs:{version_id}:{user_id}"


def user_recommendations_get(*, version_id: int, user_id: int) -> list[dict[str, Any]] | None:
    return cache.get(user_recommendations_key(version_id=version_id, user_id=user_id))


def user_recommendations_set(*, version_id: int, user_id: int, items: list[dict[str, Any]]) -> None:
    cache.set(
        user_recommendations_key(version_id=version_id, user_id=user_id),
        items,
        timeout=settings.RECOMMENDATIONS_CACHE_TTL,
    )


def user_recommendations_delete(*, version_id: int, user_id: int) -> None:
    cache.delete(user_recommendations_key(version_id=version_id, user_id=user_id))


def active_version_get() -> int | None:
    """The active model version id as last published (0 means "known: none active")."""
    return cache.get(ACTIVE_VERSION_KEY)


def active_version_set(version_id: int | None) -> None:
    cache.set(ACTIVE_VERSION_KEY, version_id or 0, timeout=None)


def training_lock_acquire(*, timeout: int) -> bool:
    return cache.add(TRAINING_LOCK_KEY, 1, timeout=timeout)


def training_lock_release() -> None:
    cache.delete(TRAINING_LOCK_KEY)
