"""The active model, loaded once per process and reloaded when another version is activated.

The version check reads one cache key (shared by web and worker processes), not the database.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

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
        try:
            model = HybridModel.load(Path(version.artifact_path), mmap=True)
        except (OSError, ValueError) as exc:
            logger.error("cannot load model version %s from %s: %s", version_id, version.artifact_path, exc)
            # Keep serving what this process already has rather than nothing.
            return _loaded
        _loaded = LoadedModel(version_id=version_id, model=model)
        logger.info("loaded model version %s", version_id)
        return _loaded


def forget_version() -> None:
    global _memo
    _memo = (0.0, None)


def forget() -> None:
    """Drop the in-process model and version memo (tests, and after activation in the same process)."""
    global _loaded, _memo
    with _lock:
        _loaded = None
        _memo = (0.0, None)
