from __future__ import annotations

import shutil
import time

import pytest

from recommendations import cache as rec_cache
from recommendations import services, serving

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_alive():
    rec_cache.worker_heartbeat_set(at=time.time(), hostname="test-worker")


def test_it_is_degraded_but_up_without_a_model(client, worker_alive):
    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert all(body["checks"][name]["ok"] for name in ("database", "cache", "broker", "worker"))
    assert "popular" in body["checks"]["model"]["detail"]


def test_it_is_ok_with_a_worker_and_an_active_model(client, worker_alive, taste_catalog):
    version = services.model_train()

    body = client.get("/healthz").json()

    assert body["status"] == "ok"
    assert body["checks"]["model"]["version"] == version.pk


def test_it_fails_when_no_worker_has_been_seen(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["down"] == ["worker"]


def test_it_fails_when_the_worker_heartbeat_is_stale(client):
    rec_cache.worker_heartbeat_set(at=time.time() - 600, hostname="gone")

    assert client.get("/healthz").status_code == 503


def test_it_says_so_when_the_active_artifact_was_deleted_and_keeps_serving(client, worker_alive, taste_catalog):
    version = services.model_train()
    assert serving.active_model() is not None
    shutil.rmtree(version.artifact_path)

    body = client.get("/healthz").json()

    assert body["status"] == "degraded"
    assert body["checks"]["model"]["artifact_on_disk"] is False
    assert body["checks"]["model"]["loaded_version"] == version.pk, "the in-memory model keeps serving"


def test_it_fails_when_the_cache_is_unreachable(client, worker_alive, settings):
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2}}}

    response = client.get("/healthz")

    assert response.status_code == 503
    assert "cache" in response.json()["down"]


def test_it_fails_when_the_broker_is_unreachable(client, worker_alive, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    assert "broker" in response.json()["down"]
