"""The active model, loaded once per process and reloaded when another version is activated.

The version check reads one cache key (shared by web and worker processes), not the database. A version
this host has no copy of yet is fetched (recommendations.artifacts): in the background while the process
keeps serving the model it has, in the request when it has none. After a version loads, cached copies other
than it and the one it replaced are pruned.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from recommendations import artifacts
from recommendations import cache as rec_cache
from recommendations.engine import HybridModel
from recommendations.models import ModelVersion

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class LoadedModel:
    version_id: int
    model: HybridModel


_lock = threading.Lock()
_loaded: LoadedModel | None = None


VERSION_MEMO_SECONDS = 2.0  # how long a process trusts its last look at the active version
_memo: tuple[float, int | None] = (0.0, None)


def active_version_id() -> int | None:
    """The active version id: remembered for 2 s per process, then read from the shared cache.

    The memo keeps a page that asks several times to one cache read, and a hung cache from
    costing a timeout on every call; an activation reaches every process within 2 s.
    """
    global _memo
    now = time.monotonic()
    if now - _memo[0] < VERSION_MEMO_SECONDS:
        return _memo[1]
    version_id = _active_version_lookup()
    _memo = (now, version_id)
    return version_id


def _active_version_lookup() -> int | None:
    version_id = rec_cache.active_version_get()
    if version_id is None:
        version_id = (
            ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("id", flat=True).first()
        )
        rec_cache.active_version_set(version_id)
    return version_id or None


def active_model() -> LoadedModel | None:
    """The loaded active model, or None when no model is active or its artifact cannot be read."""
    global _loaded
    version_id = active_version_id()
    if version_id is None:
        return None
    current = _loaded
    if current is not None and current.version_id == version_id:
        return current
    with _lock:
        if _loaded is not None and _loaded.version_id == version_id:
            return _loaded
        version = ModelVersion.objects.filter(pk=version_id).first()
        if version is None or not version.artifact_path:
            rec_cache.active_version_set(None)
            return None
        if _fetch_failed_recently(version_id):
            return _loaded
        try:
            # With a model in hand the fetch happens beside the requests, which keep the model they have.
            directory = artifacts.artifact_directory(version=version, fetch=_loaded is None)
            if directory is None:
                _fetch_in_background(version)
                return _loaded
            model = HybridModel.load(directory, mmap=True)
        except (OSError, ValueError, artifacts.ArtifactUnavailable) as exc:
            logger.error("cannot load model version %s: %s", version_id, exc)
            _failures[version_id] = time.monotonic()
            # Keep serving what this process already has rather than nothing.
            return _loaded
        previous = _loaded
        _loaded = LoadedModel(version_id=version_id, model=model)
        logger.info("loaded model version %s", version_id)
    _cache_prune(version_id, previous)
    return _loaded


def _cache_prune(version_id: int, previous: LoadedModel | None) -> None:
    """Keep this host's copies of the active version and the previous one (a rollback serves at once)."""
    retired = (ModelVersion.objects.filter(status=ModelVersion.Status.RETIRED).order_by("-created_at")
               .values_list("pk", flat=True).first())
    keep = {version_id, retired, previous.version_id if previous else None} - {None}
    artifacts.artifact_cache_prune(keep=keep)


RETRY_FETCH_SECONDS = 30.0  # a version that failed to fetch or load is not tried again sooner
_failures: dict[int, float] = {}
_fetching: set[int] = set()


def _fetch_failed_recently(version_id: int) -> bool:
    failed_at = _failures.get(version_id)
    return failed_at is not None and time.monotonic() - failed_at < RETRY_FETCH_SECONDS


def _fetch_in_background(version: ModelVersion) -> None:
    """Fetch the version into this host's cache in a thread; the next call after it finishes loads it."""
    if version.pk in _fetching:
        return
    _fetching.add(version.pk)

    def fetch() -> None:
        from django.db import connection

        try:
            artifacts.artifact_fetch(version=version)
        except Exception as exc:  # reported, and retried after RETRY_FETCH_SECONDS
            logger.error("cannot fetch model version %s: %s", version.pk, exc)
            _failures[version.pk] = time.monotonic()
        finally:
            _fetching.discard(version.pk)
            connection.close()  # the thread's own database connection

    threading.Thread(target=fetch, name=f"model-fetch-v{version.pk}", daemon=True).start()


def forget_version() -> None:
    global _memo
    _memo = (0.0, None)


def forget() -> None:
    """Drop the in-process model and version memo (tests, and after activation in the same process)."""
    global _loaded, _memo
    with _lock:
        _loaded = None
        _memo = (0.0, None)
        _failures.clear()
