"""/healthz: database, cache, broker, worker and active model, for load balancers and compose healthchecks.

503 when a dependency is down (database, cache, broker, worker); a missing model is reported as
"degraded" with 200, since the site still serves popular movies.

A *hung* dependency (a stopped process, a dropped network: connections accepted, nothing answered) must
cost a bounded wait, never the worker: a load balancer polling /healthz would otherwise hold every web
worker and take the whole site down. So the dependency checks run side by side in a small thread pool,
each with its own socket timeouts, and the answer is given after at most DEADLINE seconds whatever they
do; a check still running then is reported down ("no answer"). Each check runs at most once at a time:
while a stuck one waits, later requests report it stuck instead of starting another.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from kombu import Connection

logger = logging.getLogger(__name__)

WORKER_STALE_SECONDS = 60
DEADLINE = 2.0  # seconds for all dependency checks together; load balancers time out at 3-5 s
CONNECT_TIMEOUT = 2  # seconds; libpq's smallest useful connect_timeout
BROKER_TIMEOUT = 1.0  # seconds per socket operation on the broker
Check = dict[str, Any]


def _database() -> Check:
    """A fresh connection (not this thread's), so a hung server costs connect_timeout, then closes."""
    params = {**connections.settings[DEFAULT_DB_ALIAS]}
    options = {**params.get("OPTIONS", {})}
    if params["ENGINE"].startswith("django.db.backends.postgresql"):
        options["connect_timeout"] = min(int(options.get("connect_timeout", CONNECT_TIMEOUT)), CONNECT_TIMEOUT)
    params["OPTIONS"] = options
    backend = import_string(params["ENGINE"] + ".base.DatabaseWrapper")
    wrapper = backend(params, alias=f"healthz-{uuid.uuid4().hex[:8]}")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": wrapper.vendor}
    finally:
        wrapper.close()


def _cache() -> Check:
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    ok = cache.get(key) == value  # django-redis swallows errors, so read back to know
    cache.delete(key)
    return {"ok": ok, "backend": cache.__class__.__name__}


def _broker() -> Check:
    # A fresh connection (not the app's producer pool), so the check sees the broker as it is now; a read
    # timeout as well as a connect timeout, since a hung Redis accepts the connection and never answers.
    options = {**getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})}
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        options.update(socket_timeout=BROKER_TIMEOUT, socket_connect_timeout=BROKER_TIMEOUT)
    with Connection(settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=BROKER_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
        return {"ok": True, "transport": conn.transport.driver_type}


def _worker() -> Check:
    from recommendations.cache import worker_heartbeats_get

    now = time.time()
    hosts = sorted(({"hostname": beat["hostname"], "last_seen_seconds": round(now - beat["at"], 1),
                     "queues": beat.get("queues", [])} for beat in worker_heartbeats_get().values()),
                   key=lambda host: host["last_seen_seconds"])
    if not hosts:
        return {"ok": False, "alive": 0, "detail": "no worker heartbeat"}
    alive = sum(host["last_seen_seconds"] < WORKER_STALE_SECONDS for host in hosts)
    return {"ok": alive > 0, "alive": alive, "hosts": hosts,
            "last_seen_seconds": hosts[0]["last_seen_seconds"], "hostname": hosts[0]["hostname"]}


def _model() -> Check:
    from recommendations import serving
    from recommendations.artifacts import artifact_available
    from recommendations.models import ModelVersion

    version_id = serving.active_version_id()
    if version_id is None:
        return {"ok": False, "detail": "no active model: serving popular movies"}
    version = ModelVersion.objects.filter(pk=version_id).first()
    stored = bool(version and artifact_available(version=version))
    loaded = serving.active_model()
    check: Check = {"ok": stored and loaded is not None, "version": version_id, "artifact_stored": stored,
                    "loaded_version": loaded.version_id if loaded else None}
    if not stored:
        check["detail"] = "the active model's artifact is missing; serving the copy already in memory"
    return check


# Run in the pool, side by side; the model check runs in the request (it reads the test's and the
# request's own database connection) and only when the database answered.
DEPENDENCIES = {"database": _database, "cache": _cache, "broker": _broker, "worker": _worker}
REQUIRED = ("database", "cache", "broker", "worker")

_pool = ThreadPoolExecutor(max_workers=len(DEPENDENCIES), thread_name_prefix="healthz")
_running: dict[str, tuple[float, Future]] = {}
_running_lock = threading.Lock()


def _guarded(name: str) -> Check:
    try:
        return DEPENDENCIES[name]()
    except Exception as exc:  # a health check reports failures, it never raises them
        logger.warning("health check %s failed: %s", name, exc)
        return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    finally:
        if name != "database":
            connections.close_all()  # a pool thread keeps no database connection of its own


def _start(name: str) -> tuple[float, Future]:
    """The check's future: the one still running from an earlier request, or a new one."""
    with _running_lock:
        started, future = _running.get(name, (0.0, None))
        if future is None or future.done():
            started, future = time.monotonic(), _pool.submit(_guarded, name)
            _running[name] = (started, future)
        return started, future


def dependencies_check(*, deadline: float = DEADLINE) -> dict[str, Check]:
    """Every dependency's check, each answered or given up on within `deadline` seconds in all."""
    futures = {name: _start(name) for name in DEPENDENCIES}
    end = time.monotonic() + deadline
    results: dict[str, Check] = {}
    for name, (started, future) in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, end - time.monotonic()))
        except FutureTimeout:
            waited = time.monotonic() - started
            logger.warning("health check %s has not answered for %.1f s", name, waited)
            results[name] = {"ok": False, "detail": f"no answer after {waited:.1f} s"}
    return results


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    results = dependencies_check()
    if results["database"]["ok"]:
        try:
            results["model"] = _model()
        except Exception as exc:
            logger.warning("health check model failed: %s", exc)
            results["model"] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    else:
        results["model"] = {"ok": False, "detail": "not checked: the database did not answer"}
    down = [name for name in REQUIRED if not results[name]["ok"]]
    status = "down" if down else ("ok" if results["model"]["ok"] else "degraded")
    return JsonResponse({"status": status, "down": down, "checks": results}, status=503 if down else 200)
