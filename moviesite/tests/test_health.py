from __future__ import annotations

import time

import pytest

from conftest import skip_or_fail
from recommendations import cache as rec_cache
from recommendations import services, serving
from recommendations.artifacts import artifact_discard

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
    artifact_discard(version=version)

    body = client.get("/healthz").json()

    assert body["status"] == "degraded"
    assert body["checks"]["model"]["artifact_stored"] is False
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


# --- A hung dependency (issue 15): a bounded wait, a 503, and recovery -------------------------------------


def _redis_settings(settings, url: str) -> None:
    """Point the cache and the broker at `url`, with the options the base settings give Redis."""
    from moviesite.settings.base import redis_cache_settings

    settings.CACHES = {"default": {**redis_cache_settings(url), "KEY_PREFIX": "healthz-test"}}
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}


@pytest.fixture
def hung_redis(settings):
    from moviesite.tests.hung_services import private_redis

    with private_redis() as redis:
        _redis_settings(settings, redis.url)
        rec_cache.worker_heartbeat_set(at=time.time(), hostname="test-worker")
        redis.hang()
        yield redis


@pytest.mark.timeout(30)  # before issue 15 the broker check waited forever on a hung Redis
def test_it_answers_503_naming_cache_and_broker_when_redis_hangs(client, hung_redis):
    response = client.get("/healthz")

    body = response.json()
    assert response.status_code == 503
    assert {"cache", "broker"} <= set(body["down"])
    assert "database" not in body["down"]


@pytest.mark.timeout(60)
def test_it_recovers_once_a_hung_redis_answers_again(client, hung_redis):
    assert client.get("/healthz").status_code == 503
    hung_redis.resume()
    rec_cache.worker_heartbeat_set(at=time.time(), hostname="test-worker")

    statuses = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not statuses or statuses[-1] != 200):
        rec_cache.worker_heartbeat_set(at=time.time(), hostname="test-worker")
        statuses.append(client.get("/healthz").status_code)
        time.sleep(0.5)

    assert statuses[-1] == 200, statuses


@pytest.mark.timeout(60)
def test_it_answers_503_naming_the_database_when_postgresql_hangs(client, worker_alive, monkeypatch):
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    from chaos.relay import FreezableRelay

    if connection.vendor != "postgresql":
        skip_or_fail("a hung PostgreSQL connection needs PostgreSQL (DATABASE_URL)")
    relay = FreezableRelay(connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"]
                                                                                 or 5432))
    # New connections (the health check opens its own) go through the relay; this test's stays as it is.
    monkeypatch.setitem(connections.settings[DEFAULT_DB_ALIAS], "HOST", "127.0.0.1")
    monkeypatch.setitem(connections.settings[DEFAULT_DB_ALIAS], "PORT", str(relay.port))
    try:
        assert client.get("/healthz").json()["checks"]["database"]["ok"], "through the relay, before it freezes"
        relay.frozen.set()
        response = client.get("/healthz")
    finally:
        relay.close()

    assert response.status_code == 503 and "database" in response.json()["down"]
    assert response.json()["checks"]["model"]["detail"].startswith("not checked")


def test_web_requests_run_with_a_statement_timeout_and_a_connect_timeout(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("statement and connect timeouts are PostgreSQL settings (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "25s"
    assert settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 3


def test_the_celery_worker_lifts_the_statement_timeout(settings):
    from moviesite.celery import statement_timeout_lift

    databases = {"default": {**settings.DATABASES["default"],
                             "OPTIONS": {"connect_timeout": 3, "options": "-c statement_timeout=25s"}}}
    statement_timeout_lift(databases)

    assert databases["default"]["OPTIONS"] == {"connect_timeout": 3}


def test_management_commands_run_without_the_statement_timeout():
    """An import or a training may run for minutes: only web requests carry the 25 s limit."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("statement and connect timeouts are PostgreSQL settings (DATABASE_URL)")
    show = "from django.db import connection; c = connection.cursor(); c.execute('SHOW statement_timeout'); " \
           "print(c.fetchone()[0])"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_STATEMENT_TIMEOUT"}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", show], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0"


def test_it_counts_the_worker_hosts_alive_and_lists_the_silent_ones(client):
    rec_cache.worker_heartbeat_set(at=time.time() - 600, hostname="batch@gone", queues=["batch"])
    rec_cache.worker_heartbeat_set(at=time.time() - 3, hostname="viewers@host-a", queues=["viewers"])
    rec_cache.worker_heartbeat_set(at=time.time(), hostname="viewers@host-b", queues=["viewers"])

    worker = client.get("/healthz").json()["checks"]["worker"]

    assert worker["ok"] is True and worker["alive"] == 2
    assert [host["hostname"] for host in worker["hosts"]] == ["viewers@host-b", "viewers@host-a", "batch@gone"]
    assert worker["hosts"][2]["queues"] == ["batch"] and worker["hosts"][2]["last_seen_seconds"] >= 600
