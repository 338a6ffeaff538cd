"""Catalog reads shared by pages and the API."""
from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import Cast

from catalog.models import Movie

# "Highest rated" pulls each mean toward a typical rating by this many votes, so a film with
# two 5-star ratings does not outrank one with hundreds of 4.5s.
RATING_DAMPING = 10
TYPICAL_RATING = 3.5

# Unrated movies and unknown years sort last on every backend (PostgreSQL puts NULLs first otherwise).
SORTS = {
    "popular": (F("rating_count").desc(), "title"),
    "rating": (F("damped_rating").desc(nulls_last=True), F("rating_count").desc()),
    "year": (F("year").desc(nulls_last=True), "title"),
    "title": ("title", F("year").asc(nulls_last=True)),
}


def movie_search(
    *,
    query: str = "",
    genres: Sequence[str] = (),
    year_min: int | None = None,
    year_max: int | None = None,
    sort: str = "popular",
) -> QuerySet[Movie]:
    """Movies whose title contains every word of the query, filtered by genres and years."""
    movies = Movie.objects.prefetch_related("genres")
    for word in query.split():
        movies = movies.filter(title__icontains=word)
    for genre in genres:
        movies = movies.filter(genres__name__iexact=genre)
    if year_min is not None:
        movies = movies.filter(year__gte=year_min)
    if year_max is not None:
        movies = movies.filter(year__lte=year_max)
    if sort == "rating":
        count = Cast(F("rating_count"), FloatField())
        movies = movies.annotate(
            damped_rating=(F("rating_mean") * count + Value(RATING_DAMPING * TYPICAL_RATING))
            / (count + Value(float(RATING_DAMPING)))
        )
    return movies.order_by(*SORTS.get(sort, SORTS["popular"]))


def movie_similar(*, movie: Movie, n: int = 20) -> list[Movie]:
    """The movie's content neighbours (TF-IDF cosine), most similar first."""
    links = movie.similar_links.select_related("similar").order_by("rank")[:n]
    return [link.similar for link in links]


def movies_by_ids(ids: Sequence[int]) -> list[Movie]:
    """Movies in the given order (ids not found are dropped)."""
    found = Movie.objects.prefetch_related("genres").in_bulk(list(ids))
    return [found[i] for i in ids if i in found]
