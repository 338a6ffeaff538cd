"""Catalog pages: browse and search movies, and one movie's page."""
from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_safe

from catalog.forms import MovieFilterForm
from catalog.models import Movie
from catalog.selectors import movie_search, movie_similar, movie_title_matches
from ratings.selectors import movie_rating_histogram, user_rating_for, user_scores_for
from recommendations.selectors import movie_predicted_rating

MOVIES_PER_PAGE = 24
SIMILAR_SHOWN = 12


@require_safe
def movie_list(request: HttpRequest) -> HttpResponse:
    """Browse and search; a visitor who is not signed in gets the page every such visitor shares."""
    if request.user.is_authenticated:  # cards show the member's own watchlist
        return _movie_list(request)
    return _movie_list_shared(request)


def _movie_list(request: HttpRequest) -> HttpResponse:
    form = MovieFilterForm(request.GET or None)
    arguments = form.search_arguments()
    match = movie_title_matches(query=arguments["query"]) if arguments["query"].strip() else None
    movies = movie_search(**arguments, title_match=match)
    page = Paginator(movies, MOVIES_PER_PAGE).get_page(request.GET.get("page"))
    filtered = any(value for key, value in arguments.items() if key != "sort")
    # Say so when the titles shown are typo corrections, not what was typed.
    corrected = match is not None and match.edits > 0
    your_scores = (
        user_scores_for(user=request.user, movie_ids=[movie.pk for movie in page.object_list])
        if request.user.is_authenticated else {}
    )
    context = {"form": form, "page": page, "filtered": filtered, "corrected": corrected, "your_scores": your_scores}
    return render(request, "catalog/movie_list.html", context)


# Rendering 24 cards costs several times the search itself, and visitors repeat the same searches:
# Django's per-view cache keeps each anonymous page (by URL) for SHARED_PAGES_TTL seconds.
_movie_list_shared = cache_page(settings.SHARED_PAGES_TTL, key_prefix="movie-list")(_movie_list)


@require_safe
def movie_detail(request: HttpRequest, pk: int) -> HttpResponse:
    movie = get_object_or_404(Movie.objects.prefetch_related("genres"), pk=pk)
    predicted = None
    if request.user.is_authenticated:
        predicted = movie_predicted_rating(user=request.user, movie=movie)
    context = {
        "movie": movie,
        "your_rating": user_rating_for(user=request.user, movie=movie),
        "predicted_rating": predicted,
        "similar_movies": movie_similar(movie=movie, n=SIMILAR_SHOWN),
        "histogram": movie_rating_histogram(movie=movie) if movie.rating_count else [],
    }
    return render(request, "catalog/movie_detail.html", context)
