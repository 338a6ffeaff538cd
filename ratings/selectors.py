"""Rating reads shared by pages and the API."""
from __future__ import annotations

from django.db.models import QuerySet

from ratings.models import Rating


def user_ratings(*, user) -> QuerySet[Rating]:
    return Rating.objects.filter(user=user).select_related("movie").order_by("-rated_at")


def user_rating_for(*, user, movie) -> Rating | None:
    if not user.is_authenticated:
        return None
    return Rating.objects.filter(user=user, movie=movie).first()


def user_scores(*, user_id: int) -> dict[int, float]:
    """Movie id → score for one user, as the engine's fold-in wants them."""
    return dict(Rating.objects.filter(user_id=user_id).values_list("movie_id", "score"))
