"""Content ranker: movies whose metadata resembles what the user liked.

The user's taste is the sum of the TF-IDF rows (see ``engine.content.movie_features``) of the
movies they rated, each weighted by how much more than their own average they liked it, so a
1-star rating pushes away from a movie's genres and words. A movie's score is its dot product
with that taste. It needs no other viewer, so it ranks movies nobody has rated yet (cold-start
movies) and gives a new user something beyond popularity; it also names the genre behind a pick.
"""
from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from .arrays import csr_segments, id_rows, load_arrays, plain_views, require_format, save_arrays
from .content import DEFAULT_FIELD_WEIGHTS, movie_features
from .data import NO_GENRES

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
_ARRAYS = ("movie_ids", "indptr", "indices", "values", "genre_indptr", "genre_indices")
# A rating this far above the user's mean counts fully; with a single rating (mean = that
# rating) every movie would weigh 0, so the weight is measured from the scale's midpoint too.
MIDPOINT = 3.0


@dataclass(eq=False)
class ContentRanker:
    """Movie feature rows and genres.

    Attributes:
        movie_ids: int64 (n,) sorted.
        indptr, indices, values: CSR (n, n_features) float32 TF-IDF rows (norm <= 1).
        genre_indptr, genre_indices: CSR (n, len(genres)) of each movie's genres.
        genres: genre names, column order of the genre matrix.
    """

    movie_ids: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    genre_indptr: np.ndarray
    genre_indices: np.ndarray
    genres: list[str]
    n_features: int

    @classmethod
    def fit(cls, movies: pd.DataFrame, *, weights: Mapping[str, float] = DEFAULT_FIELD_WEIGHTS) -> ContentRanker:
        """Vectorise a movies DataFrame.

        Args:
            movies: ``movie_id``, ``title``, ``genres`` (list[str]) and optionally ``tags``, ``overview``.
            weights: field weights, as for ``movie_features``.

        Returns:
            The ranker.
        """
        movies = movies.drop_duplicates("movie_id").sort_values("movie_id", kind="stable")
        features = movie_features(movies, weights=weights).tocsr()
        features.sort_indices()
        genre_lists = [_genres(v) for v in movies["genres"].tolist()]
        names = sorted({g for gs in genre_lists for g in gs})
        column = {g: c for c, g in enumerate(names)}
        lengths = [len(set(gs)) for gs in genre_lists]
        genre_indices = np.array([column[g] for gs in genre_lists for g in sorted(set(gs))], dtype=np.int32)
        return cls(
            movie_ids=movies["movie_id"].to_numpy(dtype=np.int64),
            indptr=features.indptr.astype(np.int64), indices=features.indices.astype(np.int32),
            values=features.data.astype(np.float32),
            genre_indptr=np.r_[0, np.cumsum(lengths)].astype(np.int64), genre_indices=genre_indices,
            genres=names, n_features=int(features.shape[1]),
        )

    @property
    def features(self) -> sparse.csr_matrix:
        return sparse.csr_matrix((self.values, self.indices, self.indptr), shape=(len(self.movie_ids), self.n_features))

    def taste_weights(self, stars: np.ndarray) -> np.ndarray:
        """Weight of each rated movie in the taste: stars above the user's mean and the midpoint."""
        stars = np.asarray(stars, dtype=np.float64)
        if len(stars) == 0:
            return stars
        return stars - (stars.mean() + MIDPOINT) / 2

    def score(self, movie_ids: np.ndarray, stars: np.ndarray) -> np.ndarray:
        """Scores of every movie for a user who gave ``stars`` to ``movie_ids``.

        Returns:
            float64 (n,) aligned with ``self.movie_ids``; 0 for a user with no known movie.
        """
        rows, known = id_rows(self.movie_ids, np.asarray(movie_ids, dtype=np.int64))
        weights = self.taste_weights(np.asarray(stars, dtype=np.float64)[known])
        if len(weights) == 0:
            return np.zeros(len(self.movie_ids))
        features = self.features
        taste = features[rows[known]].T @ weights
        return np.asarray(features @ taste, dtype=np.float64).ravel()

    def contributions(self, movie_ids: np.ndarray, stars: np.ndarray, targets: Collection[int]) -> np.ndarray:
        """Share of each rated movie in each target's score, shape (len(targets), len(movie_ids))."""
        rated, rated_known = id_rows(self.movie_ids, np.asarray(movie_ids, dtype=np.int64))
        goal, goal_known = id_rows(self.movie_ids, np.fromiter(targets, dtype=np.int64))
        features = self.features
        similarity = (features[goal] @ features[rated].T).toarray().astype(np.float64)
        weights = np.zeros(len(rated))
        weights[rated_known] = self.taste_weights(np.asarray(stars, dtype=np.float64)[rated_known])
        return similarity * weights[None, :] * goal_known[:, None] * rated_known[None, :]

    def movie_genres(self, movie_id: int) -> list[str]:
        """Genre names of one movie (empty when unknown)."""
        rows, known = id_rows(self.movie_ids, np.array([movie_id], dtype=np.int64))
        if not known[0]:
            return []
        start, stop = int(self.genre_indptr[rows[0]]), int(self.genre_indptr[rows[0] + 1])
        return [self.genres[int(c)] for c in self.genre_indices[start:stop]]

    def genre_taste(self, movie_ids: np.ndarray, stars: np.ndarray) -> np.ndarray:
        """How much the user likes each genre: summed taste weights, float64 (len(genres),)."""
        rows, known = id_rows(self.movie_ids, np.asarray(movie_ids, dtype=np.int64))
        weights = self.taste_weights(np.asarray(stars, dtype=np.float64)[known])
        owner, positions = csr_segments(self.genre_indptr, rows[known])
        genres = np.asarray(self.genre_indices)[positions]
        return np.bincount(genres, weights=weights[owner], minlength=len(self.genres)).astype(np.float64)

    def save(self, directory: Path) -> None:
        """Write the CSR arrays and ``meta.json`` (with the genre names)."""
        meta = {"format": "content", "format_version": FORMAT_VERSION, "genres": self.genres,
                "n_features": self.n_features}
        save_arrays(directory, {name: getattr(self, name) for name in _ARRAYS}, meta)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> ContentRanker:
        """Read a ranker written by :meth:`save`."""
        require_format(directory, "content", FORMAT_VERSION)
        arrays, meta = load_arrays(directory, _ARRAYS, mmap=mmap)
        arrays = plain_views(arrays)
        return cls(genres=list(meta["genres"]), n_features=int(meta["n_features"]), **arrays)


def _genres(value: object) -> list[str]:
    if value is None or isinstance(value, float):
        return []
    names = [value] if isinstance(value, str) else [str(v) for v in value]
    return [g for g in names if g and g not in NO_GENRES]
