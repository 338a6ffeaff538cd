"""Rating writes: one validation for the form, the API and the importer."""
from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import NullIf
from django.utils import timezone

from catalog.models import Movie
from ratings.models import HALF_STARS, HiddenMovie, Rating, WatchlistEntry

# A score sent as text: ASCII digits and an optional decimal part, nothing around them. float() alone
# would also read "٤" (Arabic-Indic four), "４" (full-width) and "4.5\n".
SCORE_TEXT = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,3})?", re.ASCII)


def score_validate(score: object) -> float:
    """Return the score as a float on the half-star scale, or raise ValidationError."""
    not_a_number = ValidationError({"score": "Score must be a number from 0.5 to 5.0."})
    if isinstance(score, str) and not SCORE_TEXT.fullmatch(score):
        raise not_a_number
    try:
        value = float(score)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer like 10**400
        raise not_a_number from None
    if value not in HALF_STARS:
        raise ValidationError({"score": "Score must be one of 0.5, 1.0, … 5.0 (half stars)."})
    return value


def _movie_totals_add(*, movie_id: int, count: int, total: float) -> None:
    """Add to the movie's rating count and sum in one UPDATE, the mean derived from them.

    Every SET sees the row as it was, and concurrent raters of the movie queue only on this row's
    lock until their commit: no aggregate over the movie's ratings, no lock held across one.
    Half-star sums are exact in floating point, so the counts never drift through rounding.
    """
    if count or total:
        new_count, new_sum = F("rating_count") + count, F("rating_sum") + total
        Movie.objects.filter(pk=movie_id).update(
            rating_count=new_count, rating_sum=new_sum, rating_mean=new_sum / NullIf(new_count, Value(0))
        )


def movie_totals_add_many(deltas: dict[int, tuple[int, float]], batch: int = 1000) -> None:
    """_movie_totals_add for many movies (movie id → (count, total)), one UPDATE per batch of movies.

    VALUES rows are named column1, column2, ... by PostgreSQL and SQLite alike.
    """
    table = connection.ops.quote_name(Movie._meta.db_table)
    items = list(deltas.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), batch):
            chunk = items[start:start + batch]
            rows = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET rating_count = rating_count + d.column2, rating_sum = rating_sum + d.column3, "
                f"rating_mean = (rating_sum + d.column3) / NULLIF(rating_count + d.column2, 0) "
                f"FROM (VALUES {rows}) AS d WHERE {table}.id = d.column1",
                [value for movie_id, (count, total) in chunk for value in (movie_id, count, float(total))],
            )


def _after_rating_change(user_id: int) -> None:
    from recommendations.services import user_recommendations_invalidate

    transaction.on_commit(lambda: user_recommendations_invalidate(user_id=user_id), robust=True)


def rating_upsert(*, user, movie: Movie, score: object, rated_at: datetime | None = None) -> Rating:
    """Create or change the user's rating of a movie; the user's recommendations refresh after commit.

    The returned rating's ``created`` says whether this call made it (the API answers 201 then).
    """
    value = score_validate(score)
    rated_at = rated_at or timezone.now()
    try:
        return _rating_write(user=user, movie=movie, value=value, rated_at=rated_at)
    except IntegrityError:  # the same viewer's first rating of the movie, sent twice at once: now it exists
        return _rating_write(user=user, movie=movie, value=value, rated_at=rated_at)


@transaction.atomic
def _rating_write(*, user, movie: Movie, value: float, rated_at: datetime) -> Rating:
    # A locking read, then a plain INSERT or UPDATE: get_or_create would wrap the INSERT in a
    # savepoint (two more round trips per new rating); a racing duplicate INSERT instead fails the
    # unique constraint and rating_upsert runs this once more, when the row is there to update.
    rating = Rating.objects.select_for_update().filter(user=user, movie=movie).first()
    created = rating is None
    if created:
        rating = Rating.objects.create(user=user, movie=movie, score=value, rated_at=rated_at)
        previous = 0.0
    else:
        previous = rating.score
        rating.score, rating.rated_at = value, rated_at
        rating.save(update_fields=["score", "rated_at"])
    rating.movie = movie  # what callers render next: no second read of the movie
    rating.created = created
    _movie_totals_add(movie_id=movie.pk, count=int(created), total=value - previous)
    _after_rating_change(user.pk)
    return rating


@transaction.atomic
def ratings_upsert_many(*, user, scores: list[tuple[Movie, object, datetime | None]]) -> dict[str, int]:
    """rating_upsert for many movies at once (a history import): the same validation, counters and refresh.

    The user's existing rows for these movies are locked, new ones inserted and changed ones updated in
    bulk, the movies' totals moved by _movie_totals_add's arithmetic in batches, and one refresh queued
    after commit (9,700 ratings one rating_upsert at a time took ~110 s here). A movie listed twice keeps
    its last score. Returns {"created": n, "changed": n, "unchanged": n}.
    """
    wanted = {movie.pk: (movie, score_validate(score), rated_at or timezone.now()) for movie, score, rated_at in scores}
    existing = {r.movie_id: r for r in Rating.objects.select_for_update().filter(user=user, movie_id__in=list(wanted))}
    created, changed, deltas = [], [], {}
    for movie_id, (movie, value, rated_at) in wanted.items():
        rating = existing.get(movie_id)
        if rating is None:
            created.append(Rating(user=user, movie=movie, score=value, rated_at=rated_at))
            deltas[movie_id] = (1, value)
        elif rating.score != value:
            deltas[movie_id] = (0, value - rating.score)
            rating.score, rating.rated_at = value, rated_at
            changed.append(rating)
    Rating.objects.bulk_create(created, batch_size=1000)
    Rating.objects.bulk_update(changed, ["score", "rated_at"], batch_size=1000)
    movie_totals_add_many(deltas)
    if deltas:
        _after_rating_change(user.pk)
    return {"created": len(created), "changed": len(changed), "unchanged": len(wanted) - len(deltas)}


@transaction.atomic
def rating_delete(*, user, movie: Movie) -> bool:
    """Delete the user's rating of a movie; returns False when there was none."""
    score = Rating.objects.select_for_update().filter(user=user, movie=movie).values_list("score", flat=True).first()
    if score is None:
        return False
    Rating.objects.filter(user=user, movie=movie).delete()
    _movie_totals_add(movie_id=movie.pk, count=-1, total=-score)
    _after_rating_change(user.pk)
    return True


# --- Watchlist and "not interested" -------------------------------------------------------
# Both change what the user may be recommended, so they refresh recommendations like a rating does.


@transaction.atomic
def watchlist_add(*, user, movie: Movie) -> WatchlistEntry:
    """Put the movie on the user's watchlist (adding it twice keeps the first entry)."""
    entry, created = WatchlistEntry.objects.get_or_create(user=user, movie=movie)
    if created:
        _after_rating_change(user.pk)
    return entry


@transaction.atomic
def watchlist_remove(*, user, movie: Movie) -> bool:
    """Take the movie off the user's watchlist; returns False when it was not on it."""
    deleted, _ = WatchlistEntry.objects.filter(user=user, movie=movie).delete()
    if deleted:
        _after_rating_change(user.pk)
    return bool(deleted)


@transaction.atomic
def movie_hide(*, user, movie: Movie) -> HiddenMovie:
    """Mark the movie "not interested": no recommendation section shows it to this user again."""
    hidden, created = HiddenMovie.objects.get_or_create(user=user, movie=movie)
    if created:
        _after_rating_change(user.pk)
    return hidden


@transaction.atomic
def movie_unhide(*, user, movie: Movie) -> bool:
    """Undo movie_hide; returns False when the movie was not hidden."""
    deleted, _ = HiddenMovie.objects.filter(user=user, movie=movie).delete()
    if deleted:
        _after_rating_change(user.pk)
    return bool(deleted)
