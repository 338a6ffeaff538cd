from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from recommendations import tasks
from recommendations.models import ModelVersion

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/recommendations/modelversion/"
RETRAIN = "/admin/recommendations/modelversion/retrain/"
Status = ModelVersion.Status


@pytest.fixture
def queued(monkeypatch) -> list[tuple]:
    """Calls to model_train.apply_async, recorded instead of reaching a broker."""
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.model_train, "apply_async", lambda *args, **kwargs: calls.append(kwargs))
    return calls


@pytest.fixture
def versions(tmp_path):
    artifact = tmp_path / "v-ok"
    artifact.mkdir()
    (artifact / "meta.json").write_text("{}")
    return {
        "active": ModelVersion.objects.create(status=Status.ACTIVE, rmse=0.93, n_ratings=1000,
                                              artifact_path=str(artifact)),
        "succeeded": ModelVersion.objects.create(status=Status.SUCCEEDED, rmse=0.91, n_ratings=1100,
                                                 artifact_path=str(artifact)),
        "failed": ModelVersion.objects.create(status=Status.FAILED, error="OSError: disk unreadable"),
    }


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("query", ["", "?status__exact=failed", "?algorithm=svd", "?o=-4"])
def test_the_model_version_changelist_renders_with_filters(admin_client, versions, query):
    response = admin_client.get(f"{CHANGELIST}{query}")

    assert response.status_code == 200
    assert "Retrain now" in response.content.decode()


def test_the_changelist_offers_retrain_even_before_the_first_model(admin_client):
    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert f'action="{RETRAIN}"' in response.content.decode()


def test_a_version_page_is_read_only(admin_client, versions):
    response = admin_client.get(f"{CHANGELIST}{versions['failed'].pk}/change/")

    assert response.status_code == 200
    assert "disk unreadable" in response.content.decode()
    assert not response.context["adminform"].form.fields  # every field is read-only
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_the_retrain_button_queues_a_training_after_commit(admin_client, queued,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(RETRAIN, follow=True)

    assert response.status_code == 200
    assert len(callbacks) == 1 and queued[0]["kwargs"] == {"version_id": ModelVersion.objects.get().pk}
    assert any("Retraining queued" in text for text in texts(response))


def test_the_retrain_button_only_answers_post(admin_client, queued):
    assert admin_client.get(RETRAIN).status_code == 405
    assert queued == []


def test_the_retrain_action_queues_a_training(admin_client, versions, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            CHANGELIST, {"action": "model_retrain", "_selected_action": [versions["failed"].pk]}, follow=True
        )

    queued_version = ModelVersion.objects.get(status=Status.QUEUED)
    assert queued == [{"kwargs": {"version_id": queued_version.pk}, "task_id": queued_version.task_id}]
    assert any("Retraining queued" in text for text in texts(response))


def test_a_broker_outage_does_not_break_the_page(admin_client, monkeypatch, django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.model_train, "apply_async", down)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(RETRAIN)

    assert response.status_code == 302


def test_staff_without_change_permission_cannot_retrain(client, django_user_model, queued, versions):
    viewer = django_user_model.objects.create_user("auditor", password="pw-for-the-auditor", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_modelversion"))
    client.force_login(viewer)

    page = client.get(CHANGELIST)

    assert page.status_code == 200 and "Retrain now" not in page.content.decode()
    assert client.post(RETRAIN).status_code == 403
    assert queued == []


def test_activating_a_succeeded_version_retires_the_active_one(admin_client, versions):
    response = admin_client.post(
        CHANGELIST, {"action": "model_version_activate", "_selected_action": [versions["succeeded"].pk]}, follow=True
    )

    assert ModelVersion.objects.get(status=Status.ACTIVE) == versions["succeeded"]
    versions["active"].refresh_from_db()
    assert versions["active"].status == Status.RETIRED
    assert any("now serves" in text for text in texts(response))


def test_a_failed_version_cannot_be_activated(admin_client, versions):
    response = admin_client.post(
        CHANGELIST, {"action": "model_version_activate", "_selected_action": [versions["failed"].pk]}, follow=True
    )

    assert ModelVersion.objects.get(status=Status.ACTIVE) == versions["active"]
    assert any("Not activated" in text for text in texts(response))


def test_activating_needs_exactly_one_version(admin_client, versions):
    ids = [versions["succeeded"].pk, versions["failed"].pk]

    response = admin_client.post(
        CHANGELIST, {"action": "model_version_activate", "_selected_action": ids}, follow=True
    )

    assert ModelVersion.objects.get(status=Status.ACTIVE) == versions["active"]
    assert any("exactly one" in text for text in texts(response))
