"""Accuracy metrics for rating prediction, shared by offline evaluation and the model registry."""
from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from .data import require_rating_columns


class KnownPredictor(Protocol):
    """Anything that predicts stars for (user, movie) pairs seen or unseen in training."""

    def predict_known(self, user_ids: np.ndarray, movie_ids: np.ndarray) -> np.ndarray: ...


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error.

    Args:
        y_true: true stars, shape (n,).
        y_pred: predicted stars, shape (n,), without NaN.

    Returns:
        RMSE in stars; NaN when n is 0.
    """
    errors = _errors(y_true, y_pred)
    return float(np.sqrt(np.mean(errors**2))) if len(errors) else float("nan")


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute error.

    Args:
        y_true: true stars, shape (n,).
        y_pred: predicted stars, shape (n,), without NaN.

    Returns:
        MAE in stars; NaN when n is 0.
    """
    errors = _errors(y_true, y_pred)
    return float(np.mean(np.abs(errors))) if len(errors) else float("nan")


def evaluate_predictions(model: KnownPredictor, test: pd.DataFrame) -> dict[str, float | int]:
    """Score a model on held-out ratings.

    Args:
        model: a fitted model with ``predict_known`` (e.g. ``SVDModel``).
        test: ratings DataFrame of held-out rows.

    Returns:
        ``{"rmse": float, "mae": float, "n": int}``.
    """
    require_rating_columns(test)
    y_true = test["score"].to_numpy(dtype=np.float64)
    y_pred = model.predict_known(
        test["user_id"].to_numpy(dtype=np.int64), test["movie_id"].to_numpy(dtype=np.int64)
    )
    return {"rmse": rmse(y_true, y_pred), "mae": mae(y_true, y_pred), "n": len(y_true)}


def _errors(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if true.shape != pred.shape:
        raise ValueError(f"{len(true)} true values but {len(pred)} predictions")
    return pred - true
