"""Account writes: rotate a member's API token, delete a member and everything they left behind."""
from __future__ import annotations

import logging

from django.db import transaction
from rest_framework.authtoken.models import Token

from ratings.models import Rating
from ratings.services import movie_totals_add_many

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
    scores = Rating.objects.select_for_update().filter(user_id=user_id).values_list("movie_id", "score")
    movie_totals_add_many({movie_id: (-1, -score) for movie_id, score in scores})
    user.delete()  # ratings, watchlist, hidden films and the token cascade
    transaction.on_commit(lambda: _user_cache_forget(user_id=user_id), robust=True)
    logger.info("deleted account %s and its ratings", user_id)


def _user_cache_forget(*, user_id: int) -> None:
    from recommendations.cache import user_forget

    user_forget(user_id=user_id)
