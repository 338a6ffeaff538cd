from __future__ import annotations

from recommendations.engine.evaluation.protocols import kfold
from recommendations.engine.evaluation.tuning import grid_search
from recommendations.engine.svd import SVDModel, SVDParams
from recommendations.tests.engine.conftest import two_taste_ratings


def test_it_scores_every_combination_best_first():
    splits = kfold(two_taste_ratings(), k=2, seed=0)
    rows = grid_search(lambda params, split: SVDModel.fit(split.train, params),
                       SVDParams(n_factors=2, n_epochs=30), {"reg_all": [0.02, 5.0], "lr_all": [0.01]}, splits)
    assert sorted((r["reg_all"], r["lr_all"]) for r in rows) == [(0.02, 0.01), (5.0, 0.01)]
    assert rows[0]["rmse"] <= rows[1]["rmse"]
    assert set(rows[0]) == {"reg_all", "lr_all", "rmse", "mae", "fit_seconds"}
