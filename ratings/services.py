"""Rating writes: one validation for the form, the API and the importer."""
from __future__ import annotations

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count
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


@transaction.atomic
def movie_rating_summary_refresh(*, movie: Movie) -> None:
    """Recompute the denormalised rating count and mean shown on cards and used for popularity."""
    # Lock the movie first: two raters' transactions would otherwise each count without the other's
    # uncommitted row and the last to write would store a stale count. After the lock, the count
    # (a new snapshot under READ COMMITTED) sees every rating committed before us.
    list(Movie.objects.select_for_update().filter(pk=movie.pk).values_list("pk", flat=True))
    agg = Rating.objects.filter(movie=movie).aggregate(n=Count("id"), mean=Avg("score"))
    Movie.objects.filter(pk=movie.pk).update(rating_count=agg["n"], rating_mean=agg["mean"])


def _after_rating_change(user_id: int) -> None:
    from recommendations.services import user_recommendations_invalidate

    transaction.on_commit(lambda: user_recommendations_invalidate(user_id=user_id), robust=True)


@transaction.atomic
def rating_upsert(*, user, movie: Movie, score: object, rated_at: datetime | None = None) -> Rating:
    """Create or change the user's rating of a movie; the user's recommendations refresh after commit."""
    value = score_validate(score)
    rating, _ = Rating.objects.update_or_create(
        user=user, movie=movie, defaults={"score": value, "rated_at": rated_at or timezone.now()}
    )
    movie_rating_summary_refresh(movie=movie)
    _after_rating_change(user.pk)
    return rating


@transaction.atomic
def rating_delete(*, user, movie: Movie) -> bool:
    """Delete the user's rating of a movie; returns False when there was none."""
    deleted, _ = Rating.objects.filter(user=user, movie=movie).delete()
    if deleted:
        movie_rating_summary_refresh(movie=movie)
        _after_rating_change(user.pk)
    return bool(deleted)


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
