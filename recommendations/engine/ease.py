"""EASE: a closed-form item-item model for top-N (Steck, "Embarrassingly Shallow Autoencoders", 2019).

With ``X`` the binary users × items matrix, EASE learns the item-item weights ``B`` minimising
``|X - XB|² + λ|B|²`` with ``diag(B) = 0``, whose solution is ``P = (XᵀX + λI)⁻¹``,
``B_ij = -P_ij / P_jj``. A user's scores are ``x @ B``: the sum of the weight rows of the movies
they rated, so a user unknown at training time is scored from their ratings directly (fold-in is
free) and each rated movie's share of a score is one matrix cell (explanations are free too).

``B`` is dense: 4 bytes × m² (1.7k movies: 11 MB; 5k: 100 MB; 9.7k: 378 MB, memory-mapped and
shared by every process). Training needs two m × m float64 matrices and an m³ inversion, so EASE
covers only the ``max_items`` most-rated movies; the item-kNN and content signals cover the rest.
Measured on ml-latest-small (9.7k movies, per-user 20% holdout, seed 42), EASE NDCG@10 / hybrid
fit: all 9.7k movies 0.284 / 43 s, 1.3 GB peak; **5k: 0.285** / ~12 s, 0.7 GB; 2.5k: 0.284. The
rarely rated movies add nothing to ranking quality, so 5k is the default.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import linalg

from .arrays import id_rows, load_arrays, plain_views, require_format, save_arrays
from .prepare import interaction_matrix

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
ROWS_PER_SLICE = 64


@dataclass(frozen=True)
class EASEParams:
    """EASE hyper-parameters.

    ``l2`` was tuned on a validation split inside ml-100k's training part (per-user 20% holdout
    of the seed-42 train, seed 7), NDCG@10: λ 100 → 0.218, 200 → 0.226, 300 → 0.2275,
    **500 → 0.2277**, 800 → 0.2276, 1500 → 0.223. ``max_items`` bounds memory (see the module).
    """

    l2: float = 500.0
    max_items: int = 5_000


@dataclass(eq=False)
class EASE:
    """Fitted EASE weights for ``movie_ids``.

    Attributes:
        movie_ids: int64 (m,) sorted; row/column order of ``weights``.
        weights: float32 (m, m), ``weights[j, i]`` = how much having rated j raises i; zero diagonal.
        params: hyper-parameters.
    """

    movie_ids: np.ndarray
    weights: np.ndarray
    params: EASEParams = EASEParams()

    @classmethod
    def fit(cls, ratings: pd.DataFrame, params: EASEParams = EASEParams()) -> EASE:  # noqa: B008
        """Train on who rated what (the stars are ignored: a rating means "watched").

        Args:
            ratings: ratings DataFrame.
            params: hyper-parameters; only the ``max_items`` most-rated movies are modelled
                (ties broken by lower movie id).

        Returns:
            The fitted model.
        """
        started = time.perf_counter()
        counts = ratings["movie_id"].value_counts()
        counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        movie_ids = np.sort(counts.index.to_numpy(dtype=np.int64)[: params.max_items])
        matrix, _ = interaction_matrix(ratings, movie_ids)
        weights = ease_weights(matrix, l2=params.l2)
        logger.info("EASE fitted: %d movies in %.2f s", len(movie_ids), time.perf_counter() - started)
        return cls(movie_ids=movie_ids, weights=weights, params=params)

    def score(self, movie_ids: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Scores of every modelled movie for a user who rated ``movie_ids``.

        Args:
            movie_ids: int64 (r,) the user rated; unknown ones are ignored.
            weights: float (r,) how much each rated movie counts, negative for one the user
                disliked (its neighbours are pushed down); None counts every one as 1.

        Returns:
            float64 (m,) aligned with ``self.movie_ids``; unitless, higher is better; all zero
            for a user with no modelled movie.
        """
        rows, known = id_rows(self.movie_ids, np.asarray(movie_ids, dtype=np.int64))
        counts = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=np.float64)
        keep = known & (counts != 0)
        rows, counts = rows[keep], counts[keep]
        total = np.zeros(len(self.movie_ids))
        # Add the rows a slice at a time: a heavy rater's rows copied at once would be tens of MB.
        for start in range(0, len(rows), ROWS_PER_SLICE):
            part = slice(start, start + ROWS_PER_SLICE)
            total += counts[part].astype(self.weights.dtype) @ self.weights[rows[part]]
        return total

    def contributions(self, movie_ids: np.ndarray, targets: Collection[int]) -> np.ndarray:
        """How much each rated movie adds to each target's score.

        Args:
            movie_ids: int64 (r,) movies the user rated.
            targets: movie ids being explained.

        Returns:
            float64 (len(targets), r); 0 where either movie is not modelled.
        """
        rated, rated_known = id_rows(self.movie_ids, np.asarray(movie_ids, dtype=np.int64))
        goal, goal_known = id_rows(self.movie_ids, np.fromiter(targets, dtype=np.int64))
        out = np.asarray(self.weights[np.ix_(rated, goal)], dtype=np.float64).T
        return out * goal_known[:, None] * rated_known[None, :]

    def save(self, directory: Path) -> None:
        """Write ``movie_ids.npy``, ``weights.npy`` and ``meta.json``."""
        meta = {"format": "ease", "format_version": FORMAT_VERSION, "params": asdict(self.params)}
        save_arrays(directory, {"movie_ids": self.movie_ids, "weights": self.weights}, meta)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> EASE:
        """Read a model written by :meth:`save` (memory-mapped by default)."""
        require_format(directory, "ease", FORMAT_VERSION)
        arrays, meta = load_arrays(directory, ("movie_ids", "weights"), mmap=mmap)
        arrays = plain_views(arrays)
        return cls(params=EASEParams(**meta["params"]), **arrays)


def ease_weights(matrix, *, l2: float) -> np.ndarray:
    """Solve EASE for a users × items matrix.

    Args:
        matrix: scipy sparse or dense (n_users, m), typically binary.
        l2: ridge penalty λ (> 0).

    Returns:
        float32 (m, m) weights with a zero diagonal.
    """
    if l2 <= 0:
        raise ValueError(f"l2 must be > 0, got {l2}")
    gram = np.asarray((matrix.T @ matrix).toarray() if hasattr(matrix, "toarray") else matrix.T @ matrix,
                      dtype=np.float64)
    gram[np.diag_indices_from(gram)] += l2
    # In place: the gram matrix is not needed afterwards, and at 10k movies each copy is 800 MB.
    precision = linalg.inv(gram, overwrite_a=True, check_finite=False)
    del gram
    precision /= -np.diag(precision)[None, :]
    np.fill_diagonal(precision, 0.0)
    return precision.astype(np.float32)
