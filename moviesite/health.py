"""/healthz: database, cache, broker, worker and active model, for load balancers and compose healthchecks.

503 when a dependency is down (database, cache, broker, worker); a missing model is reported as
"degraded" with 200, since the site still serves popular movies.
"""
from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

logger = logging.getLogger(__name__)

WORKER_STALE_SECONDS = 60
Check = dict[str, Any]


def _database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def _cache() -> Check:
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    ok = cache.get(key) == value  # django-redis swallows errors, so read back to know
    cache.delete(key)
    return {"ok": ok, "backend": cache.__class__.__name__}


def _broker() -> Check:
    # A fresh connection (not the app's producer pool), so the check sees the broker as it is now.
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    with Connection(settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": conn.transport.driver_type}


def _worker() -> Check:
    from recommendations.cache import worker_heartbeat_get

    beat = worker_heartbeat_get()
    if not beat:
        return {"ok": False, "detail": "no worker heartbeat"}
    age = time.time() - beat["at"]
    return {"ok": age < WORKER_STALE_SECONDS, "last_seen_seconds": round(age, 1), "hostname": beat["hostname"]}


def _model() -> Check:
    from recommendations import serving
    from recommendations.models import ModelVersion

    version_id = serving.active_version_id()
    if version_id is None:
        return {"ok": False, "detail": "no active model: serving popular movies"}
    version = ModelVersion.objects.filter(pk=version_id).first()
    on_disk = bool(version and version.artifact_path and Path(version.artifact_path, "meta.json").exists())
    loaded = serving.active_model()
    check: Check = {"ok": on_disk and loaded is not None, "version": version_id, "artifact_on_disk": on_disk,
                    "loaded_version": loaded.version_id if loaded else None}
    if not on_disk:
        check["detail"] = "the active model's artifact is missing; serving the copy already in memory"
    return check


CHECKS = {"database": _database, "cache": _cache, "broker": _broker, "worker": _worker, "model": _model}
REQUIRED = ("database", "cache", "broker", "worker")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    results: dict[str, Check] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a health check reports failures, it never raises them
            logger.warning("health check %s failed: %s", name, exc)
            results[name] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    down = [name for name in REQUIRED if not results[name]["ok"]]
    status = "down" if down else ("ok" if results["model"]["ok"] else "degraded")
    return JsonResponse({"status": status, "down": down, "checks": results}, status=503 if down else 200)
