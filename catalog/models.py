from __future__ import annotations

from django.db import models
from django.db.models import F

from catalog.popularity import popularity_expression


class Genre(models.Model):
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Movie(models.Model):
    # MovieLens ids are kept apart from the primary key so staff can add films by hand.
    movielens_id = models.PositiveIntegerField(unique=True, null=True, blank=True)
    title = models.CharField(max_length=255, db_index=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    genres = models.ManyToManyField(Genre, related_name="movies", blank=True)
    imdb_id = models.CharField(max_length=16, blank=True)
    tmdb_id = models.PositiveIntegerField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True, help_text="Distinct user tags, most used first.")
    overview = models.TextField(blank=True)
    poster_path = models.CharField(max_length=255, blank=True)
    # Denormalised rating summary: each rating change adds to the count and sum (the mean is sum / count,
    # written with them); imports and the nightly check re-derive all three from the ratings.
    rating_count = models.PositiveIntegerField(default=0, db_index=True)
    rating_sum = models.FloatField(default=0.0)
    rating_mean = models.FloatField(null=True, blank=True)
    # Computed by the database from the count and sum, whichever path writes them, and indexed:
    # the movie list and the Popular row sort by it (catalog.popularity; 0 when unrated).
    popularity = models.GeneratedField(expression=popularity_expression(), output_field=models.FloatField(),
                                       db_persist=True)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(F("popularity").desc(), F("title"), name="movie_popularity_order")]

    def __str__(self) -> str:
        return f"{self.display_title} ({self.year})" if self.year else self.display_title

    @property
    def display_title(self) -> str:
        """The title as people say it: MovieLens files "Matrix, The", pages show "The Matrix"."""
        from catalog.search import natural_title

        return natural_title(self.title)


class SimilarMovie(models.Model):
    """One of a movie's top-K content neighbours (TF-IDF cosine), rebuilt by compute_similarities."""

    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="similar_links")
    similar = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["movie", "rank"]
        constraints = [models.UniqueConstraint(fields=["movie", "rank"], name="similar_movie_rank_unique")]


class DatasetImport(models.Model):
    """Which MovieLens dataset the database holds, and what its import added."""

    dataset = models.CharField(max_length=32)
    source = models.CharField(max_length=500)
    movies = models.PositiveIntegerField(default=0)
    users = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    tags = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.dataset} at {self.imported_at:%Y-%m-%d %H:%M}"
