"""Catalog writes: loading a MovieLens dataset into movies, genres, raters and ratings."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from catalog.download import movielens_archive
from catalog.models import DatasetImport, Genre, Movie
from catalog.movielens import MovieLensData, read_movielens
from moviesite.progress import progress_bar, progress_say
from ratings.models import Rating

logger = logging.getLogger(__name__)

IMPORTED_USER_PREFIX = "ml_"  # MovieLens userId 42 becomes the account "ml_42"
BATCH = 5000


class MovieLensImportError(Exception):
    """The import cannot go ahead; str() says why in one line."""


@dataclass
class ImportResult:
    """What one import added (zeros everywhere: it was already there)."""

    dataset: str
    source: str
    genres: int = 0
    movies: int = 0
    users: int = 0
    ratings: int = 0
    tags: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def nothing_added(self) -> bool:
        return not (self.genres or self.movies or self.users or self.ratings)


def movielens_import(
    *, name: str, source: Path | None = None, progress_stream: TextIO | None = None, strict: bool = False
) -> ImportResult:
    """Import a MovieLens dataset (downloaded when no source is given) in one transaction; re-runs add nothing."""
    started = time.monotonic()
    _refuse_other_dataset(name)
    if source is None:
        source = movielens_archive(
            name, mirror=settings.MOVIELENS_MIRROR, cache_dir=settings.MOVIELENS_DIR, progress=progress_stream
        )
    progress_say(progress_stream, f"Reading {name} from {source}")
    data = read_movielens(name, Path(source), strict=strict)
    result = ImportResult(dataset=name, source=str(source), skipped=data.skipped)
    with transaction.atomic():
        _refuse_other_dataset(name)
        result.genres = _genres_import(data)
        result.movies, result.tags = _movies_import(data, progress_stream)
        result.users = _users_import(data, progress_stream)
        result.ratings = _ratings_import(data, progress_stream)
        if not result.nothing_added:
            progress_say(progress_stream, "Refreshing rating counts and means")
            movie_rating_totals_rederive()
            _statistics_refresh(Movie)
            DatasetImport.objects.create(
                dataset=name, source=str(source), movies=result.movies, users=result.users,
                ratings=result.ratings, tags=result.tags,
            )
    result.seconds = time.monotonic() - started
    logger.info(
        "MovieLens import of %s from %s added %d movies, %d users, %d ratings in %.1f s",
        name, source, result.movies, result.users, result.ratings, result.seconds,
    )
    return result


def _statistics_refresh(model) -> None:
    """ANALYZE a bulk-loaded table on PostgreSQL. Without statistics the planner guessed that a title
    word matches 16 of 59k movies and scanned the table (92 ms) instead of the trigram index (8 ms)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def movie_rating_totals_rederive() -> int:
    """Re-derive every movie's rating count, sum and mean from its ratings in one UPDATE; returns how many were wrong.

    Rating writes keep the totals up incrementally; imports, ratings deleted with their user and
    the nightly check come here (PostgreSQL, SQLite ≥ 3.33).
    """
    quote = connection.ops.quote_name
    movie, rating = quote(Movie._meta.db_table), quote(Rating._meta.db_table)
    movie_id = quote(Rating._meta.get_field("movie").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {movie} SET rating_count = s.n, rating_sum = s.total, rating_mean = s.total / NULLIF(s.n, 0) "
            f"FROM (SELECT m.id AS movie_id, COUNT(r.id) AS n, COALESCE(SUM(r.score), 0.0) AS total "
            f"FROM {movie} AS m LEFT JOIN {rating} AS r ON r.{movie_id} = m.id GROUP BY m.id) AS s "
            f"WHERE {movie}.id = s.movie_id AND ({movie}.rating_count <> s.n OR {movie}.rating_sum <> s.total)"
        )
        return cursor.rowcount


def _refuse_other_dataset(name: str) -> None:
    other = DatasetImport.objects.exclude(dataset=name).values_list("dataset", flat=True).first()
    if other:
        raise MovieLensImportError(
            f"the database already holds {other}; MovieLens ids of different datasets don't mix, "
            f"so {name} needs an empty database"
        )


def _genres_import(data: MovieLensData) -> int:
    existing = set(Genre.objects.values_list("name", flat=True))
    new = [Genre(name=g) for g in data.genres if g not in existing]
    Genre.objects.bulk_create(new)
    return len(new)


def _movie_pks() -> pd.Series:
    """MovieLens movieId → Movie.pk for every imported movie."""
    pairs = list(Movie.objects.exclude(movielens_id=None).values_list("movielens_id", "pk"))
    return pd.Series([pk for _, pk in pairs], index=[ml for ml, _ in pairs], dtype="int64")


def _movies_import(data: MovieLensData, stream: TextIO | None) -> tuple[int, int]:
    """Create the movies not yet present (with genres, links and tags); returns (movies, tags) added."""
    present = set(Movie.objects.exclude(movielens_id=None).values_list("movielens_id", flat=True))
    new = data.movies[~data.movies["movie_id"].isin(present)]
    new = new.merge(data.links, on="movie_id", how="left").merge(data.tags, on="movie_id", how="left")
    movies = [
        Movie(
            movielens_id=int(row.movie_id),
            title=row.title[:255],
            year=None if pd.isna(row.year) else int(row.year),
            imdb_id=row.imdb_id if isinstance(row.imdb_id, str) else "",
            tmdb_id=None if pd.isna(row.tmdb_id) else int(row.tmdb_id),
            tags=row.tags if isinstance(row.tags, list) else [],
        )
        for row in new.itertuples(index=False)
    ]
    with progress_bar(stream, len(movies), "Movies", "movie") as bar:
        for start in range(0, len(movies), BATCH):
            Movie.objects.bulk_create(movies[start : start + BATCH])
            bar.update(len(movies[start : start + BATCH]))
    pks = _movie_pks().to_dict()
    genre_pks = dict(Genre.objects.values_list("name", "pk"))
    through = Movie.genres.through
    links = [
        through(movie_id=pks[movie_id], genre_id=genre_pks[genre])
        for movie_id, genres in zip(new["movie_id"], new["genres"], strict=True)
        for genre in genres
    ]
    through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
    return len(movies), sum(len(m.tags) for m in movies)


def _users_import(data: MovieLensData, stream: TextIO | None) -> int:
    """Create an account with an unusable password for every rater not yet present."""
    User = get_user_model()
    present = set(User.objects.filter(username__startswith=IMPORTED_USER_PREFIX).values_list("username", flat=True))
    ids = sorted(int(u) for u in data.ratings["user_id"].unique())
    new = [User(username=f"{IMPORTED_USER_PREFIX}{u}", password=make_password(None))
           for u in ids if f"{IMPORTED_USER_PREFIX}{u}" not in present]
    with progress_bar(stream, len(new), "Users", "user") as bar:
        for start in range(0, len(new), BATCH):
            User.objects.bulk_create(new[start : start + BATCH])
            bar.update(len(new[start : start + BATCH]))
    return len(new)


def _user_pks() -> pd.Series:
    """MovieLens userId → User.pk for every imported rater."""
    pairs = get_user_model().objects.filter(username__startswith=IMPORTED_USER_PREFIX).values_list("username", "pk")
    known = [(int(name[len(IMPORTED_USER_PREFIX) :]), pk) for name, pk in pairs
             if name[len(IMPORTED_USER_PREFIX) :].isdigit()]
    return pd.Series([pk for _, pk in known], index=[u for u, _ in known], dtype="int64")


def _ratings_import(data: MovieLensData, stream: TextIO | None) -> int:
    """Add the ratings not yet present; returns how many were added."""
    imported = Rating.objects.filter(user__username__startswith=IMPORTED_USER_PREFIX)
    if DatasetImport.objects.filter(dataset=data.dataset).exists() and imported.count() == len(data.ratings):
        return 0  # a finished import of this dataset, untouched since
    frame = pd.DataFrame(
        {
            "user_id": data.ratings["user_id"].map(_user_pks()),
            "movie_id": data.ratings["movie_id"].map(_movie_pks()),
            "score": data.ratings["score"],
            "timestamp": data.ratings["timestamp"],
        }
    )
    if frame.isna().any().any():  # cannot happen after the steps above; never load half-linked rows
        raise MovieLensImportError("some ratings name users or movies that were not imported")
    frame = frame.astype({"user_id": "int64", "movie_id": "int64"})
    if connection.vendor == "postgresql":
        from catalog.postgres_copy import ratings_copy

        return ratings_copy(frame, stream)
    return _ratings_bulk_create(frame, stream)


def _ratings_bulk_create(frame: pd.DataFrame, stream: TextIO | None) -> int:
    """SQLite: batched bulk_create that skips pairs already rated."""
    before = Rating.objects.count()
    rated_at = pd.to_datetime(frame["timestamp"], unit="s", utc=True)
    with progress_bar(stream, len(frame), "Ratings", "rating") as bar:
        for start in range(0, len(frame), BATCH):
            stop = start + BATCH
            ratings = [
                Rating(user_id=u, movie_id=m, score=s, rated_at=t)
                for u, m, s, t in zip(
                    frame["user_id"].iloc[start:stop].tolist(),
                    frame["movie_id"].iloc[start:stop].tolist(),
                    frame["score"].iloc[start:stop].tolist(),
                    rated_at.iloc[start:stop].dt.to_pydatetime(),
                    strict=True,
                )
            ]
            Rating.objects.bulk_create(ratings, ignore_conflicts=True)
            bar.update(len(ratings))
    return Rating.objects.count() - before
