"""Popularity ranking: the fallback for visitors and new users the model cannot personalise yet.

``score = damped_mean × log(1 + count)``. The damped mean shrinks a movie's mean towards a typical
rating (``PRIOR_STARS``) by ``DAMPING`` pseudo-ratings, so one enthusiastic 5-star rating cannot top the list;
the log of the count rewards how many people chose to watch a movie, with diminishing returns, so
a blockbuster with mediocre ratings does not simply win on volume. On ml-latest-small the top is
Shawshank, Forrest Gump, Pulp Fiction, The Matrix: widely seen and well liked. (Offline, plain
popularity beats ranking by predicted rating for top-10 hit rate, see NOTES.md, so this list is
worth showing.)

This is the one definition of popularity: the site's pages and "Highest rated" evaluate the same
formula in SQL (``catalog.popularity``) from these constants. The prior is a fixed typical rating,
not the dataset's global mean, so a movie's score depends on its own ratings only and the database
can index it.
"""
from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from .data import require_rating_columns

DAMPING = 10.0  # pseudo-ratings added to every movie
PRIOR_STARS = 3.5  # ... each of this many stars: a typical rating on MovieLens' half-star scale


def damped_mean(count: np.ndarray, total: np.ndarray, *, damping: float = DAMPING) -> np.ndarray:
    """Each movie's mean shrunk towards ``PRIOR_STARS`` by ``damping`` pseudo-ratings."""
    return (total + damping * PRIOR_STARS) / (count + damping)


def popularity_ranking(ratings: pd.DataFrame, *, damping: float = DAMPING) -> pd.DataFrame:
    """Rank movies by popularity.

    Args:
        ratings: ratings DataFrame.
        damping: number of pseudo-ratings of ``PRIOR_STARS`` added to every movie (>= 0).

    Returns:
        DataFrame indexed by ``movie_id`` with columns ``count`` (int64), ``mean``,
        ``damped_mean`` (stars) and ``score`` (unitless, higher is more popular), sorted by
        score descending, ties by movie id ascending. Empty when there are no ratings.
    """
    require_rating_columns(ratings)
    if damping < 0:
        raise ValueError(f"damping must be >= 0, got {damping}")
    columns = ["count", "mean", "damped_mean", "score"]
    if ratings.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], dtype=np.int64, name="movie_id"))
    stats = ratings.groupby("movie_id")["score"].agg(["count", "sum"])
    count = stats["count"].astype(np.int64)
    ranking = pd.DataFrame(
        {
            "count": count,
            "mean": stats["sum"] / count,
            "damped_mean": damped_mean(count, stats["sum"], damping=damping),
        }
    )
    ranking["score"] = ranking["damped_mean"] * np.log1p(count)  # well liked and widely seen
    ranking.index = ranking.index.astype(np.int64)
    ranking.index.name = "movie_id"
    return ranking.iloc[_order(ranking)]


def most_popular(ranking: pd.DataFrame, *, n: int, exclude: Collection[int] = ()) -> list[int]:
    """The ``n`` most popular movie ids, skipping excluded ones.

    Args:
        ranking: output of :func:`popularity_ranking` (its order is re-checked, not trusted).
        n: how many ids to return; fewer only when the ranking runs out.
        exclude: movie ids never to return (e.g. already rated).

    Returns:
        Movie ids, most popular first.
    """
    if n <= 0 or ranking.empty:
        return []
    ids = ranking.index.to_numpy(dtype=np.int64)[_order(ranking)]
    if len(exclude):
        ids = ids[~np.isin(ids, np.fromiter(exclude, dtype=np.int64))]
    return [int(i) for i in ids[:n]]


def _order(ranking: pd.DataFrame) -> np.ndarray:
    """Positions by score descending, then movie id ascending (deterministic ties)."""
    return np.lexsort((ranking.index.to_numpy(dtype=np.int64), -ranking["score"].to_numpy(dtype=np.float64)))
