from __future__ import annotations

import uuid

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


class HistoryImport(models.Model):
    """A viewer's uploaded Letterboxd/IMDb export, matched and waiting for their confirmation.

    What confirmation writes comes from `entries` (built from the file on the server), never from the
    confirming form, which only picks among the candidates stored here for ambiguous rows.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # unguessable in URLs
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="history_imports")
    source = models.CharField(max_length=16)  # "letterboxd" or "imdb"
    filename = models.CharField(max_length=255, blank=True)
    entries = models.JSONField(default=list)  # one dict per file line: see ratings.history_import.preview
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)  # counts written at confirmation

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user}'s {self.source} import of {self.created_at:%Y-%m-%d %H:%M}"
