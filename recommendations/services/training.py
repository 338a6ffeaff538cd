"""Training pipeline: export → evaluate on a held-out 10% → fit → store → gate → activate.

One training runs at a time: a lock in the shared cache, named after the training's host and
process and kept alive by a thread of that process however long a step takes. A worker killed
mid-training is found dead at once on its own machine (its process is gone): the next retrain request
or trigger marks its run failed and takes the lock. Elsewhere the lock lapses within LOCK_TTL.
"""
from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ratings.models import Rating
from recommendations import artifacts
from recommendations import cache as rec_cache
from recommendations.engine import (
    BlendModel,
    HybridModel,
    HybridParams,
    SVDModel,
    SVDParams,
    evaluate_predictions,
    holdout_split,
)
from recommendations.export import movies_export, ratings_export
from recommendations.models import ModelVersion
from recommendations.services.registry import TrainingError, model_artifacts_prune, model_version_activate

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
LOCK_TTL = 60  # seconds the lock outlives its training process when nobody can tell it died
PROGRESS_EVERY = 1.0  # seconds between progress writes to the database


class TrainingBusy(TrainingError):
    """Another training holds the lock."""


ALGORITHM = "hybrid"


def _hybrid_params(n_ratings: int | None = None) -> HybridParams:
    """The served model: the hybrid ranker with the blend predictor (SVD alone on large data)."""
    cfg = settings.RECOMMENDER
    defaults = HybridParams()
    svd = SVDParams(
        n_factors=cfg["SVD_FACTORS"], n_epochs=cfg["SVD_EPOCHS"], lr_all=cfg["SVD_LR"],
        reg_all=cfg["SVD_REG"], random_state=cfg["SEED"],
    )
    predictor = cfg["PREDICTOR"]
    if n_ratings is not None and n_ratings >= cfg["LARGE_DATA_RATINGS"]:
        # The blend's neighbourhood half does not scale to tens of millions of ratings; the numba SGD
        # trainer fits the same SVD 10-15x faster than Surprise (25M ratings in about a minute).
        predictor = "svd"
    return replace(defaults, predictor=predictor, min_support=cfg["MIN_SUPPORT"],
                   blend=replace(defaults.blend, svd=svd))


def model_train_request() -> ModelVersion:
    """Queue a training (staff button, API, N new ratings): a queued row now, the task after commit."""
    model_training_dead_release()
    version = ModelVersion.objects.create(
        algorithm=ALGORITHM, parameters=_hybrid_params().to_dict(), status=ModelVersion.Status.QUEUED,
        task_id=str(uuid.uuid4()),
    )

    transaction.on_commit(lambda: _send(version), robust=True)
    return version


def _send(version: ModelVersion) -> None:
    from recommendations.tasks import model_train as model_train_task

    try:
        model_train_task.apply_async(kwargs={"version_id": version.pk}, task_id=version.task_id)
    except Exception:  # broker down: the row stays queued and the beat sweep sends it again
        logger.warning("could not queue training of version %s; it will be retried", version.pk, exc_info=True)


def model_versions_mark_stale(*, reason: str = "stale run") -> int:
    """Mark trainings that stopped reporting (worker killed) as failed; call while holding the lock."""
    return ModelVersion.objects.filter(status=ModelVersion.Status.RUNNING).update(
        status=ModelVersion.Status.FAILED, stage="", error=f"The worker stopped during training ({reason})."
    )


def _lock_owner() -> str:
    """host:pid:nonce, so another process can tell whether the training holding the lock still runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


def training_process_gone(owner: str | None) -> bool:
    """True when `owner` is a training process of this machine that no longer exists.

    A process elsewhere (another host or container) cannot be looked at: it counts as alive, and its
    lock lapses within LOCK_TTL of its death.
    """
    host, _, rest = (owner or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: nothing is sent, only whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by someone else
        return False
    return False


def model_training_dead_release() -> bool:
    """If the training holding the lock died (worker killed), mark its run failed and free the lock now."""
    holder = rec_cache.training_lock_holder()
    if not training_process_gone(holder):
        return False
    logger.warning("training process %s is gone: its run is marked failed and its lock released", holder)
    rec_cache.training_lock_release(owner=holder)
    model_versions_mark_stale(reason="stale run: its process is gone")
    return True


class _LockKeeper:
    """Renews the training lock from a thread, so a step of any length (a fit, an export) keeps it."""

    def __init__(self, owner: str) -> None:
        self.owner, self.stopped = owner, threading.Event()
        self.thread = threading.Thread(target=self._run, name="training-lock-keeper", daemon=True)

    def _run(self) -> None:
        while not self.stopped.wait(max(LOCK_TTL / 5, 0.2)):
            try:
                rec_cache.training_lock_renew(owner=self.owner, timeout=LOCK_TTL)
            except Exception:  # a cache hiccup must not end the training; the next turn tries again
                logger.warning("could not renew the training lock", exc_info=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)


def model_train(
    *, version: ModelVersion | None = None, progress: Progress | None = None, activate: bool = True
) -> ModelVersion:
    """Fit the hybrid on all ratings, record it, and activate it if it succeeded and is not clearly worse."""
    owner = _lock_owner()
    acquired = rec_cache.training_lock_acquire(owner=owner, timeout=LOCK_TTL)
    if not acquired and model_training_dead_release():
        acquired = rec_cache.training_lock_acquire(owner=owner, timeout=LOCK_TTL)
    if not acquired:
        if version is not None:
            _fail(version, "Another training was in progress; this request was dropped.", 0.0)
        raise TrainingBusy("another training is already running")
    started = time.monotonic()
    keeper = _LockKeeper(owner)
    keeper.start()
    try:
        model_versions_mark_stale()
        if version is None:
            version = ModelVersion.objects.create(algorithm=ALGORITHM)
        version.status, version.error, version.algorithm = ModelVersion.Status.RUNNING, "", ALGORITHM
        version.save(update_fields=["status", "error", "algorithm"])
        reporter = _Reporter(version, progress)
        try:
            _fit_and_store(version=version, report=reporter)
        except Exception as exc:
            _fail(version, f"{type(exc).__name__}: {exc}", time.monotonic() - started)
            logger.exception("training of model version %s failed", version.pk)
            raise
        version.duration_seconds = time.monotonic() - started
        version.save(update_fields=["duration_seconds"])
        if activate:
            _activate_if_not_worse(version)
        model_artifacts_prune()
        reporter("done", 1.0)
    finally:
        keeper.stop()
        rec_cache.training_lock_release(owner=owner)
    version.refresh_from_db()
    return version


def _fail(version: ModelVersion, error: str, duration: float) -> None:
    version.status, version.error, version.stage = ModelVersion.Status.FAILED, error, ""
    version.duration_seconds = duration
    version.save(update_fields=["status", "error", "stage", "duration_seconds"])


class _Reporter:
    """Writes stage and percent for the dashboard (throttled); the lock is the keeper's business."""

    def __init__(self, version: ModelVersion, forward: Progress | None) -> None:
        self.version, self.forward = version, forward
        self.last_write, self.last_stage = 0.0, ""

    def __call__(self, stage: str, fraction: float) -> None:
        if self.forward:
            self.forward(stage, fraction)
        now = time.monotonic()
        if stage == self.last_stage and now - self.last_write < PROGRESS_EVERY and fraction < 1.0:
            return
        self.last_write, self.last_stage = now, stage
        ModelVersion.objects.filter(pk=self.version.pk).update(stage=stage, progress=round(fraction, 3))


def _fast_svd_trainer():
    # Imported only when needed: numba costs ~0.4 s and ~90 MB in every process that loads it.
    from recommendations.engine.fast_svd import fit_fast_svd

    return fit_fast_svd


def _fit_and_store(*, version: ModelVersion, report: _Reporter) -> None:
    report("export", 0.0)
    # Read before the export: a rating saved in between counts as new (retrain sooner), never as lost.
    version.data_max_timestamp = Rating.objects.aggregate(newest=Max("rated_at"))["newest"]
    ratings = ratings_export()
    if ratings.empty:
        raise TrainingError("there are no ratings to train on")
    movies = movies_export()
    params = _hybrid_params(len(ratings))
    version.parameters = params.to_dict()
    version.n_ratings = len(ratings)
    version.n_users = int(ratings["user_id"].nunique())
    version.n_movies = int(ratings["movie_id"].nunique())

    # The stored RMSE/MAE are the rating predictor's on a held-out 10% (fitted on the other 90%).
    report("evaluate", 0.05)
    train, test = holdout_split(ratings, test_fraction=0.1, seed=params.blend.svd.random_state)
    large = len(ratings) >= settings.RECOMMENDER["LARGE_DATA_RATINGS"]
    svd_trainer = _fast_svd_trainer() if large else SVDModel.fit
    fit_predictor = BlendModel.fit if params.predictor == "blend" else svd_trainer
    predictor_params = params.blend if params.predictor == "blend" else params.blend.svd
    held_out = fit_predictor(train, predictor_params, progress=lambda s, f: report("evaluate", 0.05 + 0.4 * f))
    metrics = evaluate_predictions(held_out, test)
    del held_out, train, test

    report("fit", 0.45)
    model = HybridModel.fit(ratings, movies, params=params, svd_trainer=svd_trainer,
                            progress=lambda s, f: report("fit", 0.45 + 0.5 * f))

    report("save", 0.95)
    staging = artifacts.artifact_staging_dir(version=version)
    try:
        model.save(staging)
        version.rmse, version.mae = metrics["rmse"], metrics["mae"]
        version.metrics = {**version.metrics, "holdout": metrics}
        version.trained_at = timezone.now()
        version.status = ModelVersion.Status.SUCCEEDED
        # The artifact's rows, its checksum and the version's success commit together, or not at all.
        with transaction.atomic():
            artifacts.artifact_store(version=version, directory=staging)
            version.save()
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when stored (renamed into place)


def _activate_if_not_worse(version: ModelVersion) -> None:
    active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    tolerance = settings.RECOMMENDER["ACTIVATION_TOLERANCE"]
    if active and active.rmse and version.rmse and version.rmse > active.rmse * (1 + tolerance):
        version.note = (
            f"Not activated: held-out RMSE {version.rmse:.4f} is worse than active v{active.pk}'s "
            f"{active.rmse:.4f} by more than {tolerance:.0%}."
        )
        version.save(update_fields=["note"])
        logger.warning(version.note)
        return
    model_version_activate(version=version)
    from recommendations.tasks import user_recommendations_warm

    transaction.on_commit(lambda: user_recommendations_warm.delay(), robust=True)


def model_retrain_if_due() -> ModelVersion | None:
    """Queue a training when enough ratings arrived since the active model's data (or none is active).

    Also re-sends requests that have waited in the queued state too long (the broker was down).
    """
    # A running row whose lock has lapsed (or whose process is gone) is a dead worker's: training again
    # will mark it failed.
    model_training_dead_release()
    running = ModelVersion.objects.filter(status=ModelVersion.Status.RUNNING).exists()
    if running and rec_cache.training_lock_holder() is not None:
        return None
    stuck = ModelVersion.objects.filter(
        status=ModelVersion.Status.QUEUED, created_at__lt=timezone.now() - timedelta(minutes=10)
    ).first()
    if stuck is not None:
        _send(stuck)
        return stuck
    if ModelVersion.objects.filter(status=ModelVersion.Status.QUEUED).exists():
        return None
    active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    if active is None:
        return model_train_request() if Rating.objects.exists() else None
    since = active.data_max_timestamp or active.trained_at or timezone.now() - timedelta(days=3650)
    new = Rating.objects.filter(rated_at__gt=since).count()
    if new >= settings.RECOMMENDER["RETRAIN_AFTER_RATINGS"]:
        logger.info("%s new ratings since model v%s: retraining", new, active.pk)
        return model_train_request()
    return None
