"""Surprise algorithms kept as offline options for comparison (SVD++, Surprise's own KNNBaseline).

They are not servable (no fold-in, no artifact) and SVD++ alone takes ~10 s per ml-100k fold,
over the training budget, so the site serves ``engine.blend`` instead; the quality benchmark
still measures them beside it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .data import MAX_SCORE, MIN_SCORE, require_rating_columns

OPTIONS = ("svdpp", "surprise-knn-baseline")


@dataclass(eq=False)
class SurprisePredictor:
    """A fitted Surprise algorithm behind the engine's ``predict_known``."""

    name: str
    algorithm: Any
    fit_seconds: float

    @classmethod
    def fit(cls, ratings: pd.DataFrame, name: str, *, seed: int = 42) -> SurprisePredictor:
        """Train one of ``OPTIONS`` on a ratings DataFrame.

        Args:
            ratings: ratings DataFrame, not empty.
            name: ``"svdpp"`` (Surprise defaults, ``cache_ratings=True``) or ``"surprise-knn-baseline"``
                (item-based, pearson_baseline, k = 40).
            seed: random state where the algorithm has one.
        """
        from surprise import Dataset, KNNBaseline, Reader, SVDpp

        require_rating_columns(ratings)
        if name == "svdpp":
            algorithm = SVDpp(random_state=seed, cache_ratings=True)
        elif name == "surprise-knn-baseline":
            algorithm = KNNBaseline(k=40, sim_options={"name": "pearson_baseline", "user_based": False},
                                    verbose=False)
        else:
            raise ValueError(f"unknown Surprise option {name!r}; known: {OPTIONS}")
        frame = pd.DataFrame({c: ratings[c].to_numpy() for c in ("user_id", "movie_id", "score")})
        started = time.perf_counter()
        trainset = Dataset.load_from_df(frame, Reader(rating_scale=(MIN_SCORE, MAX_SCORE))).build_full_trainset()
        algorithm.fit(trainset)
        return cls(name=name, algorithm=algorithm, fit_seconds=time.perf_counter() - started)

    def predict_known(self, user_ids: np.ndarray, movie_ids: np.ndarray) -> np.ndarray:
        """Stars in [0.5, 5] for (user, movie) pairs; Surprise's own fallbacks for unknowns."""
        return np.array([self.algorithm.predict(int(u), int(m)).est for u, m in zip(user_ids, movie_ids, strict=True)])
