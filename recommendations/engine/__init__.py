"""The recommendation engine: pure numpy/pandas/scipy/surprise/scikit-learn, no Django.

DataFrames with real ids go in (see ``engine.data`` for the ratings convention); arrays, plain
dataclasses and DataFrames come out. Django code meets the engine only in
``recommendations/services.py``.
"""
from __future__ import annotations

from .arrays import artifact_checksum
from .blend import BlendModel, BlendParams
from .content import content_neighbours, movie_features
from .data import holdout_split, ratings_matrix, require_rating_columns
from .explain import Reason, reason_text
from .hybrid import HybridModel, HybridParams, Pick
from .metrics import evaluate_predictions, mae, rmse
from .popularity import most_popular, popularity_ranking
from .svd import SVDModel, SVDParams, UserVector

__all__ = [
    "BlendModel",
    "BlendParams",
    "HybridModel",
    "HybridParams",
    "Pick",
    "Reason",
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
    "reason_text",
    "require_rating_columns",
    "rmse",
]
