"""Queues by kind of work: a worker on the viewers queue refreshes picks while batch work waits elsewhere."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import REQUIRE_SERVICES
from recommendations import cache as rec_cache
from recommendations import dashboard, services
from recommendations.models import ModelVersion
from recommendations.tests import processes


@pytest.fixture
def batch_queue_purged():
    yield
    from moviesite.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.TASK_QUEUE_BATCH)


def test_per_viewer_tasks_and_batch_tasks_go_to_their_own_queues():
    from moviesite.celery import app

    route = app.amqp.router.route
    for name in ("user_recommendations_refresh", "user_recommendations_warm"):
        assert route({}, f"recommendations.tasks.{name}")["queue"].name == settings.TASK_QUEUE_VIEWERS
    for name in ("recommendations.tasks.model_train", "recommendations.tasks.movie_similarities_compute",
                 "catalog.tasks.movies_tmdb_enrich"):
        assert route({}, name)["queue"].name == settings.TASK_QUEUE_BATCH


@pytest.mark.timeout(120)
def test_a_viewers_worker_refreshes_picks_while_a_training_waits_on_the_batch_queue(
    transactional_db, taste_catalog, client, user, batch_queue_purged
):
    if REQUIRE_SERVICES and not (settings.USING_POSTGRES and settings.REDIS_URL):
        pytest.fail("REQUIRE_SERVICES=1 but DATABASE_URL/REDIS_URL do not point at PostgreSQL and Redis")
    sci_fi, _ = taste_catalog
    version = services.model_train()
    worker = processes.celery_worker("viewers", queues=[settings.TASK_QUEUE_VIEWERS])
    with processes.started(worker):
        waiting = services.model_train_request()  # on the batch queue, which nobody here consumes
        client.force_login(user)
        client.post(reverse("rating-upsert", args=[sci_fi[0].pk]), {"score": "5"})

        picks = processes.wait_for(
            lambda: rec_cache.user_recommendations_get(version_id=version.pk, user_id=user.pk),
            timeout=90, what="the viewers worker to refresh the picks", hosts=[worker],
        )

        assert sci_fi[0].pk not in [p["movie_id"] for p in picks]
        waiting.refresh_from_db()
        assert waiting.status == ModelVersion.Status.QUEUED, "the training was never taken by the viewers worker"
        assert dashboard.broker_queue_lengths(queues=[settings.TASK_QUEUE_BATCH]) == {settings.TASK_QUEUE_BATCH: 1}
