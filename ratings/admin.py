from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ratings.models import HALF_STARS, Rating
from ratings.services import rating_delete, rating_upsert


class ScoreFilter(admin.SimpleListFilter):
    """The ten half-star scores, without a SELECT DISTINCT over every rating."""

    title = "score"
    parameter_name = "score"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(f"{score:g}", f"{score:g}★") for score in reversed(HALF_STARS)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Rating]) -> QuerySet[Rating]:
        try:
            score = float(self.value() or "")
        except ValueError:
            return queryset
        return queryset.filter(score=score) if score in HALF_STARS else queryset


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Ratings go through the rating service, so movie summaries and recommendations stay current."""

    list_display = ["user", "movie", "score", "rated_at"]
    list_filter = [ScoreFilter]
    list_select_related = ["user", "movie"]
    search_fields = ["user__username", "movie__title"]
    # Hundreds of thousands of users and movies: pick them by search, never from a full <select>.
    autocomplete_fields = ["user", "movie"]
    # Counting every rating on each changelist page costs more than it tells.
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Rating | None = None) -> list[str]:
        # A rating belongs to one user and one movie; changing either would be a different rating.
        return ["user", "movie", "rated_at"] if obj else ["rated_at"]

    def save_model(self, request: HttpRequest, obj: Rating, form, change: bool) -> None:
        saved = rating_upsert(user=obj.user, movie=obj.movie, score=obj.score)
        obj.pk, obj.rated_at = saved.pk, saved.rated_at

    def delete_model(self, request: HttpRequest, obj: Rating) -> None:
        rating_delete(user=obj.user, movie=obj.movie)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Rating]) -> None:
        for rating in queryset.select_related("user", "movie"):
            rating_delete(user=rating.user, movie=rating.movie)
