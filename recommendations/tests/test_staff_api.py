"""Staff API: list versions, retrain (202 + task id), poll the task, activate or roll back; staff only."""
from __future__ import annotations

import pytest

from recommendations import services, serving, tasks
from recommendations.models import ModelVersion

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status

LIST = "/api/staff/model-versions/"
RETRAIN = "/api/staff/retrain/"


def activate_url(pk: int) -> str:
    return f"/api/staff/model-versions/{pk}/activate/"


def task_url(task_id: str) -> str:
    return f"/api/staff/tasks/{task_id}/"


@pytest.fixture
def staff_client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setattr(tasks.model_train, "apply_async", lambda *args, **kwargs: calls.append(kwargs))
    return calls


@pytest.fixture
def versions(tmp_path):
    artifact = tmp_path / "v-ok"
    artifact.mkdir()
    (artifact / "meta.json").write_text("{}")
    return {
        "active": ModelVersion.objects.create(status=Status.ACTIVE, rmse=0.93, artifact_path=str(artifact)),
        "succeeded": ModelVersion.objects.create(status=Status.SUCCEEDED, rmse=0.91, artifact_path=str(artifact)),
        "failed": ModelVersion.objects.create(status=Status.FAILED, error="OSError: disk unreadable"),
    }


@pytest.mark.parametrize("method, url", [
    ("get", LIST), ("post", RETRAIN), ("get", task_url("abc")), ("post", activate_url(1)),
])
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_it_refuses_everyone_but_staff(api_client, user, queued, method, url, who):
    if who == "member":
        api_client.force_authenticate(user)

    response = getattr(api_client, method)(url)

    assert response.status_code == {"anonymous": 401, "member": 403}[who]
    assert queued == [] and not ModelVersion.objects.exists()


def test_it_lists_versions_newest_first_a_page_at_a_time(staff_client):
    made = [ModelVersion.objects.create(status=Status.SUCCEEDED, rmse=1 - i / 100) for i in range(25)]

    first = staff_client.get(LIST).json()
    second = staff_client.get(LIST, {"page": 2}).json()

    assert first["count"] == 25 and len(first["results"]) == 20 and first["next"]
    assert [v["id"] for v in first["results"] + second["results"]] == [v.pk for v in reversed(made)]
    assert {"id", "algorithm", "status", "rmse", "mae", "n_ratings", "stage", "progress", "error", "note",
            "task_id", "duration_seconds", "trained_at"} <= set(first["results"][0])
    assert "artifact_path" not in first["results"][0], "server paths stay on the server"


def test_retrain_answers_202_with_the_task_and_queues_it_after_commit(staff_client, queued,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(RETRAIN)

    assert response.status_code == 202
    version = ModelVersion.objects.get()
    assert response.json() == {"task_id": version.task_id, "version": version.pk}
    assert response["Location"] == task_url(version.task_id)
    assert queued == [{"kwargs": {"version_id": version.pk}, "task_id": version.task_id}]


def test_a_task_reports_its_versions_stage_and_progress(staff_client):
    running = ModelVersion.objects.create(status=Status.RUNNING, stage="evaluate", progress=0.3, task_id="t-1")

    response = staff_client.get(task_url("t-1"))

    assert response.status_code == 200
    assert response.json() == {"task_id": "t-1", "version": running.pk, "status": "running", "stage": "evaluate",
                               "progress": 0.3, "error": "", "note": ""}


def test_a_failed_task_reports_its_error(staff_client):
    ModelVersion.objects.create(status=Status.FAILED, task_id="t-2", error="TrainingError: no ratings")

    body = staff_client.get(task_url("t-2")).json()

    assert body["status"] == "failed" and body["error"] == "TrainingError: no ratings"


def test_an_unknown_task_is_a_404(staff_client):
    assert staff_client.get(task_url("no-such-task")).status_code == 404


def test_activate_serves_the_version_at_once(staff_client, versions, django_capture_on_commit_callbacks):
    chosen = versions["succeeded"]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(activate_url(chosen.pk))

    assert response.status_code == 200
    assert response.json()["id"] == chosen.pk and response.json()["status"] == "active"
    assert ModelVersion.objects.get(pk=versions["active"].pk).status == Status.RETIRED
    assert serving.active_version_id() == chosen.pk


def test_activating_a_version_that_cannot_serve_is_a_400_with_the_reason(staff_client, versions):
    response = staff_client.post(activate_url(versions["failed"].pk))

    assert response.status_code == 400
    assert "only a trained version can serve" in response.json()["detail"]
    assert ModelVersion.objects.get(status=Status.ACTIVE) == versions["active"]


def test_activating_an_unknown_version_is_a_404(staff_client):
    assert staff_client.post(activate_url(999)).status_code == 404


def test_a_real_retrain_then_rollback_through_the_api(staff_client, taste_catalog, monkeypatch,
                                                      django_capture_on_commit_callbacks):
    """Train two real versions, poll the second's task, then roll back to the first."""
    monkeypatch.setattr(tasks.user_recommendations_warm, "delay", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        tasks.model_train, "apply_async",
        lambda *args, kwargs, task_id: services.model_train(version=ModelVersion.objects.get(pk=kwargs["version_id"])),
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = services.model_train()
        accepted = staff_client.post(RETRAIN).json()

    task = staff_client.get(task_url(accepted["task_id"])).json()
    assert task["status"] == "active" and task["stage"] == "done" and task["progress"] == 1.0
    assert serving.active_version_id() == accepted["version"]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(activate_url(first.pk))

    assert response.status_code == 200
    assert serving.active_version_id() == first.pk
    assert ModelVersion.objects.get(pk=accepted["version"]).status == Status.RETIRED
