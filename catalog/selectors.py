"""Catalog reads shared by pages and the API."""
from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Length, Upper
from django.db.models.lookups import Contains
from django.db.models.signals import post_delete, post_save

from catalog.models import Movie
from catalog.popularity import damped_mean_expression
from catalog.search import NO_MATCH, TitleIndex, TitleMatch, max_edits, query_terms

# "Highest rated" sorts by the damped mean (catalog.popularity), so a film with two 5-star ratings
# does not outrank one with hundreds of 4.5s, and lists films with fewer ratings than this only
# after every film that has them.
HIGHEST_RATED_MIN_RATINGS = 20

# Unrated movies and unknown years sort last on every backend (PostgreSQL puts NULLs first otherwise).
SORTS = {
    "popular": ("-popularity", "title"),
    "rating": (F("rated_enough").desc(), F("damped_rating").desc(nulls_last=True), F("rating_count").desc()),
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
    title_match: TitleMatch | None = None,
) -> QuerySet[Movie]:
    """Movies whose title matches the query (see catalog.search), filtered by genres and years.

    `title_match`: the query's movie_title_matches when the caller has it already.
    """
    movies = Movie.objects.prefetch_related("genres")
    if query.strip():
        movies = movies.filter(pk__in=(title_match or movie_title_matches(query=query)).ids)
    for genre in genres:
        movies = movies.filter(genres__name__iexact=genre)
    if year_min is not None:
        movies = movies.filter(year__gte=year_min)
    if year_max is not None:
        movies = movies.filter(year__lte=year_max)
    if sort == "rating":
        movies = movies.annotate(
            damped_rating=damped_mean_expression(),
            rated_enough=Case(When(rating_count__gte=HIGHEST_RATED_MIN_RATINGS, then=Value(1)), default=Value(0),
                              output_field=IntegerField()),
        )
    return movies.order_by(*SORTS.get(sort, SORTS["popular"]))


def movie_similar(*, movie: Movie, n: int = 20) -> list[Movie]:
    """The movie's related movies (alike, co-watched and well rated: ``engine.related``), most related first."""
    links = movie.similar_links.select_related("similar").order_by("rank")[:n]
    return [link.similar for link in links]


def movies_by_ids(ids: Sequence[int]) -> list[Movie]:
    """Movies in the given order (ids not found are dropped)."""
    found = Movie.objects.prefetch_related("genres").in_bulk(list(ids))
    return [found[i] for i in ids if i in found]


# --- Title search ---------------------------------------------------------------------------
# PostgreSQL: a trigram GIN index on UPPER(title) (migration catalog 0003) finds the titles holding
# every query word, or, when none holds them as typed, the titles with a word close to each
# (pg_trgm word similarity); catalog.search ranks those few exactly as it ranks every title on SQLite.
# A 4-6 letter word with two letters swapped keeps 0.33 of its trigrams (two typos in a longer word may not).
TYPO_SIMILARITY = 0.3
TYPO_CANDIDATES = 300  # titles a misspelt query is matched against, the trigram-closest first


def movie_title_matches(*, query: str) -> TitleMatch:
    """The movies whose titles best match the query (typos and articles forgiven)."""
    if connection.vendor != "postgresql":
        return title_index().search(query)
    required, optional = query_terms(query)
    if not required:
        return NO_MATCH
    holding = _title_candidate_query(required, typos=False)
    if not optional:
        # Every title holding the words is in the best tier: no ranking to do, and the ids stay a
        # subquery ("night" holds 11k of 59k titles; as a list they cost more than the page).
        if holding.exists():
            return TitleMatch(ids=holding.values("id"), edits=0)
    else:
        match = TitleIndex.build(holding.values_list("id", "title")).search(query)
        if match.ids and not match.edits:
            return match
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner prices word_similarity as cheap and scans the table (600 ms at 59k titles);
        # through the trigram index the same query takes a quarter of that.
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true), "
                       "set_config('enable_seqscan', 'off', true)", [str(TYPO_SIMILARITY)])
        close = _title_candidate_query(required, typos=True)
        # A short misspelt word is trigram-close to thousands of titles: rank only the closest few.
        closeness = sum((TrigramWordSimilarity(word.upper(), Upper("title")) for word in required), Value(0.0))
        close = close.annotate(closeness=closeness).order_by("-closeness", "id")[:TYPO_CANDIDATES]
        return TitleIndex.build(close.values_list("id", "title")).search(query)


def _title_candidate_query(required: list[str], *, typos: bool) -> QuerySet[Movie]:
    """The movies holding each word, or with `typos` a title word close to it.

    The lookups are used directly: installing django.contrib.postgres for them would also hook
    every new connection (it looks hstore up), /healthz's throwaway one included.
    """
    title, movies = Upper("title"), Movie.objects.order_by()
    for word in required:
        holds = Q(Contains(title, word.upper()))
        if typos and max_edits(word):
            holds |= TrigramWordSimilar(title, word)
        movies = movies.filter(holds)
    return movies


# SQLite: one in-memory index per process. Saving or deleting a movie in this process drops it; a cheap
# aggregate (count, largest id, total title length) notices bulk imports and other processes'
# changes, and the age limit catches what both miss (a same-length title edit elsewhere).
INDEX_MAX_AGE_SECONDS = 300
# The aggregate itself is asked at most this often per process (it cost more than the search).
SIGNATURE_CHECK_SECONDS = 5.0

_index_lock = threading.Lock()
_index: tuple[tuple, float, TitleIndex] | None = None
_signature_checked = 0.0


def title_index_forget(**_: object) -> None:
    global _index, _signature_checked
    _index = None
    _signature_checked = 0.0


post_save.connect(title_index_forget, sender=Movie, dispatch_uid="catalog.title_index.save")
post_delete.connect(title_index_forget, sender=Movie, dispatch_uid="catalog.title_index.delete")


def _catalogue_signature() -> tuple:
    summary = Movie.objects.aggregate(n=Count("id"), top=Max("id"), chars=Sum(Length("title")))
    return summary["n"], summary["top"], summary["chars"]


def title_index() -> TitleIndex:
    """The title index for the catalogue as it is now, rebuilt when movies were added, removed or renamed."""
    global _index, _signature_checked
    current, now = _index, time.monotonic()
    fresh = current is not None and now - current[1] < INDEX_MAX_AGE_SECONDS
    if fresh and now - _signature_checked < SIGNATURE_CHECK_SECONDS:
        return current[2]
    signature = _catalogue_signature()
    _signature_checked = now
    if current is not None and current[0] == signature and now - current[1] < INDEX_MAX_AGE_SECONDS:
        return current[2]
    with _index_lock:
        built = TitleIndex.build(Movie.objects.order_by("id").values_list("id", "title").iterator(chunk_size=5000))
        _index = (signature, time.monotonic(), built)
    return built


# --- Onboarding ------------------------------------------------------------------------------
ONBOARDING_POOL = 300  # the best-known films (most rated): people are likely to have seen them


def _round_robin(queues: list[list[Movie]]):
    """One item from each queue in turn until all are empty."""
    queues = [list(queue) for queue in queues]
    while queues:
        queues = [queue for queue in queues if queue]
        for queue in queues:
            yield queue.pop(0)


def onboarding_movies(
    *, seed: int, n: int = 18, exclude: set[int] | frozenset[int] = frozenset(), offset: int = 0
) -> list[Movie]:
    """Well-known films spread across genres and decades, in an order of their own for each seed.

    The pool's films are grouped by (most distinctive genre, decade); groups take turns in a
    seeded order, each giving its films in a seeded popularity-weighted order. The order is
    computed before `exclude` is applied, so rating or skipping a film does not reshuffle the rest;
    `offset` moves further down the list ("show other movies"), wrapping round at its end.
    """
    pool = list(
        Movie.objects.filter(rating_count__gt=0).prefetch_related("genres").order_by("-rating_count", "id")[
            :ONBOARDING_POOL
        ]
    )
    rng = random.Random(seed)
    genre_sizes = Counter(genre.name for movie in pool for genre in movie.genres.all())
    strata: dict[tuple[str, int], list[Movie]] = defaultdict(list)
    for movie in pool:
        names = [genre.name for genre in movie.genres.all()]
        rarest = min(names, key=lambda name: (genre_sizes[name], name)) if names else ""
        strata[(rarest, (movie.year or 0) // 10)].append(movie)
    def draw(movie: Movie) -> float:
        # Weighted shuffle (Efraimidis–Spirakis): better-known films tend to come first. Each film's
        # draw depends only on the seed and the film, so other films' ratings do not move it.
        return random.Random(seed * 1_000_003 + movie.pk).random() ** (1.0 / movie.rating_count)

    # Genres take turns (so any 18 consecutive films span every genre the pool has), and within a
    # genre its decades take turns; both orders are seeded per member.
    by_genre: dict[str, list[list[Movie]]] = defaultdict(list)
    for genre, decade in sorted(strata):
        by_genre[genre].append(sorted(strata[(genre, decade)], key=lambda m: -draw(m)))
    genre_order = sorted(by_genre)
    rng.shuffle(genre_order)
    streams = []
    for genre in genre_order:
        decades = by_genre[genre]
        rng.shuffle(decades)
        streams.append(_round_robin(decades))
    ordered: list[Movie] = list(_round_robin([list(stream) for stream in streams]))
    remaining = [movie for movie in ordered if movie.pk not in exclude]
    if remaining:
        start = offset % len(remaining)
        remaining = remaining[start:] + remaining[:start]
    return remaining[:n]
