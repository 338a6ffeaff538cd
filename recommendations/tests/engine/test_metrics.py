from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.metrics import evaluate_predictions, mae, rmse


def test_it_computes_rmse_and_mae_by_hand():
    # errors +1, -1, +2: squares 1, 1, 4 -> sqrt(2); absolute 1, 1, 2 -> 4/3
    assert rmse([3.0, 4.0, 1.0], [4.0, 3.0, 3.0]) == pytest.approx(np.sqrt(2))
    assert mae([3.0, 4.0, 1.0], [4.0, 3.0, 3.0]) == pytest.approx(4 / 3)


def test_it_gives_nan_for_no_predictions():
    assert np.isnan(rmse([], []))
    assert np.isnan(mae([], []))


def test_it_refuses_misaligned_inputs():
    with pytest.raises(ValueError):
        rmse([1.0, 2.0], [1.0])


class AlwaysThree:
    def predict_known(self, user_ids, movie_ids):
        return np.full(len(user_ids), 3.0)


def test_it_evaluates_a_model_on_held_out_ratings():
    test = pd.DataFrame({"user_id": [1, 2], "movie_id": [10, 20], "score": [5.0, 2.0]})
    assert evaluate_predictions(AlwaysThree(), test) == {
        "rmse": pytest.approx(np.sqrt(2.5)),
        "mae": pytest.approx(1.5),
        "n": 2,
    }
