"""Rating, watchlist and "not interested" reads shared by pages, the API and the recommender."""
from __future__ import annotations

from django.db import connection
from django.db.models import Count, F, QuerySet

from ratings.models import HALF_STARS, HiddenMovie, Rating, WatchlistEntry

# My ratings' sort orders; ties fall back to the newest rating so pages never shuffle.
RATING_SORTS = {
    "newest": (F("rated_at").desc(), F("id").desc()),
    "oldest": (F("rated_at").asc(), F("id").asc()),
    "highest": (F("score").desc(), F("rated_at").desc()),
    "lowest": (F("score").asc(), F("rated_at").desc()),
    "title": (F("movie__title").asc(), F("movie__year").asc(nulls_last=True)),
    "year": (F("movie__year").desc(nulls_last=True), F("movie__title").asc()),
}


def user_ratings(
    *,
    user,
    sort: str = "newest",
    query: str = "",
    score_min: float | None = None,
    score_max: float | None = None,
    genre: str = "",
) -> QuerySet[Rating]:
    """The user's ratings with their movies, filtered by title words, star range and genre."""
    ratings = Rating.objects.filter(user=user).select_related("movie")
    for word in query.split():
        ratings = ratings.filter(movie__title__icontains=word)
    if score_min is not None:
        ratings = ratings.filter(score__gte=score_min)
    if score_max is not None:
        ratings = ratings.filter(score__lte=score_max)
    if genre:
        ratings = ratings.filter(movie__genres__name__iexact=genre)
    return ratings.order_by(*RATING_SORTS.get(sort, RATING_SORTS["newest"]))


def user_rating_for(*, user, movie) -> Rating | None:
    if not user.is_authenticated:
        return None
    return Rating.objects.filter(user=user, movie=movie).first()


def user_scores(*, user_id: int) -> dict[int, float]:
    """Movie id → score for one user, as the engine's fold-in wants them."""
    return dict(Rating.objects.filter(user_id=user_id).values_list("movie_id", "score"))


def user_scores_for(*, user, movie_ids: list[int]) -> dict[int, float]:
    """Movie id → the user's stars, for the movies on one page (list layout shows them)."""
    return dict(Rating.objects.filter(user=user, movie_id__in=movie_ids).values_list("movie_id", "score"))


def user_watchlist(*, user) -> QuerySet[WatchlistEntry]:
    """The user's watchlist, latest addition first, with movies and genres loaded for cards."""
    return (
        WatchlistEntry.objects.filter(user=user)
        .select_related("movie")
        .prefetch_related("movie__genres")
        .order_by("-added_at", "-id")
    )


def user_hidden_movies(*, user) -> QuerySet[HiddenMovie]:
    return HiddenMovie.objects.filter(user=user).select_related("movie").order_by("-hidden_at", "-id")


def user_watchlist_ids(*, user_id: int) -> set[int]:
    return set(WatchlistEntry.objects.filter(user_id=user_id).values_list("movie_id", flat=True))


def user_hidden_ids(*, user_id: int) -> set[int]:
    return set(HiddenMovie.objects.filter(user_id=user_id).values_list("movie_id", flat=True))


def user_excluded_movie_ids(*, user_id: int, watchlist: bool = True) -> set[int]:
    """Movies no recommendation may show this user: rated ∪ hidden ∪ (unless watchlist=False) watch-listed."""
    excluded = set(Rating.objects.filter(user_id=user_id).values_list("movie_id", flat=True))
    excluded |= user_hidden_ids(user_id=user_id)
    if watchlist:
        excluded |= user_watchlist_ids(user_id=user_id)
    return excluded


def movie_rating_histogram(*, movie) -> list[dict]:
    """How many ratings the movie has at each half star, 0.5 → 5.0, with each bar's share of the tallest."""
    counts = dict(Rating.objects.filter(movie=movie).values_list("score").annotate(n=Count("id")))
    tallest = max(counts.values(), default=0)
    return [
        {"score": score, "count": counts.get(score, 0), "percent": round(100 * counts.get(score, 0) / tallest)
         if tallest else 0}
        for score in HALF_STARS
    ]


def user_scores_and_hidden_ids(*, user_id: int, watchlist: bool = True) -> tuple[dict[int, float], set[int]]:
    """What a cache-miss recommendation reads, in one query: the user's scores and what they set aside.

    Returns ``(scores, hidden)``: movie id → stars, newest rating first (the engine starts a heavy
    rater's picks from their newest and best-rated films), and the ids of the movies they hid or
    (unless watchlist=False) watch-listed.
    """
    # One round trip of plain SQL: the ORM's two queries (ratings, then hidden ∪ watch-listed) took
    # ~1.1 ms for a typical user against ~0.3 ms, and reading rated_at as datetimes ~14 ms for 3k ratings.
    quote = connection.ops.quote_name
    set_aside = [HiddenMovie, WatchlistEntry] if watchlist else [HiddenMovie]
    parts = [f"SELECT 0 AS part, movie_id, score, rated_at, id FROM {quote(Rating._meta.db_table)} WHERE user_id = %s"]
    parts += [f"SELECT 1, movie_id, NULL, NULL, NULL FROM {quote(model._meta.db_table)} WHERE user_id = %s"
              for model in set_aside]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT movie_id, score FROM ({' UNION ALL '.join(parts)}) AS seen "
                       "ORDER BY part, rated_at DESC, id DESC", [user_id] * len(parts))
        rows = cursor.fetchall()
    scores = {movie_id: score for movie_id, score in rows if score is not None}
    return scores, {movie_id for movie_id, score in rows if score is None}
