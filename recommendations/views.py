"""The home page (rows of picks) and onboarding ("rate a few movies to get started")."""
from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST, require_safe

from catalog.models import Movie
from catalog.selectors import onboarding_movies
from ratings.models import Rating
from ratings.selectors import user_excluded_movie_ids
from recommendations import cache as rec_cache
from recommendations import serving
from recommendations.forms import PreferencesForm
from recommendations.sections import home_sections, top_picks_section
from recommendations.services.preferences import (
    DISCOVER_STEPS,
    request_viewer_preferences,
    viewer_preferences_update,
)

DISCOVER_LABELS = ("Familiar", "Mostly familiar", "Balanced", "Mostly new", "Discover")
ONBOARDING_GOAL = 10  # ratings after which picks clearly follow the member's taste
ONBOARDING_SHOWN = 18
UNSEEN_SESSION_KEY = "onboarding_unseen"
UNSEEN_KEPT = 500  # "haven't seen it" answers remembered per session
SHOWN_MAX = 100  # films a page may say it shows when asking for a replacement


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    html, rated = _sections_html(request)
    context: dict = {"sections_html": html}
    if request.user.is_authenticated:
        context.update(rated=rated, goal=ONBOARDING_GOAL, to_go=max(ONBOARDING_GOAL - rated, 0))
        saved = request_viewer_preferences(request)["discover"]
        context["discover_steps"] = [
            {"value": step, "label": label, "checked": abs(step - saved) < 1e-9}
            for step, label in zip(DISCOVER_STEPS, DISCOVER_LABELS, strict=True)
        ]
    return render(request, "recommendations/home.html", context)


def _sections_html(request: HttpRequest) -> tuple[SafeString, int]:
    """The home rows and how many films the member has rated, worked out once and then read from the cache.

    A member's entry is keyed by the active model version and their CSRF secret (the rows hold forms),
    and holds for as long as the token that changes with their ratings, watchlist or hidden films
    stays the same. Anonymous visitors share one entry. Pages with a query string are not cached (the
    forms' next= names it).
    """
    user = request.user
    if request.GET:
        return _sections_render(request), _rated(user)
    if user.is_authenticated:
        get_token(request)  # the secret the forms' tokens are masked from; new after each login
        secret = request.META.get("CSRF_COOKIE", "")
        key = {
            "user_id": user.pk,
            "version_id": serving.active_version_id(),
            "variant": hashlib.sha256(secret.encode()).hexdigest()[:16],
        }
    else:
        key = {"user_id": 0, "version_id": None, "variant": ""}
    cached, state = rec_cache.home_sections_get(**key)
    if cached is None:
        cached = {"html": _sections_render(request), "rated": _rated(user)}
        rec_cache.home_sections_set(cached, state=state, **key)
    return mark_safe(cached["html"]), cached["rated"]  # noqa: S308 - our own template's output


def _rated(user) -> int:
    return Rating.objects.filter(user=user).count() if user.is_authenticated else 0


def _sections_render(request: HttpRequest) -> SafeString:
    sections = home_sections(user=request.user)
    return render_to_string("recommendations/_home_sections.html", {"sections": sections}, request)


@require_safe
@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    """Well-known films to rate, different for each member, until they have rated a handful."""
    unseen = set(request.session.get(UNSEEN_SESSION_KEY, []))
    exclude = user_excluded_movie_ids(user_id=request.user.pk) | unseen
    batch = _int(request.GET.get("batch"))  # "Show other movies" moves on down the member's own list
    movies = onboarding_movies(
        seed=request.user.pk, n=ONBOARDING_SHOWN, exclude=exclude, offset=batch * ONBOARDING_SHOWN
    )
    rated = Rating.objects.filter(user=request.user).count()
    context = {
        "movies": movies,
        "rated": rated,
        "rated_shown": min(rated, ONBOARDING_GOAL),  # "10 of 10 rated" at most
        "goal": ONBOARDING_GOAL,
        "done": rated >= ONBOARDING_GOAL,
        "next_batch": batch + 1,
    }
    return render(request, "recommendations/onboarding.html", context)


@require_POST
@login_required
def onboarding_unseen(request: HttpRequest, movie_pk: int) -> HttpResponse:
    """ "Haven't seen it": this session's onboarding stops offering the film (it may still be recommended).

    A script caller sends the ids of the films on its page (`shown`) and gets the next film of the
    member's list that is none of them, as a card to put in the skipped one's place (null when none is left).
    """
    movie = get_object_or_404(Movie, pk=movie_pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    shown = _ids(request.POST.getlist("shown"))
    if shown is None:
        error = f"Send up to {SHOWN_MAX} movie ids."
        if wants_json:
            return JsonResponse({"errors": {"shown": [error]}}, status=400)
        return HttpResponseBadRequest(error)
    unseen = [pk for pk in request.session.get(UNSEEN_SESSION_KEY, []) if pk != movie.pk]
    unseen = [*unseen, movie.pk][-UNSEEN_KEPT:]
    request.session[UNSEEN_SESSION_KEY] = unseen
    if not wants_json:
        return redirect(reverse("onboarding"))
    exclude = user_excluded_movie_ids(user_id=request.user.pk) | set(unseen) | shown
    following = onboarding_movies(seed=request.user.pk, n=1, exclude=exclude)
    replacement = None
    if following:
        html = render_to_string("recommendations/_onboarding_card.html", {"movie": following[0]}, request)
        replacement = {"movie": following[0].pk, "html": html}
    return JsonResponse({"movie": movie.pk, "unseen": True, "replacement": replacement})


def _ids(values: list[str]) -> set[int] | None:
    """Movie ids sent as form fields; None when one is not an id or there are too many."""
    if len(values) > SHOWN_MAX or not all(value.isascii() and value.isdigit() and len(value) <= 18
                                          for value in values):
        return None
    return {int(value) for value in values}


def _int(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 1000))
    except ValueError:
        return 0


@require_safe
@login_required
def home_top_picks(request: HttpRequest) -> HttpResponse:
    """The home page's "Top picks" list alone, at the saved mix: the discover control swaps it in place."""
    section = top_picks_section(user=request.user)
    return render(request, "recommendations/_section_cards.html", {"section": section})


@require_POST
@login_required
def preferences_save(request: HttpRequest) -> HttpResponse:
    """Save the discover mix or list layout: JSON for the page's scripts, a redirect back for plain forms."""
    form = PreferencesForm(request.POST)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not form.is_valid():
        if wants_json:
            return JsonResponse({"errors": form.errors}, status=400)
        return HttpResponseBadRequest("Invalid preference: " + "; ".join(
            f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()))
    changes = {key: value for key, value in form.cleaned_data.items() if key != "next" and value not in (None, "")}
    saved = viewer_preferences_update(user=request.user, **changes)
    if wants_json:
        return JsonResponse({"discover": saved.discover, "layout": saved.layout})
    target = form.cleaned_data.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("home")
    return redirect(target)
