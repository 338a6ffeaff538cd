"""The training pipeline's safety rules: one at a time, stale runs, the activation gate, pruning, triggers."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ratings.models import Rating
from recommendations import cache as rec_cache
from recommendations import services, tasks
from recommendations.artifacts import artifact_available
from recommendations.models import ModelVersion

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setattr(tasks.model_train, "apply_async", lambda *a, **kw: calls.append(kw))
    return calls


def test_a_second_training_while_one_holds_the_lock_is_refused_and_recorded(taste_catalog):
    assert rec_cache.training_lock_acquire(owner="someone-else", timeout=60)
    queued = ModelVersion.objects.create(status=Status.QUEUED)

    with pytest.raises(services.TrainingBusy):
        services.model_train(version=queued)

    queued.refresh_from_db()
    assert queued.status == Status.FAILED and "Another training" in queued.error
    assert rec_cache.training_lock_holder() == "someone-else", "the other training's lock is left alone"


def test_a_run_left_by_a_killed_worker_is_marked_failed_and_the_next_training_succeeds(taste_catalog):
    stale = ModelVersion.objects.create(status=Status.RUNNING, stage="fit", progress=0.6)

    version = services.model_train()

    stale.refresh_from_db()
    assert stale.status == Status.FAILED and "stale" in stale.error
    assert version.status == Status.ACTIVE
    assert rec_cache.training_lock_holder() is None, "the lock is released after training"


def test_progress_and_data_snapshot_are_recorded(taste_catalog):
    seen: list[tuple[str, float]] = []

    version = services.model_train(progress=lambda stage, fraction: seen.append((stage, fraction)))

    assert [stage for stage, _ in seen][0] == "export" and seen[-1] == ("done", 1.0)
    assert {"evaluate", "fit", "save"} <= {stage for stage, _ in seen}
    assert version.progress == 1.0 and version.stage == "done"
    newest = Rating.objects.latest("rated_at").rated_at
    assert abs((version.data_max_timestamp - newest).total_seconds()) < 1
    assert len(version.artifact_checksum) == 64


def test_a_clearly_worse_model_is_kept_but_not_activated(taste_catalog, settings):
    active = services.model_train()
    ModelVersion.objects.filter(pk=active.pk).update(rmse=0.01)  # pretend the active model is near perfect

    worse = services.model_train()

    assert worse.status == Status.SUCCEEDED
    assert "Not activated" in worse.note and f"v{active.pk}" in worse.note
    assert ModelVersion.objects.get(status=Status.ACTIVE).pk == active.pk


def test_old_artifacts_are_pruned_but_the_active_one_is_kept(taste_catalog, settings):
    settings.MODEL_KEEP = 1
    first = services.model_train()
    services.model_version_activate(version=first)
    second = services.model_train(activate=False)
    third = services.model_train(activate=False)

    for v in (first, second, third):
        v.refresh_from_db()
    assert artifact_available(version=first), "the active model's artifact stays"
    assert artifact_available(version=third), "the newest stays"
    assert second.artifact_path == "" and not artifact_available(version=second)


def test_rolling_back_serves_the_older_version_at_once(taste_catalog, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.model_train()
        second = services.model_train()
    assert services.user_recommendations_compute(user_id=user.pk)[0] == second.pk

    with django_capture_on_commit_callbacks(execute=True):
        services.model_version_activate(version=first)

    assert services.user_recommendations_compute(user_id=user.pk)[0] == first.pk


def test_a_failed_version_cannot_be_activated(db):
    failed = ModelVersion.objects.create(status=Status.FAILED)

    with pytest.raises(services.TrainingError, match="only a trained version"):
        services.model_version_activate(version=failed)


def test_a_request_queues_a_row_and_sends_the_task_after_commit(db, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = services.model_train_request()

    assert version.status == Status.QUEUED
    assert sent == [{"kwargs": {"version_id": version.pk}, "task_id": version.task_id}]


def test_retraining_is_due_after_enough_new_ratings(taste_catalog, sent, settings, user,
                                                    django_capture_on_commit_callbacks):
    settings.RECOMMENDER = {**settings.RECOMMENDER, "RETRAIN_AFTER_RATINGS": 3}
    services.model_train()
    sci_fi, _ = taste_catalog
    assert services.model_retrain_if_due() is None

    later = timezone.now() + timedelta(seconds=5)
    Rating.objects.bulk_create([Rating(user=user, movie=m, score=4.0, rated_at=later) for m in sci_fi[:3]])
    with django_capture_on_commit_callbacks(execute=True):
        due = services.model_retrain_if_due()

    assert due is not None and due.status == Status.QUEUED and len(sent) == 1
    assert services.model_retrain_if_due() is None, "one queued request is enough"


def test_a_request_stuck_in_the_queue_is_sent_again(db, sent):
    stuck = ModelVersion.objects.create(status=Status.QUEUED, task_id="abc")
    ModelVersion.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=30))

    services.model_retrain_if_due()

    assert sent == [{"kwargs": {"version_id": stuck.pk}, "task_id": "abc"}]


def test_the_task_does_not_train_a_version_twice(taste_catalog):
    done = services.model_train()

    assert tasks.model_train(version_id=done.pk) is None
    assert ModelVersion.objects.filter(algorithm="hybrid").count() == 1


def test_ten_quick_ratings_queue_one_refresh(taste_catalog, user, monkeypatch, django_capture_on_commit_callbacks):
    from ratings.services import rating_upsert

    queued: list[int] = []
    monkeypatch.setattr(tasks.user_recommendations_refresh, "delay", lambda user_id: queued.append(user_id))
    sci_fi, romance = taste_catalog
    services.model_train()

    with django_capture_on_commit_callbacks(execute=True):
        for movie in sci_fi[:5] + romance[:5]:
            rating_upsert(user=user, movie=movie, score=4)

    assert queued == [user.pk]
    tasks.user_recommendations_refresh(user.pk)  # the refresh runs: the next rating queues again
    with django_capture_on_commit_callbacks(execute=True):
        rating_upsert(user=user, movie=sci_fi[6], score=5)
    assert queued == [user.pk, user.pk]


def test_large_data_trains_the_svd_predictor_with_the_fast_trainer(taste_catalog, settings):
    settings.RECOMMENDER = {**settings.RECOMMENDER, "LARGE_DATA_RATINGS": 100}

    version = services.model_train()

    assert version.status == Status.ACTIVE
    assert version.parameters["predictor"] == "svd"
    assert 0 < version.rmse < 1.5
    from recommendations import serving

    assert type(serving.active_model().model.predictor).__name__ == "SVDModel"


def test_a_dead_workers_running_row_does_not_block_the_retrain_trigger(taste_catalog, sent, settings,
                                                                       django_capture_on_commit_callbacks):
    ModelVersion.objects.create(status=Status.RUNNING, stage="fit")  # its worker died: no lock holder

    with django_capture_on_commit_callbacks(execute=True):
        due = services.model_retrain_if_due()

    assert due is not None and len(sent) == 1


def test_a_redelivered_message_does_not_retrain_a_version_already_marked_stale(taste_catalog):
    stale = ModelVersion.objects.create(status=Status.FAILED, error="The worker stopped during training (stale run).")

    assert tasks.model_train(version_id=stale.pk) is None
    stale.refresh_from_db()
    assert stale.status == Status.FAILED


# --- A worker killed mid-training (issue 15): found dead and released at once ---------------------------------


@pytest.fixture
def dead_pid() -> int:
    """The id of a process of this machine that has ended (as a training's killed worker has)."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_training_whose_process_died_is_marked_failed_and_its_lock_released_at_once(taste_catalog, dead_pid):
    import socket

    killed = ModelVersion.objects.create(status=Status.RUNNING, stage="fit", progress=0.3)
    assert rec_cache.training_lock_acquire(owner=f"{socket.gethostname()}:{dead_pid}:killed", timeout=300)
    queued = ModelVersion.objects.create(status=Status.QUEUED)

    version = services.model_train(version=queued)

    killed.refresh_from_db()
    assert version.status == Status.ACTIVE, "no waiting for the dead run's lock to lapse"
    assert killed.status == Status.FAILED and "stale" in killed.error


def test_a_retrain_request_marks_a_dead_run_failed_at_once(db, dead_pid, sent):
    import socket

    killed = ModelVersion.objects.create(status=Status.RUNNING, stage="fit", progress=0.3)
    rec_cache.training_lock_acquire(owner=f"{socket.gethostname()}:{dead_pid}:killed", timeout=300)

    services.model_train_request()

    killed.refresh_from_db()
    assert killed.status == Status.FAILED and "stale" in killed.error
    assert rec_cache.training_lock_holder() is None


def test_a_live_trainings_lock_on_this_machine_is_respected(taste_catalog):
    import os
    import socket

    running = ModelVersion.objects.create(status=Status.RUNNING, stage="fit", progress=0.3)
    owner = f"{socket.gethostname()}:{os.getpid()}:alive"
    rec_cache.training_lock_acquire(owner=owner, timeout=300)

    with pytest.raises(services.TrainingBusy):
        services.model_train(version=ModelVersion.objects.create(status=Status.QUEUED))

    running.refresh_from_db()
    assert running.status == Status.RUNNING and rec_cache.training_lock_holder() == owner


def test_the_lock_outlives_its_lifetime_while_the_training_runs(taste_catalog, monkeypatch):
    """A keeper renews the lock however long one step takes, so a short lifetime never frees a live run's lock."""
    import time

    from recommendations.services import training

    monkeypatch.setattr(training, "LOCK_TTL", 1)
    held_during_a_long_step: list[bool] = []

    def slow_fit(stage: str, fraction: float) -> None:
        if stage == "fit" and not held_during_a_long_step:
            time.sleep(2.5)  # longer than the lock's lifetime, without a progress report in between
            held_during_a_long_step.append(rec_cache.training_lock_holder() is not None)

    services.model_train(progress=slow_fit)

    assert held_during_a_long_step == [True]
    assert rec_cache.training_lock_holder() is None


def test_the_task_status_shows_a_dead_run_as_failed_at_once(api_client, django_user_model, dead_pid):
    import socket

    staff = django_user_model.objects.create_user(username="staffer", password="a-long-test-password", is_staff=True)
    killed = ModelVersion.objects.create(status=Status.RUNNING, stage="fit", progress=0.3, task_id="t-1")
    rec_cache.training_lock_acquire(owner=f"{socket.gethostname()}:{dead_pid}:killed", timeout=300)
    api_client.force_authenticate(staff)

    body = api_client.get("/api/staff/tasks/t-1/").json()

    assert body["status"] == "failed" and "stale" in body["error"]
    killed.refresh_from_db()
    assert killed.status == Status.FAILED
