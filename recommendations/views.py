"""The home page: personal top picks for members, popular movies and an invitation for visitors."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ratings.selectors import user_ratings
from recommendations.selectors import popular_movies, user_top_picks

TOP_PICKS_SHOWN = 10  # what the recommendations cache holds: asking for more recomputes each time
POPULAR_SHOWN = 10
FEW_RATINGS = 5  # below this, nudge the member to rate more: picks are mostly popularity until then


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context: dict = {"popular": popular_movies(n=POPULAR_SHOWN)}
    if request.user.is_authenticated:
        context["top_picks"] = user_top_picks(user=request.user, n=TOP_PICKS_SHOWN)
        context["few_ratings"] = user_ratings(user=request.user).count() < FEW_RATINGS
    return render(request, "recommendations/home.html", context)
