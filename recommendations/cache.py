"""Every cache key the recommender uses, in one place; recommendation keys include the model version."""
from __future__ import annotations

from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache

ACTIVE_VERSION_KEY = "recs:active-version"
TRAINING_LOCK_KEY = "recs:training-lock"


def user_recommendations_key(*, version_id: int, user_id: int) -> str:
    return f"recs:{version_id}:{user_id}"


def discover_level(discover: float) -> str:
    """The cache's name for a familiar ↔ discover setting (two decimals: the page's five steps and any API value)."""
    return f"{discover:.2f}"


def user_recommendations_get(*, version_id: int, user_id: int, discover: float = 0.5) -> list[dict[str, Any]] | None:
    """The user's cached picks at one discover setting; one entry holds every setting asked for, so a
    rating change drops them all with one delete."""
    entry = cache.get(user_recommendations_key(version_id=version_id, user_id=user_id))
    return entry.get(discover_level(discover)) if isinstance(entry, dict) else None  # older lists read as a miss


def user_recommendations_set(
    *, version_id: int, user_id: int, items: list[dict[str, Any]], discover: float = 0.5
) -> None:
    key = user_recommendations_key(version_id=version_id, user_id=user_id)
    entry = cache.get(key)
    entry = entry if isinstance(entry, dict) else {}
    # Read-modify-write: a setting lost to a concurrent write is simply computed again on the next read.
    entry[discover_level(discover)] = items
    cache.set(key, entry, timeout=settings.RECOMMENDATIONS_CACHE_TTL)


def user_recommendations_delete(*, version_id: int, user_id: int) -> None:
    cache.delete(user_recommendations_key(version_id=version_id, user_id=user_id))


def user_forget(*, user_id: int) -> None:
    """Drop everything cached for a deleted member: picks under every model version, home rows, state."""
    from recommendations.models import ModelVersion

    version_ids = ModelVersion.objects.values_list("pk", flat=True)
    cache.delete_many([user_recommendations_key(version_id=v, user_id=user_id) for v in version_ids]
                      + [user_state_key(user_id), f"recs:refresh-pending:{user_id}"])
    if hasattr(cache, "delete_pattern"):  # Redis; elsewhere the rows lapse within HOME_CACHE_TTL
        cache.delete_pattern(home_sections_key(user_id=user_id, version_id="*", variant="*"))


def user_state_key(user_id: int) -> str:
    return f"recs:user-state:{user_id}"


def user_state_token(*, user_id: int) -> str:
    """A value that changes whenever the user's ratings, watchlist or hidden films change.

    Random rather than a counter: if the cache loses it, a new one can never match old entries.
    """
    key = user_state_key(user_id)
    token = cache.get(key)
    if token is None:
        token = uuid4().hex
        if not cache.add(key, token, timeout=None):
            token = cache.get(key) or token
    return token


def user_state_changed(*, user_id: int) -> None:
    cache.set(user_state_key(user_id), uuid4().hex, timeout=None)


def home_sections_key(*, user_id: int, version_id: int | str | None, variant: str) -> str:
    """The rendered home rows of one member for one model version."""
    return f"home:{version_id or 0}:{user_id}:{variant}"


def home_sections_get(**key_parts: Any) -> tuple[dict[str, Any] | None, str]:
    """The member's cached rows ({"html", "rated"}) if still current, and their state token.

    An entry is current while it carries the member's state token; both come in one round trip,
    as the home page reads them on every visit.
    """
    state_key, key = user_state_key(key_parts["user_id"]), home_sections_key(**key_parts)
    found = cache.get_many([state_key, key])
    state = found.get(state_key) or user_state_token(user_id=key_parts["user_id"])
    entry = found.get(key)
    # An entry of an older release (no state in it) reads as a miss.
    return (entry if isinstance(entry, dict) and entry.get("state") == state else None), state


def home_sections_set(entry: dict[str, Any], *, state: str, **key_parts: Any) -> None:
    """Keep the rows as of `state`, the token read before they were rendered."""
    cache.set(home_sections_key(**key_parts), {**entry, "state": state}, timeout=settings.HOME_CACHE_TTL)


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
WORKER_FORGET_SECONDS = 24 * 3600  # a host silent this long leaves the list


def worker_heartbeat_set(*, at: float, hostname: str, queues: list[str] | tuple[str, ...] = ()) -> None:
    """Record that the worker `hostname` (consuming `queues`) was alive at `at` (epoch seconds).

    All hosts share one entry (a dict by hostname), so any backend can list them. Two workers writing at the
    same instant may lose one update; that host is back on its next beat, well inside the stale limit.
    """
    beats = {name: beat for name, beat in worker_heartbeats_get().items()
             if name != hostname and at - beat["at"] < WORKER_FORGET_SECONDS}
    beats[hostname] = {"at": at, "hostname": hostname, "queues": list(queues)}
    cache.set(WORKER_HEARTBEAT_KEY, beats, timeout=WORKER_FORGET_SECONDS)


def worker_heartbeat_forget(*, hostname: str) -> None:
    """A worker shutting down cleanly leaves the list at once."""
    beats = worker_heartbeats_get()
    if beats.pop(hostname, None) is not None:
        cache.set(WORKER_HEARTBEAT_KEY, beats, timeout=WORKER_FORGET_SECONDS)


def worker_heartbeats_get() -> dict[str, dict[str, Any]]:
    """Every worker host's last heartbeat by hostname: {"at", "hostname", "queues"}."""
    value = cache.get(WORKER_HEARTBEAT_KEY)
    if not isinstance(value, dict):
        return {}
    if "at" in value:  # one worker's entry, as an earlier release wrote it
        return {value["hostname"]: {"queues": [], **value}}
    return value


def worker_heartbeat_get() -> dict[str, Any] | None:
    """The most recent heartbeat of any worker."""
    return max(worker_heartbeats_get().values(), key=lambda beat: beat["at"], default=None)


def viewer_preferences_key(*, user_id: int) -> str:
    return f"prefs:{user_id}"


def viewer_preferences_get(*, user_id: int) -> dict[str, Any] | None:
    """The viewer's saved {"discover", "layout"} as last published (None: not known here)."""
    entry = cache.get(viewer_preferences_key(user_id=user_id))
    return entry if isinstance(entry, dict) else None


def viewer_preferences_set(*, user_id: int, preferences: dict[str, Any]) -> None:
    cache.set(viewer_preferences_key(user_id=user_id), preferences, timeout=None)
