"""User-kNN: what the viewers who rated the same films as you went on to like.

The item models (EASE, the cold-start model) add up what each rated film says on its own; a
viewer with five ratings is also a *combination* of five films, and the few training viewers
who share that combination say something no sum of single films does. A viewer's neighbours
are the training viewers with the most in common with them, each shared film counting its
inverse document frequency ``idf_j = log((n + 1) / (raters_j + 1))`` (sharing an obscure film
says more than sharing Star Wars), times ``1 + liked_weight`` when both liked it (stars >=
``liked``). The ``neighbours`` closest each vote for every film they liked, with their similarity
as the vote's weight. Scoring reads only the raters of the viewer's films, so any viewer, new or
changed, is served from their ratings without retraining, and each vote splits exactly into
what each rated film earned it (explanations).

Validation and what else was tried: docs/recommendation-quality.md.

Only the ``max_users`` viewers who rated most recently are kept as possible neighbours (a live
site's newest tastes; on the synthetic 25M-rating bench the index is ~55 MB, fitted in 1.6 s,
and a request reads only the raters of a few films), and a heavy rater's similarity reads at
most ``max_seeds`` of their films, the rarest first (the signal's weight has faded long before:
it is for new viewers).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from .arrays import csr_segments, id_rows, load_arrays, plain_views, require_format, save_arrays
from .prepare import interaction_matrix

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1


@dataclass(frozen=True)
class UserKNNParams:
    """User-kNN hyper-parameters (chosen on validation, see the module docstring).

    Attributes:
        neighbours: most similar training viewers who vote (>= 1).
        liked_weight: extra weight of a shared film both liked, on top of having both rated it (>= 0).
        liked: stars at or above which a rating counts as "liked".
        max_users: training viewers kept as possible neighbours, the latest to rate first (>= 1).
        max_seeds: rated films a viewer's similarity reads at most, the rarest first (>= 1).
        disliked: stars at or below which a rated film counts against a viewer who liked it
            (a 1★ film never makes its fans "viewers like you"); one who saw it without liking it
            gains nothing from it.
    """

    neighbours: int = 30
    liked_weight: float = 3.0
    liked: float = 4.0
    max_users: int = 50_000
    max_seeds: int = 50
    disliked: float = 2.0

    def __post_init__(self) -> None:
        if self.neighbours < 1 or self.max_users < 1 or self.max_seeds < 1:
            raise ValueError("neighbours, max_users and max_seeds must be >= 1")
        if self.liked_weight < 0:
            raise ValueError(f"liked_weight must be >= 0, got {self.liked_weight}")


@dataclass(eq=False)
class UserKNN:
    """Who rated and liked what, indexed both ways.

    Attributes:
        movie_ids: int64 (m,) sorted, every film a kept viewer rated.
        idf: float32 (m,) each film's ``log((n + 1) / (raters + 1))`` over the n kept viewers.
        rater_indptr, rater_users, rater_liked: CSR (m rows) of each film's raters (viewer
            rows, int32) and whether they liked it (bool).
        liked_indptr, liked_movies: CSR (n rows) of each viewer's liked films (movie rows, int32).
        params: hyper-parameters.
    """

    movie_ids: np.ndarray
    idf: np.ndarray
    rater_indptr: np.ndarray
    rater_users: np.ndarray
    rater_liked: np.ndarray
    liked_indptr: np.ndarray
    liked_movies: np.ndarray
    params: UserKNNParams = UserKNNParams()

    @classmethod
    def fit(cls, ratings: pd.DataFrame, params: UserKNNParams = UserKNNParams()) -> UserKNN:  # noqa: B008
        """Index the ``max_users`` latest viewers' ratings.

        Args:
            ratings: ratings DataFrame; with a ``timestamp`` the latest viewers are kept, without
                one the most active (ties by lower user id).
            params: hyper-parameters.

        Returns:
            The fitted model.
        """
        started = time.perf_counter()
        users = ratings.groupby("user_id")
        order = users["timestamp"].max() if "timestamp" in ratings.columns else users.size()
        order = order.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        kept = ratings[ratings["user_id"].isin(order.index[: params.max_users])]
        movie_ids = np.unique(kept["movie_id"].to_numpy(dtype=np.int64))
        stars, _ = interaction_matrix(kept, movie_ids, values="score")
        stars = sparse.csr_matrix(stars)
        stars.eliminate_zeros()
        by_movie = stars.T.tocsr()
        by_movie.sort_indices()
        loved = stars.multiply(stars >= params.liked).tocsr()
        loved.eliminate_zeros()
        loved.sort_indices()
        raters = np.diff(by_movie.indptr)
        idf = np.log((stars.shape[0] + 1) / (raters + 1.0))
        logger.info("user-kNN fitted: %d viewers, %d movies in %.2f s", stars.shape[0], len(movie_ids),
                    time.perf_counter() - started)
        return cls(movie_ids=movie_ids, idf=idf.astype(np.float32),
                   rater_indptr=by_movie.indptr.astype(np.int64), rater_users=by_movie.indices.astype(np.int32),
                   rater_liked=by_movie.data >= params.liked,
                   liked_indptr=loved.indptr.astype(np.int64), liked_movies=loved.indices.astype(np.int32),
                   params=params)

    @property
    def n_users(self) -> int:
        return len(self.liked_indptr) - 1

    def score(self, movie_ids: np.ndarray, stars: np.ndarray) -> np.ndarray:
        """Scores of every movie for a viewer who gave ``stars`` to ``movie_ids``.

        Returns:
            float64 (m,) aligned with ``self.movie_ids``: the neighbours' similarity-weighted
            votes (>= 0); all zero when no kept viewer shares a film with them.
        """
        neighbours, similarity, _ = self._neighbours(movie_ids, stars)
        owner, positions = csr_segments(self.liked_indptr, neighbours)
        return np.bincount(self.liked_movies[positions], weights=similarity[owner], minlength=len(self.movie_ids))

    def contributions(self, movie_ids: np.ndarray, stars: np.ndarray, targets: Collection[int]) -> np.ndarray:
        """How much of each target's score each rated movie earned (its share of the votes).

        Returns:
            float64 (len(targets), len(movie_ids)); rows sum to the targets' scores.
        """
        movie_ids = np.asarray(movie_ids, dtype=np.int64)
        neighbours, _, (raters, rated, weight) = self._neighbours(movie_ids, stars)
        # Each neighbour's similarity split by the rated movie that earned it: (k, rated).
        slot = np.full(self.n_users, -1, dtype=np.int64)
        slot[neighbours] = np.arange(len(neighbours))
        near = slot[raters] >= 0
        shares = np.zeros((len(neighbours), len(movie_ids)))
        np.add.at(shares, (slot[raters[near]], rated[near]), weight[near])
        goal, goal_known = id_rows(self.movie_ids, np.fromiter(targets, dtype=np.int64))
        owner, positions = csr_segments(self.liked_indptr, neighbours)
        voted = sparse.csr_matrix((np.ones(len(positions)), (owner, self.liked_movies[positions])),
                                  shape=(len(neighbours), len(self.movie_ids)))
        likes = voted[:, goal].toarray()  # (k, targets)
        out = likes.T @ shares  # (targets, rated)
        return out * goal_known[:, None]

    def _neighbours(
        self, movie_ids: np.ndarray, stars: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The closest viewers' rows and similarities, and the ties they were summed from.

        Returns:
            ``(neighbours, similarity, (raters, rated, weight))``: the ties are one entry per
            (viewer, shared film): the viewer's row, the film's position in ``movie_ids`` and
            what it added to that viewer's similarity (``contributions`` splits the votes by them).
        """
        movie_ids = np.asarray(movie_ids, dtype=np.int64)
        rows, known = id_rows(self.movie_ids, movie_ids)
        loves = np.asarray(stars, dtype=np.float64) >= self.params.liked
        seeds = np.flatnonzero(known)
        if len(seeds) > self.params.max_seeds:
            rarest = np.argsort(-self.idf[rows[seeds]], kind="stable")[: self.params.max_seeds]
            seeds = np.sort(seeds[rarest])
        owner, positions = csr_segments(self.rater_indptr, rows[seeds])
        raters = self.rater_users[positions]
        weight = self.idf[rows[seeds]][owner].astype(np.float64)
        their_like = self.rater_liked[positions]
        weight *= 1.0 + self.params.liked_weight * (their_like & loves[seeds][owner])
        hates = (np.asarray(stars, dtype=np.float64) <= self.params.disliked)[seeds][owner]
        weight[hates] *= -(1.0 + self.params.liked_weight) * their_like[hates]
        similarity = np.bincount(raters, weights=weight, minlength=self.n_users)
        k = min(self.params.neighbours, self.n_users)
        top = np.argpartition(-similarity, k - 1)[:k] if k < self.n_users else np.arange(self.n_users)
        top = np.sort(top[similarity[top] > 0])
        return top, similarity[top], (raters, seeds[owner], weight)

    def save(self, directory: Path) -> None:
        """Write the index arrays and ``meta.json``."""
        meta = {"format": "userknn", "format_version": FORMAT_VERSION, "params": asdict(self.params)}
        save_arrays(directory, {name: getattr(self, name) for name in _ARRAYS}, meta)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> UserKNN:
        """Read a model written by :meth:`save` (memory-mapped by default)."""
        meta = require_format(directory, "userknn", FORMAT_VERSION)
        arrays, meta = load_arrays(directory, _ARRAYS, mmap=mmap)
        return cls(params=UserKNNParams(**meta["params"]), **plain_views(arrays))


_ARRAYS = ("movie_ids", "idf", "rater_indptr", "rater_users", "rater_liked", "liked_indptr", "liked_movies")
