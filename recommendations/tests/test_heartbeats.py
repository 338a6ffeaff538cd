"""A real Celery worker announces itself (hostname and queues) on its own timer and leaves the list on shutdown."""
from __future__ import annotations

import signal

import pytest
from django.conf import settings

from conftest import REQUIRE_SERVICES
from recommendations import cache as rec_cache
from recommendations.tests import processes


@pytest.mark.timeout(120)
def test_a_worker_writes_its_heartbeat_with_its_queues_and_leaves_on_shutdown(transactional_db):
    if REQUIRE_SERVICES and not (settings.USING_POSTGRES and settings.REDIS_URL):
        pytest.fail("REQUIRE_SERVICES=1 but DATABASE_URL/REDIS_URL do not point at PostgreSQL and Redis")
    worker = processes.celery_worker("viewers", queues=[settings.TASK_QUEUE_VIEWERS])
    with processes.started(worker):
        beat = processes.wait_for(
            lambda: next((b for h, b in rec_cache.worker_heartbeats_get().items() if h.startswith("viewers-")), None),
            timeout=60, what="the worker's heartbeat", hosts=[worker],
        )
        assert beat["queues"] == [settings.TASK_QUEUE_VIEWERS]

        processes.kill(worker, signal.SIGTERM)

        assert beat["hostname"] not in rec_cache.worker_heartbeats_get(), "a clean shutdown leaves the list"
