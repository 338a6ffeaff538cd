"""The ratings DataFrame convention every engine algorithm takes, and helpers built on it.

A ratings DataFrame has one row per (user, movie) pair and the columns

- ``user_id``: int64, the real user id (the database primary key, or MovieLens userId);
- ``movie_id``: int64, the real movie id;
- ``score``: float, stars in half steps from 0.5 to 5.0;
- ``timestamp`` (optional): int, seconds since the epoch.

Real ids go in and come out; no algorithm's internal numbering ever leaves the engine.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

RATING_COLUMNS = ("user_id", "movie_id", "score")
MIN_SCORE = 0.5
MAX_SCORE = 5.0


# How MovieLens says "this film has no genre": the csv/dat spelling, then ml-100k's u.genre one.
NO_GENRES = ("(no genres listed)", "unknown")


def require_rating_columns(ratings: pd.DataFrame) -> None:
    """Fail loudly when a DataFrame does not follow the ratings convention.

    Args:
        ratings: the DataFrame to check.

    Raises:
        ValueError: when ``user_id``, ``movie_id`` or ``score`` is missing.
    """
    missing = [c for c in RATING_COLUMNS if c not in ratings.columns]
    if missing:
        raise ValueError(f"ratings DataFrame lacks column(s) {missing}; has {list(ratings.columns)}")


def holdout_split(
    ratings: pd.DataFrame, *, test_fraction: float = 0.1, seed: int = 42
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ratings into train and test by random rows.

    The same input and seed always give the same split; both parts keep the input's row order
    and index, so a split can be traced back to the source rows.

    Args:
        ratings: a ratings DataFrame.
        test_fraction: share of rows that go to the test part, strictly between 0 and 1
            (rounded to a whole number of rows).
        seed: seed of the random generator that picks the test rows.

    Returns:
        ``(train, test)`` DataFrames with the input's columns.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    rng = np.random.default_rng(seed)
    n_test = round(len(ratings) * test_fraction)
    in_test = np.zeros(len(ratings), dtype=bool)
    in_test[rng.permutation(len(ratings))[:n_test]] = True
    return ratings[~in_test], ratings[in_test]


def ratings_matrix(ratings: pd.DataFrame) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Build the users × movies sparse matrix of scores.

    (user, movie) pairs are expected to be unique (the database enforces it); if a pair repeats,
    scipy sums its scores.

    Args:
        ratings: a ratings DataFrame.

    Returns:
        ``(matrix, user_ids, movie_ids)``: a float64 CSR matrix of shape
        ``(len(user_ids), len(movie_ids))`` holding stars, where row ``r`` is user ``user_ids[r]``
        and column ``c`` is movie ``movie_ids[c]``; both id arrays are int64, sorted ascending.
    """
    require_rating_columns(ratings)
    user_ids, rows = np.unique(ratings["user_id"].to_numpy(dtype=np.int64), return_inverse=True)
    movie_ids, cols = np.unique(ratings["movie_id"].to_numpy(dtype=np.int64), return_inverse=True)
    scores = ratings["score"].to_numpy(dtype=np.float64)
    matrix = sparse.csr_matrix((scores, (rows, cols)), shape=(len(user_ids), len(movie_ids)))
    return matrix, user_ids, movie_ids
