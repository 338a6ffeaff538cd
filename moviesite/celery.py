"""The Celery app: one for web and worker, configured from Django settings (CELERY_*)."""
from __future__ import annotations

import os
import socket
import threading
import time

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init, worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moviesite.settings.dev")

app = Celery("moviesite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_SECONDS = 15
_stop_heartbeat = threading.Event()


@app.on_after_finalize.connect
def _schedule(sender: Celery, **_: object) -> None:
    from django.conf import settings

    if settings.RETRAIN_HOUR >= 0:
        sender.add_periodic_task(
            crontab(hour=settings.RETRAIN_HOUR, minute=0),
            sender.signature("recommendations.tasks.model_train"),
            name="nightly retrain",
        )
        sender.add_periodic_task(
            crontab(hour=settings.RETRAIN_HOUR, minute=0),
            sender.signature("catalog.tasks.movie_rating_totals_rederive"),
            name="nightly rating recount",
        )
    sender.add_periodic_task(
        settings.RETRAIN_CHECK_SECONDS,
        sender.signature("recommendations.tasks.model_retrain_if_due"),
        name="retrain after new ratings",
    )


def statement_timeout_lift(databases: dict) -> None:
    """Web requests' statement timeout is not the worker's: a ratings export or a training query may run for
    minutes. Dropped before the worker opens any connection (its pool processes inherit the settings)."""
    for database in databases.values():
        database.get("OPTIONS", {}).pop("options", None)


@worker_init.connect
def _worker_init(**_: object) -> None:
    from django.conf import settings

    statement_timeout_lift(settings.DATABASES)


@worker_ready.connect
def _start_heartbeat(**_: object) -> None:
    """Write a heartbeat to the shared cache so the dashboard and /healthz can tell the worker is alive.

    Works on every broker (the filesystem transport has no remote control to ping).
    """
    from recommendations import cache as rec_cache

    hostname = socket.gethostname()

    def beat() -> None:
        while not _stop_heartbeat.is_set():
            try:
                rec_cache.worker_heartbeat_set(at=time.time(), hostname=hostname)
            except Exception:  # the cache being down must not kill the worker
                pass
            _stop_heartbeat.wait(HEARTBEAT_SECONDS)

    threading.Thread(target=beat, name="moviesite-heartbeat", daemon=True).start()


@worker_shutdown.connect
def _stop(**_: object) -> None:
    _stop_heartbeat.set()
