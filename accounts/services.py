"""Account writes: rotate a member's API token, delete a member and everything they left behind."""
from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import NullIf
from rest_framework.authtoken.models import Token

from catalog.models import Movie
from ratings.models import Rating

logger = logging.getLogger(__name__)


def api_token_get(*, user) -> Token:
    """The member's API token, created on first use (the same one POST /api/auth/token/ hands out)."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def api_token_rotate(*, user) -> Token:
    """Replace the member's API token: scripts holding the old one get 401 from now on."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def user_delete(*, user) -> None:
    """Delete the account with its ratings, watchlist, hidden films and token; picks cached for it go too.

    The movies it rated lose its stars from their counts and means at once. The next training reads
    ratings from the database, so the model forgets the member then; until that retrain nobody is
    served picks under the deleted id (its cached picks and home rows are dropped after commit).
    """
    user_id = user.pk
    # Lock the rows first: a rating changed in another tab meanwhile must not slip past the totals.
    list(Rating.objects.select_for_update().filter(user_id=user_id).values_list("id", flat=True))
    _movie_totals_subtract_user(user_id=user_id)
    user.delete()  # ratings, watchlist, hidden films and the token cascade
    transaction.on_commit(lambda: _user_cache_forget(user_id=user_id), robust=True)
    logger.info("deleted account %s and its ratings", user_id)


def _movie_totals_subtract_user(*, user_id: int) -> None:
    """Take one user's ratings out of the rated movies' counts, sums and means, in one UPDATE.

    A user rates a movie at most once, so each such movie loses exactly one rating.
    """
    score = Subquery(Rating.objects.filter(movie=OuterRef("pk"), user_id=user_id).values("score")[:1])
    new_count, new_sum = F("rating_count") - 1, F("rating_sum") - score
    Movie.objects.filter(pk__in=Rating.objects.filter(user_id=user_id).values("movie_id")).update(
        rating_count=new_count, rating_sum=new_sum, rating_mean=new_sum / NullIf(new_count, Value(0))
    )


def _user_cache_forget(*, user_id: int) -> None:
    from recommendations.cache import user_forget

    user_forget(user_id=user_id)
