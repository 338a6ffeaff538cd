"""Ways to split ratings into what a model learns from and what it is judged on.

Every splitter is deterministic for its seed and leaks nothing: a test rating is never in the
training part, and a cold-start user's few "known" ratings are given only at request time
(fold-in), never to training.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from recommendations.engine.data import require_rating_columns

# Cold-start users are drawn among users with at least this many ratings, whatever the number
# of known ratings, so the 1-, 5- and 10-rating protocols judge the same people.
COLD_USER_MIN_RATINGS = 20


@dataclass(frozen=True, eq=False)
class Split:
    """One train/test split.

    Attributes:
        name: e.g. ``"u1"``, ``"fold 3"``, ``"holdout"``.
        train: ratings the model is fitted on.
        test: held-out ratings it is judged on.
        known: ratings of test users given only at request time (cold-start users), else empty.
        candidates: if set, rankings choose only among these movie ids (cold-start movies).
    """

    name: str
    train: pd.DataFrame
    test: pd.DataFrame
    known: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["user_id", "movie_id", "score"]))
    candidates: np.ndarray | None = None


def kfold(ratings: pd.DataFrame, *, k: int = 5, seed: int = 0) -> list[Split]:
    """k random folds of rows; each row is in exactly one test part.

    Args:
        ratings: ratings DataFrame.
        k: number of folds (>= 2).
        seed: seed of the shuffle.

    Returns:
        k splits named ``"fold 1"``..``"fold k"``.
    """
    require_rating_columns(ratings)
    if k < 2:
        raise ValueError(f"k must be >= 2, got {k}")
    fold_of = np.empty(len(ratings), dtype=np.int64)
    fold_of[np.random.default_rng(seed).permutation(len(ratings))] = np.arange(len(ratings)) % k
    return [Split(f"fold {f + 1}", ratings[fold_of != f], ratings[fold_of == f]) for f in range(k)]


def ml100k_folds(source: Path) -> list[Split]:
    """ml-100k's canonical u1..u5 base/test files (disjoint 20% test sets).

    Args:
        source: the ml-100k folder, a folder containing it, or ``ml-100k.zip``.

    Returns:
        Five splits named ``"u1"``..``"u5"``.
    """
    return [Split(f"u{f}", _read_udata(source, f"u{f}.base"), _read_udata(source, f"u{f}.test")) for f in range(1, 6)]


def user_holdout(ratings: pd.DataFrame, *, fraction: float = 0.2, seed: int = 42) -> Split:
    """Each user's ratings split at random: ``fraction`` of them (rounded, at least one kept for training).

    Args:
        ratings: ratings DataFrame.
        fraction: share of each user's ratings held out, in (0, 1).
        seed: seed of the draw.

    Returns:
        A split named ``"holdout"``.
    """
    require_rating_columns(ratings)
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(ratings)), ratings["user_id"].to_numpy()))
    in_test = _user_tail(ratings, order, fraction)
    return Split("holdout", ratings[~in_test], ratings[in_test])


def temporal(ratings: pd.DataFrame, *, fraction: float = 0.2) -> Split:
    """Each user's latest ``fraction`` of ratings held out (ties in time broken by row order).

    Args:
        ratings: ratings DataFrame with ``timestamp``.
        fraction: share of each user's ratings held out, in (0, 1).

    Returns:
        A split named ``"temporal"``.
    """
    require_rating_columns(ratings)
    if "timestamp" not in ratings.columns:
        raise ValueError("a temporal split needs a timestamp column")
    order = np.lexsort((np.arange(len(ratings)), ratings["timestamp"].to_numpy(), ratings["user_id"].to_numpy()))
    return Split("temporal", *_split_by_mask(ratings, _user_tail(ratings, order, fraction)))


def cold_start_users(
    ratings: pd.DataFrame, *, known: int = 5, user_fraction: float = 0.2, seed: int = 42
) -> Split:
    """Users the model never saw, who have given only ``known`` ratings so far.

    A ``user_fraction`` of the users with at least ``COLD_USER_MIN_RATINGS`` ratings is drawn;
    all their ratings leave the training data; ``known`` of each one's ratings (at random) are
    given at request time and the rest are the test.

    Args:
        ratings: ratings DataFrame.
        known: ratings revealed per cold user (>= 0).
        user_fraction: share of eligible users made cold.
        seed: seed of both draws.

    Returns:
        A split named ``"cold users ({known})"``.
    """
    require_rating_columns(ratings)
    rng = np.random.default_rng(seed)
    counts = ratings["user_id"].value_counts()
    eligible = np.sort(counts.index[counts >= COLD_USER_MIN_RATINGS].to_numpy(dtype=np.int64))
    if len(eligible) == 0:
        raise ValueError(f"no user has the {COLD_USER_MIN_RATINGS} ratings a cold-start user is drawn from")
    cold = np.sort(rng.choice(eligible, size=max(1, round(len(eligible) * user_fraction)), replace=False))
    is_cold = ratings["user_id"].isin(cold).to_numpy()
    theirs = ratings[is_cold]
    draw = np.random.default_rng(seed + 1).random(len(theirs))
    order = np.lexsort((draw, theirs["user_id"].to_numpy()))
    position = np.empty(len(theirs), dtype=np.int64)
    position[order] = np.arange(len(theirs)) - np.searchsorted(theirs["user_id"].to_numpy()[order],
                                                             theirs["user_id"].to_numpy()[order])
    revealed = position < known
    return Split(f"cold users ({known})", ratings[~is_cold], theirs[~revealed], known=theirs[revealed])


def cold_start_movies(ratings: pd.DataFrame, *, fraction: float = 0.1, min_ratings: int = 5, seed: int = 42) -> Split:
    """Movies nobody has rated yet: only their metadata can place them.

    A ``fraction`` of the movies with at least ``min_ratings`` ratings is drawn; all their
    ratings become the test, and rankings choose only among those movies.

    Returns:
        A split named ``"cold movies"`` with ``candidates`` set.
    """
    require_rating_columns(ratings)
    counts = ratings["movie_id"].value_counts()
    eligible = np.sort(counts.index[counts >= min_ratings].to_numpy(dtype=np.int64))
    if len(eligible) == 0:
        raise ValueError(f"no movie has the {min_ratings} ratings a cold-start movie is drawn from")
    cold = np.sort(np.random.default_rng(seed).choice(eligible, size=max(1, round(len(eligible) * fraction)),
                                                      replace=False))
    is_cold = ratings["movie_id"].isin(cold).to_numpy()
    return Split("cold movies", ratings[~is_cold], ratings[is_cold], candidates=cold)


def _user_tail(ratings: pd.DataFrame, order: np.ndarray, fraction: float) -> np.ndarray:
    """Mark the last ``fraction`` (rounded, leaving at least one) of each user's rows in ``order``."""
    users = ratings["user_id"].to_numpy()[order]
    start = np.searchsorted(users, users, side="left")
    stop = np.searchsorted(users, users, side="right")
    size = stop - start
    n_test = np.minimum(np.round(size * fraction).astype(np.int64), size - 1)
    position = np.arange(len(users)) - start
    in_test = np.zeros(len(ratings), dtype=bool)
    in_test[order] = position >= size - n_test
    return in_test


def _split_by_mask(ratings: pd.DataFrame, in_test: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    return ratings[~in_test], ratings[in_test]


def _read_udata(source: Path, name: str) -> pd.DataFrame:
    source = Path(source)
    options = {"sep": "\t", "names": ["user_id", "movie_id", "score", "timestamp"],
               "dtype": {"user_id": "int64", "movie_id": "int64", "score": "float64", "timestamp": "int64"}}
    if source.is_file():
        with zipfile.ZipFile(source) as archive:
            member = next((m for m in archive.namelist() if m.rsplit("/", 1)[-1] == name), None)
            if member is None:
                raise FileNotFoundError(f"{name} is not in {source}")
            return pd.read_csv(io.BytesIO(archive.read(member)), **options)
    for folder in (source, source / "ml-100k"):
        if (folder / name).exists():
            return pd.read_csv(folder / name, **options)
    raise FileNotFoundError(f"{name} not found in {source}")
