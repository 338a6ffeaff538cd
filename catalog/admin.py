from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from catalog.models import DatasetImport, Genre, Movie, SimilarMovie


class DecadeFilter(admin.SimpleListFilter):
    """Years grouped by decade: a list of every distinct year would be a hundred links long."""

    title = "decade"
    parameter_name = "decade"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(decade), f"{decade}s") for decade in range(2020, 1870, -10)] + [("none", "Unknown")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Movie]) -> QuerySet[Movie]:
        value = self.value()
        if value == "none":
            return queryset.filter(year__isnull=True)
        if value and value.isdigit():
            return queryset.filter(year__gte=int(value), year__lt=int(value) + 10)
        return queryset


class SimilarMovieInline(admin.TabularInline):
    """The content neighbours computed by compute_similarities; rebuilt there, so read-only here."""

    model = SimilarMovie
    fk_name = "movie"
    fields = ["rank", "similar", "score"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "similar movies (computed)"

    def has_add_permission(self, request: HttpRequest, obj: Movie | None = None) -> bool:
        return False


@admin.register(Movie)
class MovieAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "movielens_id", "imdb_id", "rating_count", "rating_mean"]
    list_filter = ["genres", DecadeFilter]
    search_fields = ["title", "=imdb_id", "movielens_id__exact"]
    filter_horizontal = ["genres"]
    readonly_fields = ["rating_count", "rating_mean"]
    inlines = [SimilarMovieInline]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["title", "year", "genres", "overview"]}),
        ("External ids", {"fields": ["movielens_id", "imdb_id", "tmdb_id", "poster_path"]}),
        ("Tags and ratings", {"fields": ["tags", "rating_count", "rating_mean"]}),
    ]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "movie_count"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Genre]:
        return super().get_queryset(request).annotate(movie_count=Count("movies"))

    @admin.display(ordering="movie_count", description="movies")
    def movie_count(self, genre: Genre) -> int:
        return genre.movie_count


@admin.register(DatasetImport)
class DatasetImportAdmin(admin.ModelAdmin):
    """A record of what each import added; written by the importer only."""

    list_display = ["dataset", "imported_at", "movies", "users", "ratings", "tags", "source"]
    list_filter = ["dataset"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DatasetImport | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DatasetImport | None = None) -> bool:
        return False
