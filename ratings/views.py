"""Rating pages and endpoints: the same URL serves a plain form POST (redirect) and fetch (JSON)."""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from catalog.models import Movie
from ratings.forms import MyRatingsFilterForm, RatingForm
from ratings.models import Rating
from ratings.selectors import user_hidden_movies, user_rating_for, user_ratings, user_watchlist
from ratings.services import (
    movie_hide,
    movie_unhide,
    rating_delete,
    rating_upsert,
    watchlist_add,
    watchlist_remove,
)

RATINGS_PER_PAGE = 20


def _wants_json(request: HttpRequest) -> bool:
    """fetch() and htmx callers get JSON; a browser's own form POST gets a redirect or a page."""
    return (
        "application/json" in request.headers.get("Accept", "")
        or request.content_type == "application/json"
        or bool(getattr(request, "htmx", False))
    )


def _login_required_json_aware(view: Callable) -> Callable:
    """Like login_required, but a JSON caller gets 403 JSON instead of a redirect it cannot follow."""

    @wraps(view)
    def wrapper(request: HttpRequest, movie_pk: int, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, movie_pk, *args, **kwargs)
        if _wants_json(request):
            return JsonResponse({"detail": "Log in to rate movies."}, status=403)
        # After logging in, land on the movie's page, not back on a POST-only endpoint.
        return redirect_to_login(reverse("movie-detail", args=[movie_pk]))

    return wrapper


def _next_url(request: HttpRequest, movie: Movie) -> str:
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("movie-detail", args=[movie.pk])


def _request_data(request: HttpRequest) -> QueryDict | dict | None:
    """The POSTed fields, from a form body or a JSON body; None when the JSON is malformed."""
    if request.content_type != "application/json":
        return request.POST
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep to parse
        return None
    return data if isinstance(data, dict) else None


def _summary(movie: Movie) -> dict:
    movie.refresh_from_db(fields=["rating_count", "rating_mean"])
    return {"movie": movie.pk, "rating_count": movie.rating_count, "rating_mean": movie.rating_mean}


@require_http_methods(["GET", "POST"])
@_login_required_json_aware
def rating_upsert_view(request: HttpRequest, movie_pk: int) -> HttpResponse:
    """Rate or re-rate a movie. GET shows a standalone rating form (used when JS is off)."""
    movie = get_object_or_404(Movie, pk=movie_pk)
    if request.method == "GET":
        rating = user_rating_for(user=request.user, movie=movie)
        return render(request, "ratings/rating_form.html", {"movie": movie, "your_rating": rating})

    data = _request_data(request)
    if data is None:
        return JsonResponse({"errors": {"__all__": ["The request body is not a JSON object."]}}, status=400)
    form = RatingForm(data)
    rating = None
    if form.is_valid():
        try:
            rating = rating_upsert(user=request.user, movie=movie, score=form.cleaned_data["score"])
        except ValidationError as exc:
            form.add_error(None, exc)
    if rating is None:
        if _wants_json(request):
            return JsonResponse({"errors": {f: list(e) for f, e in form.errors.items()}}, status=400)
        context = {"movie": movie, "your_rating": user_rating_for(user=request.user, movie=movie), "form": form}
        return render(request, "ratings/rating_form.html", context, status=400)

    if _wants_json(request):
        payload = {**_summary(movie), "score": rating.score, "rated_at": rating.rated_at.isoformat()}
        return JsonResponse({**payload, "message": "Saved"})
    messages.success(request, f"You rated {movie.display_title} {rating.score:.1f} ★.")
    return redirect(_next_url(request, movie))


@require_POST
@_login_required_json_aware
def rating_delete_view(request: HttpRequest, movie_pk: int) -> HttpResponse:
    movie = get_object_or_404(Movie, pk=movie_pk)
    deleted = rating_delete(user=request.user, movie=movie)
    if _wants_json(request):
        return JsonResponse({**_summary(movie), "deleted": deleted, "message": "Rating removed"})
    if deleted:
        messages.success(request, f"Your rating of {movie.display_title} was removed.")
    return redirect(_next_url(request, movie))


@require_safe
@login_required
def my_ratings(request: HttpRequest) -> HttpResponse:
    """The member's ratings: sortable, filterable by title, stars and genre, paginated, editable in place."""
    form = MyRatingsFilterForm(request.GET or None)
    arguments = form.selector_arguments()
    ratings = user_ratings(user=request.user, **arguments).prefetch_related("movie__genres")
    page = Paginator(ratings, RATINGS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "filtered": any(value not in (None, "") for key, value in arguments.items() if key != "sort"),
        "total": Rating.objects.filter(user=request.user).count(),
    }
    return render(request, "ratings/my_ratings.html", context)


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: object) -> object:
    # A title starting with = + - @ would run as a formula in a spreadsheet: keep it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


CSV_COLUMNS = ["movie_id", "movielens_id", "imdb_id", "tmdb_id", "title", "year", "score", "rated_at"]


@require_safe
@login_required
def my_ratings_export(request: HttpRequest) -> StreamingHttpResponse:
    """All of the member's own ratings as CSV, oldest first (streamed: a heavy rater may have thousands)."""
    ratings = user_ratings(user=request.user, sort="oldest")

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(CSV_COLUMNS)
        for r in ratings.iterator(chunk_size=2000):
            m = r.movie
            yield writer.writerow([
                m.pk, m.movielens_id or "", m.imdb_id, m.tmdb_id or "", _csv_cell(m.display_title), m.year or "",
                f"{r.score:.1f}", r.rated_at.isoformat(),
            ])

    filename = f"moviesite-ratings-{timezone.now():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Watchlist and "not interested" ---------------------------------------------------------


def _action(request: HttpRequest, allowed: tuple[str, str]) -> str | None:
    data = _request_data(request)
    action = data.get("action") if data is not None else None
    return action if action in allowed else None


@require_POST
@_login_required_json_aware
def watchlist_toggle(request: HttpRequest, movie_pk: int) -> HttpResponse:
    """POST action=add|remove. JSON callers get the new state; a form POST is redirected back."""
    movie = get_object_or_404(Movie, pk=movie_pk)
    action = _action(request, ("add", "remove"))
    if action is None:
        return JsonResponse({"errors": {"action": ["Send action=add or action=remove."]}}, status=400)
    if action == "add":
        watchlist_add(user=request.user, movie=movie)
        message = f"{movie.display_title} is on your watchlist."
    else:
        watchlist_remove(user=request.user, movie=movie)
        message = f"{movie.display_title} is off your watchlist."
    if _wants_json(request):
        return JsonResponse({"movie": movie.pk, "on_watchlist": action == "add", "message": message})
    messages.success(request, message)
    return redirect(_next_url(request, movie))


@require_POST
@_login_required_json_aware
def hidden_toggle(request: HttpRequest, movie_pk: int) -> HttpResponse:
    """POST action=hide|unhide ("not interested" and its undo)."""
    movie = get_object_or_404(Movie, pk=movie_pk)
    action = _action(request, ("hide", "unhide"))
    if action is None:
        return JsonResponse({"errors": {"action": ["Send action=hide or action=unhide."]}}, status=400)
    if action == "hide":
        movie_hide(user=request.user, movie=movie)
        message = f"Got it: {movie.display_title} will not be recommended to you."
    else:
        movie_unhide(user=request.user, movie=movie)
        message = f"{movie.display_title} may be recommended to you again."
    if _wants_json(request):
        return JsonResponse({"movie": movie.pk, "hidden": action == "hide", "message": message})
    messages.success(request, message)
    return redirect(_next_url(request, movie))


@require_safe
@login_required
def watchlist(request: HttpRequest) -> HttpResponse:
    page = Paginator(user_watchlist(user=request.user), RATINGS_PER_PAGE).get_page(request.GET.get("page"))
    movie_ids = [entry.movie_id for entry in page.object_list]
    ratings = {r.movie_id: r for r in Rating.objects.filter(user=request.user, movie_id__in=movie_ids)}
    entries = [{"entry": entry, "rating": ratings.get(entry.movie_id)} for entry in page.object_list]
    return render(request, "ratings/watchlist.html", {"page": page, "entries": entries})


@require_safe
@login_required
def hidden_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(user_hidden_movies(user=request.user), RATINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "ratings/hidden.html", {"page": page})
