from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from recommendations.engine.ease import EASE, EASEParams, ease_weights


def test_it_solves_two_movies_by_hand():
    # Users: {A, B} and {A}. Gram [[2, 1], [1, 1]]; with λ = 1 each weight is a one-variable
    # ridge regression: B from A = 1 / (2 + 1), A from B = 1 / (1 + 1).
    weights = ease_weights(sparse.csr_matrix([[1, 1], [1, 0]], dtype=np.float32), l2=1.0)
    np.testing.assert_allclose(weights, [[0.0, 1 / 3], [1 / 2, 0.0]], rtol=1e-6)


def test_it_scores_a_new_user_by_summing_the_rows_of_what_they_rated():
    ratings = pd.DataFrame({"user_id": [1, 1, 2], "movie_id": [10, 20, 10], "score": [5.0, 1.0, 3.0]})
    model = EASE.fit(ratings, EASEParams(l2=1.0))
    assert model.movie_ids.tolist() == [10, 20]
    assert model.score(np.array([10])).tolist() == pytest.approx([0.0, 1 / 3])
    assert model.score(np.array([10, 20, 999])).tolist() == pytest.approx([0.5, 1 / 3])
    assert model.score(np.array([], dtype=np.int64)).tolist() == [0.0, 0.0]
    contributions = model.contributions(np.array([10, 999]), [20, 10])
    np.testing.assert_allclose(contributions, [[1 / 3, 0.0], [0.0, 0.0]], rtol=1e-6)


def test_it_models_only_the_most_rated_movies():
    ratings = pd.DataFrame({"user_id": [1, 2, 3, 1, 2, 1], "movie_id": [30, 30, 30, 10, 10, 20], "score": 4.0})
    model = EASE.fit(ratings, EASEParams(l2=1.0, max_items=2))
    assert model.movie_ids.tolist() == [10, 30]


def test_it_round_trips_through_npy_files(tmp_path):
    ratings = pd.DataFrame({"user_id": [1, 1, 2], "movie_id": [10, 20, 10], "score": 4.0})
    model = EASE.fit(ratings, EASEParams(l2=2.0))
    model.save(tmp_path)
    loaded = EASE.load(tmp_path)
    assert isinstance(loaded.weights.base, np.memmap)  # mapped, not copied
    assert not loaded.weights.flags.writeable
    assert loaded.params == model.params
    assert np.array_equal(loaded.score(np.array([10])), model.score(np.array([10])))


def test_it_refuses_a_non_positive_penalty():
    with pytest.raises(ValueError):
        ease_weights(np.eye(2), l2=0.0)


def test_a_disliked_film_counts_against_its_neighbours():
    ratings = pd.DataFrame({"user_id": [1, 1, 2], "movie_id": [10, 20, 10], "score": [5.0, 1.0, 3.0]})
    model = EASE.fit(ratings, EASEParams(l2=1.0))
    # Signed: row 10 minus half of row 20 (weights [0, 1/3] and [1/2, 0]).
    assert model.score(np.array([10, 20]), np.array([1.0, -0.5])).tolist() == pytest.approx([-0.25, 1 / 3])
    assert model.score(np.array([20]), np.array([0.0])).tolist() == [0.0, 0.0]  # a lukewarm film says nothing
