"""Rating error for viewers the predictor never saw, folded in from a few of their ratings.

A new viewer's card stars come from a fold-in of their first ratings; this protocol measures
exactly that: cold users' ``known`` ratings folded in, RMSE on the rest, beside the bias
baseline (global mean + item bias + user bias) fitted on the same data, the bar to clear.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from recommendations.engine.data import MAX_SCORE, MIN_SCORE

from .protocols import cold_start_users

# Koren's damping of the item and user biases (pseudo-ratings at the mean), the textbook baseline.
ITEM_DAMPING, USER_DAMPING = 25.0, 10.0


class BiasBaseline:
    """Global mean + damped item bias + damped user bias, with the predictor contract's fold-in."""

    def __init__(self, ratings: pd.DataFrame) -> None:
        self.mean = float(ratings["score"].mean())
        offsets = ratings["score"] - self.mean
        grouped = offsets.groupby(ratings["movie_id"])
        self.item_bias = (grouped.sum() / (grouped.size() + ITEM_DAMPING)).to_dict()

    def fold_in(self, movie_ids: Sequence[int], scores: Sequence[float]) -> float:
        offsets = [s - self.mean - self.item_bias.get(int(m), 0.0) for m, s in zip(movie_ids, scores, strict=True)]
        return float(np.sum(offsets) / (len(offsets) + USER_DAMPING))

    def predict(self, user_bias: float, movie_ids: Sequence[int]) -> np.ndarray:
        raw = [self.mean + self.item_bias.get(int(m), 0.0) + user_bias for m in movie_ids]
        return np.clip(np.asarray(raw, dtype=np.float64), MIN_SCORE, MAX_SCORE)


def cold_user_rmse(
    ratings: pd.DataFrame,
    fit: Callable[[pd.DataFrame], Any],
    *,
    known: Sequence[int] = (5, 10, 20),
    seed: int = 42,
) -> list[dict[str, float]]:
    """RMSE of a predictor's stars for cold users given ``known`` ratings, beside the bias baseline.

    Args:
        ratings: ratings DataFrame.
        fit: training ratings → a predictor with ``fold_in(movie_ids, scores)`` and
            ``predict(user, movie_ids)`` (stars, NaN where it cannot say: scored as the baseline).
        known: ratings revealed per cold user.
        seed: the cold-user draw (``protocols.cold_start_users``); the same users at every count.

    Returns:
        One row per count: known, users, ratings (judged), rmse, baseline_rmse.
    """
    rows = []
    # The cold users and their reveal order depend on the seed only, so one fit serves every count.
    train = cold_start_users(ratings, known=max(known), seed=seed).train
    model, baseline = fit(train), BiasBaseline(train)
    for count in known:
        # Each cold user's ratings in the split's reveal order: the first ``count`` are known.
        shown = cold_start_users(ratings, known=count, seed=seed)
        errors, base_errors, users = [], [], 0
        for user_id, test in shown.test.groupby("user_id"):
            seen = shown.known[shown.known["user_id"] == user_id]
            if len(seen) < count or test.empty:
                continue
            users += 1
            ids, stars = seen["movie_id"].to_numpy(), seen["score"].to_numpy(dtype=np.float64)
            targets, truth = test["movie_id"].to_numpy(), test["score"].to_numpy(dtype=np.float64)
            base = baseline.predict(baseline.fold_in(ids, stars), targets)
            predicted = np.asarray(model.predict(model.fold_in(ids, stars), targets), dtype=np.float64)
            predicted = np.where(np.isnan(predicted), base, predicted)
            errors.append((predicted - truth) ** 2)
            base_errors.append((base - truth) ** 2)
        judged = np.concatenate(errors) if errors else np.empty(0)
        base_judged = np.concatenate(base_errors) if base_errors else np.empty(0)
        rows.append({"known": count, "users": users, "ratings": len(judged),
                     "rmse": float(np.sqrt(judged.mean())) if len(judged) else float("nan"),
                     "baseline_rmse": float(np.sqrt(base_judged.mean())) if len(base_judged) else float("nan")})
    return rows
