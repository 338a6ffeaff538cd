"""Staff dashboard pages: the model registry with one-click activate/rollback, retrain, live progress, plots.

Pages send non-staff to the admin login; the JSON, plot and POST endpoints answer them 403 instead,
since a redirect is no use to a script or an <img>.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from recommendations import dashboard, services, serving
from recommendations.models import ModelVersion

logger = logging.getLogger(__name__)

VERSIONS_PER_PAGE = 20
PLOTS = [  # (name, alt text): the order they appear on the page
    ("metric-history", "Held-out RMSE and MAE of each trained model version"),
    ("rating-distribution", "How many ratings gave each half-star score"),
    ("ratings-per-day", "Ratings per day over the last year, and per month over all time"),
    ("long-tail", "Ratings per movie and per user, most rated first, on a log scale"),
]


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """403 for anyone but active staff (for fetch() calls, images and form posts)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _with_display(status: dict) -> dict:
    """Adds the words the live panel shows, so the page and its polling script format them one way."""
    active, training = status["active"], status["training"]
    since = status["ratings_since_active"]
    errors = [f"{name.upper()} {active[name]:.4f}" for name in ("rmse", "mae") if active and active[name] is not None]
    status["display"] = {
        "active": f"v{active['id']}" if active else "none",
        "active_note": " · ".join(errors) if active else "serving popular movies",
        "data": intcomma(active["n_ratings"]) if active else "—",
        "data_note": f"{intcomma(active['n_users'])} users · {intcomma(active['n_movies'])} movies" if active else "",
        "since": "—" if since is None else intcomma(since),
        "since_note": f"retrain after {intcomma(status['retrain_after_ratings'])}",
        "queue": status["queue"]["label"],
        "queue_note": " · ".join(f"{kind} {n}" for kind, n in (status["queue"]["by_kind"] or {}).items()),
        "worker": status["worker"]["label"].removeprefix("worker "),
        "worker_note": _workers_note(status["workers"]) or status["worker"]["hostname"] or "start a Celery worker",
        "training": training["label"] if training else "",
    }
    return status


def _workers_note(hosts: list[dict]) -> str:
    """"2 of 3 hosts alive" when several worker hosts are known; one host is named as before."""
    if len(hosts) < 2:
        return ""
    return f"{sum(host['ok'] for host in hosts)} of {len(hosts)} hosts alive"


def _versions_context(request: HttpRequest) -> dict:
    page = Paginator(ModelVersion.objects.order_by("-created_at"), VERSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return {
        "page": page,
        "versions": page.object_list,
        "active_id": serving.active_version_id(),
        # Rating models that trained (or served before) can serve; similarity rebuilds have no artifact.
        "activatable": [ModelVersion.Status.SUCCEEDED, ModelVersion.Status.RETIRED],
    }


@staff_member_required
@require_safe
@never_cache
def dashboard_page(request: HttpRequest) -> HttpResponse:
    services.model_training_dead_release()  # a killed worker's run shows as failed, not "running 30%"
    status = _with_display(dashboard.dashboard_status())
    context = {**_versions_context(request), "status": status, "plots": PLOTS}
    return render(request, "recommendations/staff/dashboard.html", context)


@staff_required
@require_safe
@never_cache
def versions_fragment(request: HttpRequest) -> HttpResponse:
    """The versions table alone, swapped into the page when the live status says the registry changed."""
    return render(request, "recommendations/staff/_versions.html", _versions_context(request))


@staff_required
@require_safe
@never_cache
def status_json(request: HttpRequest) -> JsonResponse:
    services.model_training_dead_release()
    return JsonResponse(_with_display(dashboard.dashboard_status()))


@staff_required
@require_safe
def plot_png(request: HttpRequest, name: str) -> HttpResponse:
    try:
        png = dashboard.plot_png(name=name)
    except KeyError:
        raise Http404("no such plot") from None
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=60"
    return response


def _back(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("staff-dashboard"))


@require_POST
@staff_required
def version_activate(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Activate or roll back to a version; the recommendation cache follows it at once (keys carry the version)."""
    version = get_object_or_404(ModelVersion, pk=pk)
    previous = serving.active_version_id()
    try:
        services.model_version_activate(version=version)
    except services.TrainingError as exc:
        messages.error(request, f"Version {version.pk} was not activated: {exc}.")
        return _back(request)
    verb = "Rolled back to" if previous and version.pk < previous else "Activated"
    logger.info("%s activated model version %s (was %s)", request.user, version.pk, previous)
    messages.success(request, f"{verb} version {version.pk}: it now serves recommendations.")
    return _back(request)


@require_POST
@staff_required
def model_retrain(request: HttpRequest) -> HttpResponseRedirect:
    version = services.model_train_request()
    messages.success(
        request,
        f"Retraining queued as version {version.pk}. It serves when it finishes, if it succeeds and is not "
        "worse than the active model.",
    )
    return _back(request)


@require_POST
@staff_required
def similarities_recompute(request: HttpRequest) -> HttpResponseRedirect:
    transaction.on_commit(_similarities_send, robust=True)
    messages.success(request, "Recomputing content similarities; the new version appears here when done.")
    return _back(request)


def _similarities_send() -> None:
    from recommendations import tasks

    try:
        tasks.movie_similarities_compute.delay()
    except Exception:  # broker down: say so in the log; staff can press the button again
        logger.warning("could not queue the similarity rebuild", exc_info=True)
