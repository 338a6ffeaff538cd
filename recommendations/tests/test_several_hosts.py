"""Several hosts that share only PostgreSQL and Redis: two gunicorn web processes and two Celery workers, each
with its own model folders (no shared disk), one database and one Redis database.

A model trained by worker A is served by web B from its own copy fetched from PostgreSQL; a rating posted to
web A shows in the picks read from web B; with worker A killed, worker B does the refreshes alone.
"""
from __future__ import annotations

import json
import urllib.request

import pytest
from rest_framework.authtoken.models import Token

from conftest import skip_or_fail
from ratings.services import rating_upsert
from recommendations import cache as rec_cache
from recommendations import services
from recommendations.engine.arrays import artifact_checksum
from recommendations.models import ModelVersion
from recommendations.tests import processes

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def shared_services(settings):
    if not (settings.USING_POSTGRES and settings.REDIS_URL):
        skip_or_fail("the several-host test needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL)")


def _api(host: processes.Host, path: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(f"{host.url}{path}", headers={"Authorization": f"Token {token}"},
                                     data=json.dumps(body).encode() if body else None,
                                     method="POST" if body else "GET")
    if body:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _picked(listing: dict) -> list[int]:
    return [item["movie"]["id"] for item in listing["results"]]


def _cached_versions(host: processes.Host) -> list[str]:
    folder = host.cache_dir
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("v")) if folder.exists() else []


def test_hosts_sharing_only_postgresql_and_redis_train_serve_and_refresh_for_each_other(
    shared_services, transactional_db, taste_catalog, django_user_model
):
    sci_fi, romance = taste_catalog
    viewer = django_user_model.objects.create_user(username="traveller", password="a-long-test-password")
    token = Token.objects.create(user=viewer).key
    for movie in sci_fi[:3] + romance[:3]:
        rating_upsert(user=viewer, movie=movie, score=5.0 if movie in sci_fi else 1.0)

    worker_a = processes.celery_worker("worker-a")
    web_a, web_b = processes.gunicorn("web-a"), processes.gunicorn("web-b")
    with processes.started(worker_a, web_a, web_b):
        processes.wait_until_serving(web_a)
        processes.wait_until_serving(web_b)

        # Worker A trains (the only worker so far) and stores the artifact in PostgreSQL.
        requested = services.model_train_request()
        version = processes.wait_for(
            lambda: ModelVersion.objects.filter(pk=requested.pk, status=ModelVersion.Status.ACTIVE).first(),
            timeout=90, what="worker A to train and activate a model", hosts=[worker_a, web_a, web_b],
        )
        assert version.artifact_store == "database"
        assert _cached_versions(worker_a) == [f"v{version.pk}-{version.artifact_checksum[:16]}"]
        assert _cached_versions(web_b) == [], "web B has no copy yet, and no disk shared with worker A"

        # Web B serves it from a copy of its own, fetched from PostgreSQL and checked.
        listing = _api(web_b, "/api/recommendations/", token)
        assert listing["personalized"] and listing["model_version"] == version.pk
        (copy,) = _cached_versions(web_b)
        assert artifact_checksum(web_b.cache_dir / copy) == version.artifact_checksum

        # A rating posted to web A shows in the picks read from web B.
        top_pick = _picked(listing)[0]
        _api(web_a, "/api/ratings/", token, body={"movie": top_pick, "score": 4.5})
        after = processes.wait_for(
            lambda: (r := _api(web_b, "/api/recommendations/", token)) and top_pick not in _picked(r) and r,
            timeout=10, what="web B's picks to reflect the rating posted to web A", hosts=[web_a, web_b],
        )

        # Worker B joins; both are seen alive; worker A is killed and worker B does the refresh alone.
        worker_b = processes.celery_worker("worker-b")
        with processes.started(worker_b):
            health = processes.wait_for(
                lambda: (h := _api(web_b, "/healthz", token)["checks"]["worker"])["alive"] == 2 and h,
                timeout=60, what="both workers' heartbeats", hosts=[worker_a, worker_b],
            )
            names = sorted(host["hostname"].split("@")[0].rsplit("-", 1)[0] for host in health["hosts"])
            assert names == ["worker-a", "worker-b"]
            processes.kill(worker_a)

            next_pick = _picked(after)[0]
            _api(web_a, "/api/ratings/", token, body={"movie": next_pick, "score": 1.0})
            # Only the cache is read from here on: a web process would compute the picks itself on a miss.
            refreshed = processes.wait_for(
                lambda: (p := rec_cache.user_recommendations_get(version_id=version.pk, user_id=viewer.pk))
                and next_pick not in [item["movie_id"] for item in p] and p,
                timeout=60, what="worker B to refresh the viewer's picks", hosts=[worker_b],
            )
            assert refreshed
            assert "user_recommendations_refresh" in worker_b.log()
            assert _cached_versions(worker_b) == [copy], "worker B fetched the model for itself"
