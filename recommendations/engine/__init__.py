"""The recommendation engine: pure numpy/pandas/scipy/surprise/scikit-learn, no Django.

DataFrames with real ids go in (see ``engine.data`` for the ratings convention); arrays, plain
dataclasses and DataFrames come out. Django code meets the engine only in
``recommendations/services.py``.
"""
from __future__ import annotations

from .arrays import artifact_checksum
from .content import content_neighbours, movie_features
from .data import holdout_split, ratings_matrix, require_rating_columns
from .metrics import evaluate_predictions, mae, rmse
from .popularity import most_popular, popularity_ranking
from .svd import SVDModel, SVDParams, UserVector

__all__ = [
    "SVDModel",
    "SVDParams",
    "UserVector",
    "artifact_checksum",
    "content_neighbours",
    "evaluate_predictions",
    "holdout_split",
    "mae",
    "most_popular",
    "movie_features",
    "popularity_ranking",
    "ratings_matrix",
    "require_rating_columns",
    "rmse",
]
