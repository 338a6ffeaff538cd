"""A real Celery worker process, on the real broker, refreshes a viewer's cached recommendations.

In CI (REQUIRE_SERVICES=1) this runs against PostgreSQL and Redis; embedded, against the SQLite
file and kombu's filesystem transport — the same pair `make run` uses.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import REQUIRE_SERVICES
from recommendations import cache as rec_cache
from recommendations import services
from recommendations.tests.processes import database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker_process(transactional_db):
    """A `celery worker` process sharing this test's database, cache and broker; killed at teardown."""
    if REQUIRE_SERVICES and not (settings.USING_POSTGRES and settings.REDIS_URL):
        pytest.fail("REQUIRE_SERVICES=1 but DATABASE_URL/REDIS_URL do not point at PostgreSQL and Redis")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "moviesite.settings.test", "DATABASE_URL": database_url()}
    log = open(Path(settings.TEST_DATA_DIR) / "worker.log", "w")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "moviesite", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--hostname", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def _worker_log() -> str:
    return (Path(settings.TEST_DATA_DIR) / "worker.log").read_text()


@pytest.mark.timeout(120)
def test_a_rating_refreshes_cached_recommendations_through_a_real_worker(
    taste_catalog, celery_worker_process, client, user
):
    sci_fi, romance = taste_catalog
    version = services.model_train()
    client.force_login(user)
    for movie in sci_fi[:3] + romance[:3]:
        client.post(reverse("rating-upsert", args=[movie.pk]), {"score": "5" if movie in sci_fi else "1"})
    services.user_recommendations_refresh(user_id=user.pk)
    before = rec_cache.user_recommendations_get(version_id=version.pk, user_id=user.pk)
    top_pick = before[0]["movie_id"]

    response = client.post(reverse("rating-upsert", args=[top_pick]), {"score": "4.5"})
    assert response.status_code in (200, 302)

    # Nothing in this process computes recommendations after the rating: only the worker can.
    deadline = time.monotonic() + 90
    after = None
    while time.monotonic() < deadline:
        assert celery_worker_process.poll() is None, f"worker died:\n{_worker_log()}"
        after = rec_cache.user_recommendations_get(version_id=version.pk, user_id=user.pk)
        if after and top_pick not in [item["movie_id"] for item in after]:
            break
        time.sleep(0.2)

    assert after, f"the worker never refreshed the cache:\n{_worker_log()}"
    assert top_pick not in [item["movie_id"] for item in after], "the newly rated film is no longer recommended"
    assert "recommendations.tasks.user_recommendations_refresh" in _worker_log()
