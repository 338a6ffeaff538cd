"""Catalog writes: loading a MovieLens dataset into movies, genres, raters and ratings."""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from tqdm import tqdm

from catalog.download import movielens_archive
from catalog.models import DatasetImport, Genre, Movie
from catalog.movielens import MovieLensData, read_movielens
from ratings.models import Rating

logger = logging.getLogger(__name__)

IMPORTED_USER_PREFIX = "ml_"  # MovieLens userId 42 becomes the account "ml_42"
BATCH = 5000
COPY_CHUNK = 200_000


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
    _say(progress_stream, f"Reading {name} from {source}")
    data = read_movielens(name, Path(source), strict=strict)
    result = ImportResult(dataset=name, source=str(source), skipped=data.skipped)
    with transaction.atomic():
        _refuse_other_dataset(name)
        result.genres = _genres_import(data)
        result.movies, result.tags = _movies_import(data, progress_stream)
        result.users = _users_import(data, progress_stream)
        result.ratings = _ratings_import(data, progress_stream)
        if not result.nothing_added:
            _say(progress_stream, "Refreshing rating counts and means")
            movie_rating_summaries_refresh()
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


def movie_rating_summaries_refresh() -> None:
    """Recompute the rating count and mean of every rated movie in one UPDATE (PostgreSQL, SQLite ≥ 3.33)."""
    quote = connection.ops.quote_name
    movie, rating = Movie._meta, Rating._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(movie.db_table)} SET rating_count = s.n, rating_mean = s.mean "
            f"FROM (SELECT {quote(rating.get_field('movie').column)} AS movie_id, COUNT(*) AS n, "
            f"AVG(score) AS mean FROM {quote(rating.db_table)} GROUP BY 1) AS s "
            f"WHERE {quote(movie.db_table)}.{quote(movie.pk.column)} = s.movie_id"
        )


def _refuse_other_dataset(name: str) -> None:
    other = DatasetImport.objects.exclude(dataset=name).values_list("dataset", flat=True).first()
    if other:
        raise MovieLensImportError(
            f"the database already holds {other}; MovieLens ids of different datasets don't mix, "
            f"so {name} needs an empty database"
        )


def _say(stream: TextIO | None, message: str) -> None:
    if stream is not None:
        stream.write(f"{message}…\n")


def _bar(stream: TextIO | None, total: int, desc: str, unit: str) -> tqdm:
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, file=stream, disable=stream is None or not total)


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
    with _bar(stream, len(movies), "Movies", "movie") as bar:
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
    with _bar(stream, len(new), "Users", "user") as bar:
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
        return _ratings_copy(frame, stream)
    return _ratings_bulk_create(frame, stream)


def _ratings_copy(frame: pd.DataFrame, stream: TextIO | None) -> int:
    """PostgreSQL: binary COPY; straight into an empty ratings table, else via a temporary table.

    A first import locks the empty table, drops its indexes and foreign keys, COPYs the rows in and
    rebuilds them (the unique constraint then rejects duplicate pairs, the foreign keys unknown
    users or movies, the check constraint bad stars: any of them aborts the whole import). A later
    import COPYs into a temporary table and inserts only the pairs not yet rated.
    """
    table = connection.ops.quote_name(Rating._meta.db_table)
    columns = ("user_id", "movie_id", "score", "rated_at")
    with connection.cursor() as cursor:
        types = _column_types(cursor, Rating._meta.db_table, columns)
        if _lock_if_empty(cursor, table):
            with _indexes_rebuilt_after(cursor, table, stream):
                _copy_binary(cursor, table, columns, types, frame, stream)
                added = len(frame)
        else:
            definition = ", ".join(f"{name} {kind}" for name, kind in zip(columns, types, strict=True))
            cursor.execute(f"CREATE TEMPORARY TABLE movielens_ratings ({definition}) ON COMMIT DROP")
            _copy_binary(cursor, "movielens_ratings", columns, types, frame, stream)
            _say(stream, "Inserting ratings")
            cursor.execute(
                f"INSERT INTO {table} (user_id, movie_id, score, rated_at) "
                "SELECT user_id, movie_id, score, rated_at FROM movielens_ratings "
                "ON CONFLICT (user_id, movie_id) DO NOTHING"
            )
            added = cursor.rowcount
            # Dropped now as well: inside an outer transaction (tests) the commit may never come.
            cursor.execute("DROP TABLE movielens_ratings")
        # A bulk load leaves the table without statistics: one user's ratings were then read by a
        # parallel scan (~30 ms at 25M ratings) instead of the index (~0.5 ms) until autovacuum came by.
        cursor.execute(f"ANALYZE {table}")
    return added


# PostgreSQL type → big-endian numpy type of its binary COPY form (timestamptz: µs since 2000-01-01 UTC).
_BINARY_TYPES = {"bigint": ">i8", "integer": ">i4", "double precision": ">f8", "timestamp with time zone": ">i8"}
_PG_EPOCH_SECONDS = 946_684_800
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # signature, flags, header extension length
_COPY_TRAILER = b"\xff\xff"


def _column_types(cursor, table: str, columns: tuple[str, ...]) -> list[str]:
    cursor.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    types = dict(cursor.fetchall())
    unknown = [c for c in columns if types.get(c) not in _BINARY_TYPES]
    if unknown:
        raise MovieLensImportError(f"unexpected column types for binary COPY: {[(c, types.get(c)) for c in unknown]}")
    return [types[c] for c in columns]


def _copy_binary(cursor, table: str, columns: tuple[str, ...], types: list[str], frame: pd.DataFrame,
                 stream: TextIO | None) -> None:
    """COPY the frame's rows in PostgreSQL's binary format, built by numpy (~50 bytes a row, no text)."""
    fields = [("count", ">i2")]
    for name, kind in zip(columns, types, strict=True):
        fields += [(f"{name}_size", ">i4"), (name, _BINARY_TYPES[kind])]
    rows = np.empty(len(frame), dtype=np.dtype(fields))
    rows["count"] = len(columns)
    values = {
        "user_id": frame["user_id"].to_numpy(),
        "movie_id": frame["movie_id"].to_numpy(),
        "score": frame["score"].to_numpy(dtype=np.float64),
        "rated_at": (frame["timestamp"].to_numpy(dtype=np.int64) - _PG_EPOCH_SECONDS) * 1_000_000,
    }
    for name in columns:
        rows[f"{name}_size"] = rows.dtype[name].itemsize
        rows[name] = values[name]
    names = ", ".join(columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT binary)") as copy:
        copy.write(_COPY_HEADER)
        with _bar(stream, len(frame), "Ratings", "rating") as bar:
            for start in range(0, len(rows), COPY_CHUNK):
                chunk = rows[start : start + COPY_CHUNK]
                copy.write(chunk.tobytes())
                bar.update(len(chunk))
        copy.write(_COPY_TRAILER)


def _lock_if_empty(cursor, table: str) -> bool:
    """Lock the ratings table for this transaction if it is empty (a first import); else leave it open."""
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    if cursor.fetchone()[0]:
        return False
    cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
    return not cursor.fetchone()[0]


@contextmanager
def _indexes_rebuilt_after(cursor, table: str, stream: TextIO | None) -> Iterator[None]:
    """Drop the table's foreign keys, unique constraints and plain indexes, and recreate them afterwards.

    Filling an empty table this way is several times faster than maintaining five indexes and
    checking two foreign keys row by row (PostgreSQL's "Populating a Database" advice). The
    definitions are read from the catalog, and the rebuild happens in the same transaction, so a
    failure rolls the drops back too.
    """
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC",
        [table],
    )
    constraints = cursor.fetchall()  # unique ones first: foreign keys are validated last
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table],
    )
    indexes = cursor.fetchall()
    quote = connection.ops.quote_name
    for name, _, _ in constraints:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    _say(stream, "Rebuilding rating indexes")
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for name, definition, kind in constraints:
        if kind == "u":
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition, kind in constraints:
        if kind == "f":
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


def _ratings_bulk_create(frame: pd.DataFrame, stream: TextIO | None) -> int:
    """SQLite: batched bulk_create that skips pairs already rated."""
    before = Rating.objects.count()
    rated_at = pd.to_datetime(frame["timestamp"], unit="s", utc=True)
    with _bar(stream, len(frame), "Ratings", "rating") as bar:
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
