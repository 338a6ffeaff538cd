"""The Celery app: one for web and worker, configured from Django settings (CELERY_*)."""
from __future__ import annotations

import contextlib
import logging
import os
import time

from celery import Celery, bootsteps
from celery.schedules import crontab
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moviesite.settings.dev")

app = Celery("moviesite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15


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


class Heartbeat(bootsteps.StartStopStep):
    """Writes this worker's heartbeat (its -n hostname and queues) to the shared cache on the worker's own timer.

    The dashboard lists worker hosts from it and /healthz counts the live ones; it works on every broker
    (the filesystem transport has no remote control to ping).
    """

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs) -> None:
        super().__init__(worker, **kwargs)
        self.timer_ref = None

    def start(self, worker) -> None:
        self.beat(worker)
        self.timer_ref = worker.timer.call_repeatedly(HEARTBEAT_SECONDS, self.beat, (worker,), priority=10)

    def stop(self, worker) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
        with contextlib.suppress(Exception):
            from recommendations import cache as rec_cache

            rec_cache.worker_heartbeat_forget(hostname=worker.hostname)

    @staticmethod
    def beat(worker) -> None:
        from recommendations import cache as rec_cache

        try:
            rec_cache.worker_heartbeat_set(at=time.time(), hostname=worker.hostname,
                                           queues=sorted(worker.app.amqp.queues.consume_from))
        except Exception:  # the cache being down must not stop the worker
            logger.warning("could not write the worker heartbeat", exc_info=True)


app.steps["worker"].add(Heartbeat)
