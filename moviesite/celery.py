"""The Celery app: one for web and worker, configured from Django settings (CELERY_*)."""
from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moviesite.settings.dev")

app = Celery("moviesite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_nightly_retrain(sender: Celery, **_: object) -> None:
    from django.conf import settings

    if settings.RETRAIN_HOUR >= 0:
        sender.add_periodic_task(
            crontab(hour=settings.RETRAIN_HOUR, minute=0),
            sender.signature("recommendations.tasks.model_train"),
            name="nightly retrain",
        )
