"""Reads for the staff dashboard: training progress, queue and worker health, and the numbers behind the plots.

Rating statistics are aggregated in SQL (the database may hold 25M ratings: rows never come into
Python one by one), and rendered plots are cached for a few minutes per data stamp.
"""
from __future__ import annotations

import hashlib
import logging
import time
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from kombu.exceptions import ChannelError

from moviesite.health import WORKER_STALE_SECONDS
from ratings.models import Rating
from recommendations import cache as rec_cache
from recommendations import serving
from recommendations.models import ModelVersion

logger = logging.getLogger(__name__)

Status = ModelVersion.Status
PLOT_TTL = 300  # seconds; plots follow new data at most this late
RECENT_DAYS = 365


# --- Pipeline health ------------------------------------------------------------------


def broker_queue_name() -> str:
    from moviesite.celery import app

    return app.conf.task_default_queue


def broker_queue_length(*, queue: str | None = None) -> int | None:
    """Tasks waiting in one Celery queue (Redis or the filesystem transport); None if the broker is unreachable."""
    name = queue or broker_queue_name()
    lengths = broker_queue_lengths(queues=[name])
    return None if lengths is None else lengths[name]


def broker_queue_lengths(*, queues: list[str]) -> dict[str, int] | None:
    """Tasks waiting in each of `queues`, read over one connection; None if the broker is unreachable."""
    from moviesite.celery import app

    try:
        with app.connection_for_write() as conn:
            # A fresh connection and one try, never kombu's default of retrying forever: the page polls every
            # 2 s, and with a hung Redis each try waits out the broker's 1 s socket timeout.
            conn.ensure_connection(max_retries=0, timeout=1)
            return {name: _queue_length(conn, name) for name in queues}
    except Exception as exc:
        logger.warning("cannot read the length of queues %s: %s", queues, exc)
        return None


def _queue_length(conn, name: str) -> int:
    try:
        return int(conn.default_channel.queue_declare(queue=name, passive=True).message_count)
    except ChannelError:
        # Redis deletes an empty list, so an empty (or never used) queue reads as "not found".
        return 0


def work_queues() -> dict[str, str]:
    """The queues by kind of work (label → queue name): per-viewer refreshes, batch jobs, anything else."""
    return {"viewers": settings.TASK_QUEUE_VIEWERS, "batch": settings.TASK_QUEUE_BATCH, "other": broker_queue_name()}


def worker_heartbeat() -> dict[str, Any]:
    """How long ago a Celery worker last wrote its heartbeat, as numbers and as words."""
    beat = rec_cache.worker_heartbeat_get()
    if not beat:
        return {"ok": False, "seconds_ago": None, "hostname": None, "label": "no worker heartbeat"}
    age = max(0.0, time.time() - beat["at"])
    return {
        "ok": age < WORKER_STALE_SECONDS,
        "seconds_ago": round(age, 1),
        "hostname": beat["hostname"],
        "label": f"worker seen {_age_words(age)} ago",
    }


def worker_hosts() -> list[dict[str, Any]]:
    """Every worker host seen in the last day, most recently seen first: hostname, queues, age, alive."""
    now = time.time()
    hosts = []
    for beat in rec_cache.worker_heartbeats_get().values():
        age = max(0.0, now - beat["at"])
        hosts.append({"hostname": beat["hostname"], "queues": beat.get("queues", []), "seconds_ago": round(age, 1),
                      "ok": age < WORKER_STALE_SECONDS, "label": f"{_age_words(age)} ago"})
    return sorted(hosts, key=lambda host: host["seconds_ago"])


def _age_words(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def _version_brief(version: ModelVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "algorithm": version.algorithm,
        "status": version.status,
        "rmse": version.rmse,
        "mae": version.mae,
        "n_ratings": version.n_ratings,
        "n_users": version.n_users,
        "n_movies": version.n_movies,
        "data_max_timestamp": version.data_max_timestamp.isoformat() if version.data_max_timestamp else None,
    }


def training_current() -> dict[str, Any] | None:
    """The running training (stage and percent), else the oldest one still waiting in the queue."""
    version = (
        ModelVersion.objects.filter(status=Status.RUNNING).order_by("-created_at").first()
        or ModelVersion.objects.filter(status=Status.QUEUED).order_by("created_at").first()
    )
    if version is None:
        return None
    percent = round(100 * min(max(version.progress, 0.0), 1.0)) if version.status == Status.RUNNING else 0
    stage = version.stage or ("starting" if version.status == Status.RUNNING else "waiting for a worker")
    return {
        "id": version.pk,
        "algorithm": version.algorithm,
        "status": version.status,
        "stage": stage,
        "percent": percent,
        "label": f"v{version.pk} {stage}" + (f" · {percent}%" if version.status == Status.RUNNING else ""),
        "created_at": version.created_at.isoformat(),
    }


def training_last_failure() -> dict[str, Any] | None:
    """The newest failed version's error, and whether a later version has trained since (recovered)."""
    failed = ModelVersion.objects.filter(status=Status.FAILED).order_by("-created_at").first()
    if failed is None:
        return None
    recovered = ModelVersion.objects.filter(
        algorithm=failed.algorithm, created_at__gt=failed.created_at,
        status__in=[Status.SUCCEEDED, Status.ACTIVE, Status.RETIRED],
    ).exists()
    at = failed.trained_at or failed.created_at
    return {
        "id": failed.pk,
        "algorithm": failed.algorithm,
        "error": failed.error or "(no error recorded)",
        "at": at.isoformat(),
        "ago": f"{_age_words((timezone.now() - at).total_seconds())} ago",
        "recovered": recovered,
    }


def model_versions_stamp() -> str:
    """Changes whenever a version is added, changes status or another one becomes active (so pages refresh)."""
    counts = sorted(ModelVersion.objects.order_by().values_list("status").annotate(n=Count("id")))
    newest = ModelVersion.objects.aggregate(newest=Max("id"))["newest"]
    return f"{newest}:{serving.active_version_id()}:{counts}"


def ratings_since_active(*, active: ModelVersion | None) -> int | None:
    """Ratings newer than the active model's data: what the "retrain after N ratings" trigger counts."""
    if active is None or active.data_max_timestamp is None:
        return None
    return Rating.objects.filter(rated_at__gt=active.data_max_timestamp).count()


def dashboard_status() -> dict[str, Any]:
    """Everything the dashboard's live panel shows; JSON-ready (the page polls it every two seconds)."""
    active_id = serving.active_version_id()
    active = ModelVersion.objects.filter(pk=active_id).first() if active_id else None
    queues = work_queues()
    lengths = broker_queue_lengths(queues=list(queues.values()))
    queue_length = None if lengths is None else sum(lengths.values())
    return {
        "active": _version_brief(active) if active else None,
        "training": training_current(),
        "queued": ModelVersion.objects.filter(status=Status.QUEUED).count(),
        "last_failure": training_last_failure(),
        "queue": {
            "name": broker_queue_name(),
            "length": queue_length,
            "label": "unknown" if queue_length is None else f"{queue_length} waiting",
            "by_kind": None if lengths is None else {kind: lengths[name] for kind, name in queues.items()},
        },
        "worker": worker_heartbeat(),
        "workers": worker_hosts(),
        "ratings_since_active": ratings_since_active(active=active),
        "retrain_after_ratings": settings.RECOMMENDER["RETRAIN_AFTER_RATINGS"],
        "versions_stamp": model_versions_stamp(),
    }


# --- Numbers behind the plots (SQL aggregates) --------------------------------------------


def rating_score_counts() -> dict[float, int]:
    """How many ratings gave each score (half stars)."""
    rows = Rating.objects.order_by().values_list("score").annotate(n=Count("id"))
    return {float(score): n for score, n in rows}


def rating_daily_counts(*, since: date) -> list[tuple[date, int]]:
    """Ratings per day from `since` on (UTC days), oldest first; days without ratings are left out."""
    # A range on rated_at itself (not rated_at__date) so the index on it serves the filter.
    start = timezone.make_aware(datetime.combine(since, datetime.min.time()), timezone.get_current_timezone())
    rows = (
        Rating.objects.filter(rated_at__gte=start).order_by()
        .annotate(day=TruncDate("rated_at")).values_list("day").annotate(n=Count("id")).order_by("day")
    )
    return list(rows)


def rating_monthly_counts() -> list[tuple[date, int]]:
    """Ratings per calendar month over the whole history (imported MovieLens years included)."""
    rows = (
        Rating.objects.order_by().annotate(month=TruncMonth("rated_at"))
        .values_list("month").annotate(n=Count("id")).order_by("month")
    )
    return [(month.date() if hasattr(month, "date") else month, n) for month, n in rows]


def ratings_per_movie() -> list[int]:
    """Each rated movie's number of ratings, most rated first (one integer per movie)."""
    rows = Rating.objects.order_by().values("movie_id").annotate(n=Count("id")).order_by("-n")
    return [row["n"] for row in rows]


def ratings_per_user() -> list[int]:
    """Each rater's number of ratings, most active first (one integer per user)."""
    rows = Rating.objects.order_by().values("user_id").annotate(n=Count("id")).order_by("-n")
    return [row["n"] for row in rows]


def model_metric_history() -> list[dict[str, Any]]:
    """Held-out RMSE and MAE of every trained recommender (any rating-model algorithm), oldest first."""
    rows = (
        ModelVersion.objects.filter(rmse__isnull=False)
        .order_by("created_at")
        .values("id", "rmse", "mae", "status", "trained_at")
    )
    return list(rows)


# --- Plots --------------------------------------------------------------------------------


def _plot_rating_distribution() -> bytes:
    from recommendations import plots

    return plots.rating_distribution_png(rating_score_counts())


def _plot_ratings_per_day() -> bytes:
    from recommendations import plots

    today = timezone.now().date()
    since = today - timedelta(days=RECENT_DAYS - 1)
    return plots.ratings_per_day_png(
        recent=rating_daily_counts(since=since), since=since, until=today, history=rating_monthly_counts()
    )


def _plot_long_tail() -> bytes:
    from recommendations import plots

    return plots.long_tail_png(per_movie=ratings_per_movie(), per_user=ratings_per_user())


def _plot_metric_history() -> bytes:
    from recommendations import plots

    return plots.metric_history_png(model_metric_history(), active_id=serving.active_version_id())


# matplotlib is imported only when a plot is drawn: web processes that never draw one skip its start-up cost.
PLOTS = {
    "rating-distribution": _plot_rating_distribution,
    "ratings-per-day": _plot_ratings_per_day,
    "long-tail": _plot_long_tail,
    "metric-history": _plot_metric_history,
}


def plot_data_stamp() -> str:
    """A cheap fingerprint of the data the plots show: index lookups only, never a count over all ratings."""
    ratings = Rating.objects.aggregate(last_id=Max("id"), newest=Max("rated_at"))
    versions = ModelVersion.objects.aggregate(last_id=Max("id"), trained=Max("trained_at"))
    raw = f"{serving.active_version_id()}|{ratings}|{versions}|{timezone.now().date()}"
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def plot_cache_key(*, name: str, stamp: str) -> str:
    return f"staff:plot:{name}:{stamp}"


def plot_png(*, name: str) -> bytes:
    """One dashboard plot as PNG bytes, from the cache when the data has not changed. KeyError: unknown name."""
    draw = PLOTS[name]
    key = plot_cache_key(name=name, stamp=plot_data_stamp())
    png = cache.get(key)
    if png is None:
        started = time.monotonic()
        png = draw()
        cache.set(key, png, timeout=PLOT_TTL)
        logger.info("drew plot %s in %.2f s", name, time.monotonic() - started)
    return png
