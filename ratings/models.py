from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

HALF_STARS = [x / 2 for x in range(1, 11)]  # 0.5, 1.0, ..., 5.0


class Rating(models.Model):
    # No index of its own: the (user, movie) unique constraint's index starts with the user and
    # serves every per-user read; a second one cost ~15% of a bulk import's index rebuild.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings",
                             db_index=False)
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="ratings")
    score = models.FloatField()
    rated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-rated_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "movie"], name="rating_user_movie_unique"),
            models.CheckConstraint(condition=models.Q(score__in=HALF_STARS), name="rating_score_half_stars"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.movie}: {self.score}"


class WatchlistEntry(models.Model):
    """A movie the user means to watch; kept out of top picks so the picks show something new."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist")
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-added_at"]
        verbose_name_plural = "watchlist entries"
        constraints = [models.UniqueConstraint(fields=["user", "movie"], name="watchlist_user_movie_unique")]

    def __str__(self) -> str:
        return f"{self.user} wants to watch {self.movie}"


class HiddenMovie(models.Model):
    """A movie the user said "not interested" to: never recommended to them again (until unhidden)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hidden_movies")
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    hidden_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-hidden_at"]
        constraints = [models.UniqueConstraint(fields=["user", "movie"], name="hidden_movie_user_movie_unique")]

    def __str__(self) -> str:
        return f"{self.user} is not interested in {self.movie}"
