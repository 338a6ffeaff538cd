"""The staff dashboard: who may see it, one-click activate/rollback/retrain, live status, plots, queue length."""
from __future__ import annotations

import os
import time
import uuid

import pytest
from django.contrib.messages import get_messages
from kombu import Connection

from conftest import skip_or_fail
from ratings.models import Rating
from recommendations import cache as rec_cache
from recommendations import dashboard, services, serving, tasks
from recommendations.models import ModelVersion

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status

PAGE = "/staff/"
STATUS = "/staff/status.json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLOT_NAMES = list(dashboard.PLOTS)


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """Calls to model_train.apply_async, recorded instead of reaching a broker."""
    calls: list[dict] = []
    monkeypatch.setattr(tasks.model_train, "apply_async", lambda *args, **kwargs: calls.append(kwargs))
    return calls


@pytest.fixture
def no_warming(monkeypatch):
    """Activation after training queues a cache warm-up; these tests have no worker to run it."""
    monkeypatch.setattr(tasks.user_recommendations_warm, "delay", lambda *args, **kwargs: None)


@pytest.fixture
def versions(tmp_path):
    artifact = tmp_path / "v-ok"
    artifact.mkdir()
    (artifact / "meta.json").write_text("{}")
    return {
        "retired": ModelVersion.objects.create(status=Status.RETIRED, rmse=0.95, mae=0.75, n_ratings=900,
                                               artifact_path=str(artifact)),
        "active": ModelVersion.objects.create(status=Status.ACTIVE, rmse=0.93, mae=0.73, n_ratings=1000,
                                              n_users=50, n_movies=80, artifact_path=str(artifact),
                                              duration_seconds=185.0),
        "succeeded": ModelVersion.objects.create(status=Status.SUCCEEDED, rmse=0.9912, mae=0.71, n_ratings=1100,
                                                 artifact_path=str(artifact),
                                                 note="Not activated: held-out RMSE is worse."),
        "failed": ModelVersion.objects.create(status=Status.FAILED, error="OSError: disk unreadable"),
    }


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def staff_post(client, url: str, callbacks_fixture):
    with callbacks_fixture(execute=True):
        return client.post(url, follow=True)


# --- Who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_it_sends_visitors_and_members_to_the_login_page(client, user, who):
    if who == "member":
        client.force_login(user)

    response = client.get(PAGE)

    assert response.status_code == 302
    assert "login" in response["Location"] and "next=/staff/" in response["Location"]


@pytest.mark.parametrize("method, url", [
    ("get", STATUS),
    ("get", "/staff/versions/"),
    ("get", "/staff/plots/rating-distribution.png"),
    ("post", "/staff/retrain/"),
    ("post", "/staff/similarities/"),
    ("post", "/staff/versions/1/activate/"),
])
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_it_refuses_json_plots_and_actions_to_non_staff_with_403(client, user, queued, method, url, who):
    if who == "member":
        client.force_login(user)

    response = getattr(client, method)(url)

    assert response.status_code == 403
    assert queued == [] and not ModelVersion.objects.exists()


def test_staff_get_a_nav_link_to_the_dashboard_and_members_do_not(client, admin_client, user):
    client.force_login(user)

    assert 'href="/staff/"' in admin_client.get("/").content.decode()
    assert 'href="/staff/"' not in client.get("/").content.decode()


# --- The versions table -------------------------------------------------------------------


def test_staff_see_every_version_with_metrics_status_and_the_right_button(admin_client, versions):
    response = admin_client.get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    for version in versions.values():
        assert f">v{version.pk}<" in page
    assert "0.9912" in page and "1,100" in page and "3 min 05 s" in page
    assert "disk unreadable" in page and "held-out RMSE is worse" in page
    assert 'class="badge badge--failed"' in page and 'class="badge badge--active"' in page
    assert f'action="/staff/versions/{versions["succeeded"].pk}/activate/"' in page
    assert f'action="/staff/versions/{versions["retired"].pk}/activate/"' in page
    assert f'action="/staff/versions/{versions["failed"].pk}/activate/"' not in page
    assert "Roll back" in page and "Serving" in page
    assert "css/dashboard.css" in page and "js/dashboard.js" in page


def test_the_dashboard_renders_before_the_first_model(admin_client):
    response = admin_client.get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert "No model versions yet" in page and "Retrain now" in page
    assert "serving popular movies" in page


def test_the_versions_fragment_is_the_table_alone(admin_client, versions):
    response = admin_client.get("/staff/versions/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "<table" in body and "<html" not in body


# --- One-click actions --------------------------------------------------------------------


def test_activate_makes_a_trained_version_serve_at_once(admin_client, versions, django_capture_on_commit_callbacks):
    chosen = versions["succeeded"]

    response = staff_post(admin_client, f"/staff/versions/{chosen.pk}/activate/", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert ModelVersion.objects.get(status=Status.ACTIVE) == chosen
    assert ModelVersion.objects.get(pk=versions["active"].pk).status == Status.RETIRED
    assert serving.active_version_id() == chosen.pk, "the cache key serving reads follows the activation"
    assert f"Activated version {chosen.pk}" in " ".join(texts(response))


def test_roll_back_serves_the_earlier_version_again(admin_client, versions, django_capture_on_commit_callbacks):
    older = versions["retired"]

    response = staff_post(admin_client, f"/staff/versions/{older.pk}/activate/", django_capture_on_commit_callbacks)

    assert ModelVersion.objects.get(status=Status.ACTIVE) == older
    assert serving.active_version_id() == older.pk
    assert f"Rolled back to version {older.pk}" in " ".join(texts(response))


def test_a_version_that_cannot_serve_is_refused_with_the_reason(admin_client, versions,
                                                                 django_capture_on_commit_callbacks):
    failed = versions["failed"]

    response = staff_post(admin_client, f"/staff/versions/{failed.pk}/activate/", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert ModelVersion.objects.get(status=Status.ACTIVE) == versions["active"]
    message = " ".join(texts(response))
    assert f"Version {failed.pk} was not activated" in message and "only a trained version can serve" in message


def test_activating_an_unknown_version_is_a_404(admin_client):
    assert admin_client.post("/staff/versions/999/activate/").status_code == 404


def test_actions_only_answer_post(admin_client, versions, queued):
    for url in ("/staff/retrain/", "/staff/similarities/", f"/staff/versions/{versions['succeeded'].pk}/activate/"):
        assert admin_client.get(url).status_code == 405
    assert queued == []


def test_retrain_now_queues_a_training_after_commit(admin_client, queued, django_capture_on_commit_callbacks):
    response = staff_post(admin_client, "/staff/retrain/", django_capture_on_commit_callbacks)

    version = ModelVersion.objects.get()
    assert version.status == Status.QUEUED
    assert queued == [{"kwargs": {"version_id": version.pk}, "task_id": version.task_id}]
    assert f"Retraining queued as version {version.pk}" in " ".join(texts(response))


def test_recompute_similarities_queues_the_task_after_commit(admin_client, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.movie_similarities_compute, "delay", lambda *args: sent.append(args))

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post("/staff/similarities/")
    assert sent == [], "nothing is sent before the transaction commits"
    for callback in callbacks:
        callback()

    assert response.status_code == 302
    assert sent == [()]


def test_a_broker_outage_while_queueing_similarities_is_logged_not_raised(admin_client, monkeypatch, caplog,
                                                                           django_capture_on_commit_callbacks):
    def down(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.movie_similarities_compute, "delay", down)

    response = staff_post(admin_client, "/staff/similarities/", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "could not queue the similarity rebuild" in caplog.text


# --- Live status ---------------------------------------------------------------------------


def test_status_reports_a_running_trainings_stage_and_percent(admin_client, versions):
    running = ModelVersion.objects.create(status=Status.RUNNING, stage="fit", progress=0.634)

    body = admin_client.get(STATUS).json()

    assert body["training"]["id"] == running.pk
    assert body["training"]["status"] == "running" and body["training"]["stage"] == "fit"
    assert body["training"]["percent"] == 63
    assert body["display"]["training"] == f"v{running.pk} fit · 63%"
    assert body["active"]["id"] == versions["active"].pk and body["display"]["active"] == f"v{versions['active'].pk}"


def test_status_reports_a_queued_training_as_waiting(admin_client):
    waiting = ModelVersion.objects.create(status=Status.QUEUED)

    body = admin_client.get(STATUS).json()

    assert body["training"]["id"] == waiting.pk and body["training"]["percent"] == 0
    assert body["training"]["stage"] == "waiting for a worker"
    assert body["queued"] == 1


def test_status_is_idle_without_a_training(admin_client, versions):
    versions["failed"].delete()

    body = admin_client.get(STATUS).json()

    assert body["training"] is None and body["last_failure"] is None


def test_status_shows_the_last_failure_and_whether_a_later_version_recovered(admin_client, versions):
    body = admin_client.get(STATUS).json()
    assert body["last_failure"]["id"] == versions["failed"].pk
    assert body["last_failure"]["error"] == "OSError: disk unreadable"
    assert body["last_failure"]["recovered"] is False

    ModelVersion.objects.create(status=Status.SUCCEEDED, rmse=0.9)

    assert admin_client.get(STATUS).json()["last_failure"]["recovered"] is True


def test_status_reports_the_worker_heartbeat_age(admin_client):
    assert admin_client.get(STATUS).json()["worker"] == {
        "ok": False, "seconds_ago": None, "hostname": None, "label": "no worker heartbeat"}

    rec_cache.worker_heartbeat_set(at=time.time() - 5, hostname="worker-1")
    worker = admin_client.get(STATUS).json()["worker"]

    assert worker["ok"] is True and worker["hostname"] == "worker-1"
    assert 5 <= worker["seconds_ago"] < 7 and worker["label"] in ("worker seen 5 s ago", "worker seen 6 s ago")


def test_the_page_lists_worker_hosts_with_their_queues_and_last_seen(admin_client):
    rec_cache.worker_heartbeat_set(at=time.time() - 2, hostname="viewers@web-1", queues=["viewers"])
    rec_cache.worker_heartbeat_set(at=time.time() - 900, hostname="batch@gpu-1", queues=["batch", "celery"])

    page = admin_client.get(PAGE).content.decode()
    status = admin_client.get(STATUS).json()

    assert "viewers@web-1" in page and "batch@gpu-1" in page and "batch, celery" in page and "15 min ago" in page
    assert [(w["hostname"], w["ok"]) for w in status["workers"]] == [("viewers@web-1", True), ("batch@gpu-1", False)]
    assert status["display"]["worker_note"] == "1 of 2 hosts alive"


def test_status_reports_the_queue_length_and_new_ratings_since_the_model(admin_client, versions, taste_catalog):
    active = versions["active"]
    newest = Rating.objects.latest("rated_at").rated_at
    Rating.objects.filter(pk__in=Rating.objects.order_by("rated_at").values("pk")[:3]).update(rated_at=newest)
    active.data_max_timestamp = Rating.objects.order_by("rated_at").values_list("rated_at", flat=True)[
        Rating.objects.count() - 4]
    active.save()

    body = admin_client.get(STATUS).json()

    assert isinstance(body["queue"]["length"], int) and body["queue"]["name"] == dashboard.broker_queue_name()
    assert body["ratings_since_active"] == Rating.objects.filter(rated_at__gt=active.data_max_timestamp).count()


def test_the_versions_stamp_changes_when_another_version_activates(versions, django_capture_on_commit_callbacks):
    before = dashboard.model_versions_stamp()

    with django_capture_on_commit_callbacks(execute=True):
        services.model_version_activate(version=versions["retired"])

    assert dashboard.model_versions_stamp() != before


# --- Plots ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLOT_NAMES)
def test_every_plot_is_a_png_on_an_empty_database(admin_client, name):
    response = admin_client.get(f"/staff/plots/{name}.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(PNG_MAGIC)


def test_every_plot_is_a_png_with_a_trained_model(admin_client, taste_catalog, no_warming,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.model_train()
        services.model_train()

    for name in PLOT_NAMES:
        response = admin_client.get(f"/staff/plots/{name}.png")
        assert response.status_code == 200 and response["Content-Type"] == "image/png", name
        assert response.content.startswith(PNG_MAGIC) and len(response.content) > 5_000, name
    page = admin_client.get(PAGE).content.decode()
    assert all(f'src="/staff/plots/{name}.png"' in page for name in PLOT_NAMES)


def test_an_unknown_plot_is_a_404(admin_client):
    assert admin_client.get("/staff/plots/everything.png").status_code == 404


def test_a_plot_is_drawn_once_until_the_data_changes(taste_catalog, monkeypatch, user):
    drawn: list[str] = []
    monkeypatch.setitem(dashboard.PLOTS, "rating-distribution", lambda: drawn.append("x") or PNG_MAGIC)

    dashboard.plot_png(name="rating-distribution")
    dashboard.plot_png(name="rating-distribution")
    assert len(drawn) == 1

    Rating.objects.create(user=user, movie=taste_catalog[0][0], score=4.0)
    dashboard.plot_png(name="rating-distribution")
    assert len(drawn) == 2


def test_plot_numbers_are_aggregated_in_the_database(taste_catalog):
    sci_fi, romance = taste_catalog

    counts = dashboard.rating_score_counts()
    per_movie = dashboard.ratings_per_movie()
    per_user = dashboard.ratings_per_user()

    total = Rating.objects.count()
    assert sum(counts.values()) == total and set(counts) <= {1.0, 1.5, 2.0, 4.0, 4.5, 5.0}
    assert len(per_movie) == len(sci_fi) + len(romance) and sum(per_movie) == total
    assert per_movie == sorted(per_movie, reverse=True)
    assert per_user == [24] * 40
    today = dashboard.timezone.now().date()
    assert dashboard.rating_daily_counts(since=today) == [(today, total)]
    assert [n for _, n in dashboard.rating_monthly_counts()] == [total]


# --- Queue length --------------------------------------------------------------------------


def _filesystem_connection(tmp_path) -> Connection:
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    return Connection("filesystem://", transport_options={
        "data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]), "control_folder": str(folders["control"]),
    })


@pytest.mark.parametrize("transport", ["filesystem", "redis"])
def test_the_queue_length_counts_waiting_messages(transport, tmp_path, monkeypatch):
    from moviesite.celery import app

    if transport == "redis":
        if not os.environ.get("REDIS_URL"):
            skip_or_fail("REDIS_URL is not set")
        make = lambda: Connection(os.environ["REDIS_URL"])  # noqa: E731
    else:
        make = lambda: _filesystem_connection(tmp_path)  # noqa: E731
    connection = make()
    monkeypatch.setattr(app, "connection_for_write", lambda: connection.clone())
    name = f"dash-test-{uuid.uuid4().hex[:8]}"

    assert dashboard.broker_queue_length(queue=name) == 0, "a queue never used is empty, not an error"
    with connection.clone() as conn:
        queue = conn.SimpleQueue(name)
        try:
            queue.put({"n": 1})
            queue.put({"n": 2})
            assert dashboard.broker_queue_length(queue=name) == 2
        finally:
            queue.clear()
            conn.default_channel.queue_delete(name)  # leave no bindings behind on a shared Redis
            queue.close()


def test_the_queue_length_of_the_configured_broker_is_an_int():
    assert isinstance(dashboard.broker_queue_length(), int)


def test_the_default_queue_is_the_one_tasks_go_to(settings):
    assert dashboard.broker_queue_name() == settings.CELERY_TASK_DEFAULT_QUEUE


def test_an_unreachable_broker_reads_as_unknown(monkeypatch, admin_client):
    from moviesite.celery import app

    monkeypatch.setattr(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))

    assert dashboard.broker_queue_length() is None
    assert admin_client.get(STATUS).json()["queue"]["label"] == "unknown"


def test_metric_history_lists_the_served_hybrid_versions(taste_catalog):
    from recommendations import dashboard, services

    version = services.model_train()

    history = dashboard.model_metric_history()

    assert [row["id"] for row in history] == [version.pk]
    assert history[0]["rmse"] == pytest.approx(version.rmse)
