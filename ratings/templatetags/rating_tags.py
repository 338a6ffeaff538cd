"""The half-star rating widget and the watchlist / "not interested" buttons shared by cards and pages."""
from __future__ import annotations

from django import template

from moviesite.per_request import once_per_request
from ratings.models import HALF_STARS, Rating
from ratings.selectors import user_hidden_ids, user_watchlist_ids

register = template.Library()


def _label(value: float) -> str:
    return "1 star" if value == 1 else f"{value:g} stars"


@register.inclusion_tag("ratings/_rating_widget.html", takes_context=True)
def rating_widget(context, movie, rating=None, next_url: str = "", errors=None, compact: bool = False) -> dict:
    """Ten radio inputs (0.5–5.0) styled as stars, plus save and remove forms that work without JS."""
    score = rating.score if rating else None
    return {
        "movie": movie,
        "rating": rating,
        "choices": [{"value": f"{v:.1f}", "label": _label(v), "checked": v == score} for v in HALF_STARS],
        "next_url": next_url,
        "errors": errors or [],
        "compact": compact,
        "csrf_token": context.get("csrf_token"),
    }


def _member_lists(request) -> tuple[set[int], set[int]]:
    """The member's watch-listed and hidden movie ids, read once per request however many cards ask."""
    return once_per_request(request, "member_lists", lambda: (
        user_watchlist_ids(user_id=request.user.pk), user_hidden_ids(user_id=request.user.pk)))


@register.simple_tag(takes_context=True)
def viewer_has_rated(context, movie) -> bool:
    """Whether the signed-in viewer rated the movie (their rated ids are read once per request)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    rated = once_per_request(request, "rated_ids", lambda: set(
        Rating.objects.filter(user=request.user).values_list("movie_id", flat=True)))
    return movie.pk in rated


@register.inclusion_tag("ratings/_movie_actions.html", takes_context=True)
def movie_actions(context, movie, hideable: bool = False, large: bool = False) -> dict:
    """Watchlist and "not interested" buttons (forms that work without JS; actions.js adds fetch)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"show": False}
    watchlisted, hidden = _member_lists(request)
    return {
        "show": True,
        "movie": movie,
        "on_watchlist": movie.pk in watchlisted,
        "hidden": movie.pk in hidden,
        "hideable": hideable,
        "large": large,
        "next_url": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
