from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.itemknn import ItemKNN, ItemKNNParams


def ratings() -> pd.DataFrame:
    # u1 and u2 watched A (1) and B (2); u3 watched A and C (3).
    return pd.DataFrame({"user_id": [1, 1, 2, 2, 3, 3], "movie_id": [1, 2, 1, 2, 1, 3], "score": 4.0})


def test_it_scores_by_cosine_of_who_watched_what():
    model = ItemKNN.fit(ratings(), ItemKNNParams(k=5, shrinkage=0))
    # sim(A, B) = 2 / sqrt(3 · 2); sim(A, C) = 1 / sqrt(3 · 1); B and C share nobody
    assert model.score(np.array([1])).tolist() == pytest.approx([0.0, 2 / math.sqrt(6), 1 / math.sqrt(3)], rel=1e-6)
    assert model.score(np.array([2, 3])).tolist() == pytest.approx([2 / math.sqrt(6) + 1 / math.sqrt(3), 0, 0],
                                                                   rel=1e-6)


def test_it_keeps_only_k_neighbours_per_movie():
    model = ItemKNN.fit(ratings(), ItemKNNParams(k=1, shrinkage=0))
    assert model.matrix.getnnz(axis=1).tolist() == [1, 1, 1]
    # A keeps only B, so a viewer of C gains nothing for A... but C keeps A, and B keeps A.
    assert model.score(np.array([3]))[0] == 0.0
    assert model.score(np.array([1]))[2] == pytest.approx(1 / math.sqrt(3), rel=1e-6)


def test_it_shrinks_similarities_resting_on_few_co_raters():
    plain = ItemKNN.fit(ratings(), ItemKNNParams(k=5, shrinkage=0)).score(np.array([1]))
    shrunk = ItemKNN.fit(ratings(), ItemKNNParams(k=5, shrinkage=1)).score(np.array([1]))
    assert shrunk[1] == pytest.approx(plain[1] * 2 / 3, rel=1e-6)  # 2 co-raters: × 2 / (2 + 1)
    assert shrunk[2] == pytest.approx(plain[2] * 1 / 2, rel=1e-6)  # 1 co-rater: × 1 / (1 + 1)


def test_it_names_the_rated_movie_behind_each_score():
    model = ItemKNN.fit(ratings(), ItemKNNParams(k=5, shrinkage=0))
    contributions = model.contributions(np.array([1, 2]), [3])
    np.testing.assert_allclose(contributions, [[1 / math.sqrt(3), 0.0]], rtol=1e-6)


def test_it_round_trips_through_npy_files(tmp_path):
    model = ItemKNN.fit(ratings())
    model.save(tmp_path)
    loaded = ItemKNN.load(tmp_path)
    assert np.array_equal(loaded.score(np.array([1])), model.score(np.array([1])))
    assert loaded.params == model.params
