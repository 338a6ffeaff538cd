"""Fast exports of ratings and movies into DataFrames for the engine (never row by row through the ORM)."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection

from catalog.models import Movie
from ratings.models import Rating

CHUNK = 50_000


def ratings_export() -> pd.DataFrame:
    """All ratings as user_id, movie_id, score, timestamp (epoch seconds); PostgreSQL streams COPY."""
    if settings.USING_POSTGRES:
        return _ratings_copy()
    return _ratings_chunked()


def _ratings_copy() -> pd.DataFrame:
    buffer = io.BytesIO()
    table = Rating._meta.db_table
    sql = (
        f"COPY (SELECT user_id, movie_id, score, EXTRACT(EPOCH FROM rated_at)::bigint FROM {table}) "
        "TO STDOUT WITH (FORMAT csv)"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for block in copy:
            buffer.write(block)
    buffer.seek(0)
    return pd.read_csv(
        buffer,
        names=["user_id", "movie_id", "score", "timestamp"],
        dtype={"user_id": np.int64, "movie_id": np.int64, "score": np.float64, "timestamp": np.int64},
    )


def _ratings_chunked() -> pd.DataFrame:
    frames = []
    last_id = 0
    while True:
        rows = list(
            Rating.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "user_id", "movie_id", "score", "rated_at")[:CHUNK]
        )
        if not rows:
            break
        last_id = rows[-1][0]
        ids, users, movies, scores, times = zip(*rows, strict=True)
        frames.append(
            pd.DataFrame(
                {
                    "user_id": np.asarray(users, dtype=np.int64),
                    "movie_id": np.asarray(movies, dtype=np.int64),
                    "score": np.asarray(scores, dtype=np.float64),
                    "timestamp": np.asarray([int(t.timestamp()) for t in times], dtype=np.int64),
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in [("user_id", "int64"), ("movie_id", "int64"),
                                                 ("score", "float64"), ("timestamp", "int64")]}
        )
    return pd.concat(frames, ignore_index=True)


def movies_export() -> pd.DataFrame:
    """Movies with the text the content model reads: title, genre names, tags, overview."""
    genres: dict[int, list[str]] = {}
    through = Movie.genres.through
    for movie_id, name in through.objects.values_list("movie_id", "genre__name"):
        genres.setdefault(movie_id, []).append(name)
    rows = list(Movie.objects.values_list("id", "title", "tags", "overview"))
    return pd.DataFrame(
        {
            "movie_id": np.asarray([r[0] for r in rows], dtype=np.int64),
            "title": [r[1] for r in rows],
            "genres": [genres.get(r[0], []) for r in rows],
            "tags": [r[2] or [] for r in rows],
            "overview": [r[3] or "" for r in rows],
        }
    )
