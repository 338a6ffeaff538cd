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
    from recommendations import serving

    cache.set(ACTIVE_VERSION_KEY, version_id or 0, timeout=None)
    serving.forget_version()  # this process sees its own activation at once


def training_lock_acquire(*, owner: str, timeout: int) -> bool:
    """Take the one-training-at-a-time lock (atomic on Redis); it lapses after `timeout` unless renewed."""
    return cache.add(TRAINING_LOCK_KEY, owner, timeout=timeout)


def training_lock_renew(*, owner: str, timeout: int) -> None:
    if cache.get(TRAINING_LOCK_KEY) == owner:
        cache.touch(TRAINING_LOCK_KEY, timeout)


def training_lock_release(*, owner: str) -> None:
    if cache.get(TRAINING_LOCK_KEY) == owner:
        cache.delete(TRAINING_LOCK_KEY)


def training_lock_holder() -> str | None:
    return cache.get(TRAINING_LOCK_KEY)


def user_refresh_claim(*, user_id: int, timeout: int = 60) -> bool:
    """True for the first of several quick rating changes: only that one queues a refresh."""
    return cache.add(f"recs:refresh-pending:{user_id}", 1, timeout=timeout)


def user_refresh_release(*, user_id: int) -> None:
    """Called as a refresh starts, so a rating saved during the refresh queues another one."""
    cache.delete(f"recs:refresh-pending:{user_id}")


WORKER_HEARTBEAT_KEY = "recs:worker-heartbeat"


def worker_heartbeat_set(*, at: float, hostname: str) -> None:
    cache.set(WORKER_HEARTBEAT_KEY, {"at": at, "hostname": hostname}, timeout=3600)


def worker_heartbeat_get() -> dict[str, Any] | None:
    return cache.get(WORKER_HEARTBEAT_KEY)
