"""Small rating sets whose answers can be worked out by hand, and loaders for MovieLens slices."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SCIFI = [1, 2, 3, 4]
ROMANCE = [11, 12, 13, 14]
UNRATED_SCIFI = 5  # in the movies table, rated by nobody: only content can place it


def two_taste_ratings() -> pd.DataFrame:
    """Eight sci-fi fans (users 1-8) and eight romance fans (101-108), each rating all 8 movies.

    Fans give their genre 4.5-5 stars and the other 1-1.5, so both groups of movies have the
    same mean and only the factors can tell a sci-fi fan from a romance fan.
    """
    rows = []
    for group, loved, disliked in ((range(1, 9), SCIFI, ROMANCE), (range(101, 109), ROMANCE, SCIFI)):
        for n, user in enumerate(group):
            for j, movie in enumerate(loved):
                rows.append((user, movie, 5.0 if (n + j) % 2 else 4.5, 1_000_000 + n))
            for j, movie in enumerate(disliked):
                rows.append((user, movie, 1.0 if (n + j) % 2 else 1.5, 1_000_000 + n))
    return pd.DataFrame(rows, columns=["user_id", "movie_id", "score", "timestamp"])


def taste_movies() -> pd.DataFrame:
    """Genres and titles of the taste movies, plus a sci-fi film nobody has rated."""
    rows = [(m, f"Star Voyage {m}", ["Sci-Fi", "Action"]) for m in [*SCIFI, UNRATED_SCIFI]]
    rows += [(m, f"Love Letters {m}", ["Romance", "Drama"]) for m in ROMANCE]
    return pd.DataFrame(rows, columns=["movie_id", "title", "genres"])


def hybrid_ratings() -> pd.DataFrame:
    """Fans watch their genre: eight sci-fi fans rate every sci-fi film 4.5-5 and one romance 1 star,
    eight romance fans the reverse; six more viewers make movie 1 the most popular film."""
    rows = []
    for fans, loved, other in ((range(1, 9), SCIFI, ROMANCE), (range(101, 109), ROMANCE, SCIFI)):
        for n, user in enumerate(fans):
            rows += [(user, movie, 5.0 if (n + j) % 2 else 4.5) for j, movie in enumerate(loved)]
            rows.append((user, other[n % 4], 1.0))
    rows += [(user, 1, 4.0) for user in range(201, 207)]
    return pd.DataFrame(rows, columns=["user_id", "movie_id", "score"])


def read_ml100k(path: Path) -> pd.DataFrame:
    """A u.data-style file (tab-separated user, item, rating, timestamp) as a ratings DataFrame."""
    return pd.read_csv(
        path, sep="\t", names=["user_id", "movie_id", "score", "timestamp"],
        dtype={"user_id": "int64", "movie_id": "int64", "score": "float64", "timestamp": "int64"},
    )


@pytest.fixture
def ratings() -> pd.DataFrame:
    return two_taste_ratings()
