"""Small rating sets whose answers can be worked out by hand, and loaders for MovieLens slices."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SCIFI = [1, 2, 3, 4]
ROMANCE = [11, 12, 13, 14]


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


def read_ml100k(path: Path) -> pd.DataFrame:
    """A u.data-style file (tab-separated user, item, rating, timestamp) as a ratings DataFrame."""
    return pd.read_csv(
        path, sep="\t", names=["user_id", "movie_id", "score", "timestamp"],
        dtype={"user_id": "int64", "movie_id": "int64", "score": "float64", "timestamp": "int64"},
    )


@pytest.fixture
def ratings() -> pd.DataFrame:
    return two_taste_ratings()
