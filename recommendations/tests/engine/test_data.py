from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.data import holdout_split, ratings_matrix, require_rating_columns


def test_it_splits_every_row_into_exactly_one_part(ratings):
    train, test = holdout_split(ratings, test_fraction=0.25, seed=1)
    assert len(test) == 32
    assert len(train) == 96
    assert set(train.index).isdisjoint(test.index)
    assert sorted([*train.index, *test.index]) == list(ratings.index)


def test_it_splits_the_same_way_for_the_same_seed(ratings):
    first = holdout_split(ratings, seed=5)[1]
    assert first.index.equals(holdout_split(ratings, seed=5)[1].index)
    assert not first.index.equals(holdout_split(ratings, seed=6)[1].index)


def test_it_keeps_row_order_and_columns(ratings):
    train, test = holdout_split(ratings)
    assert list(train.columns) == list(ratings.columns)
    assert train.index.is_monotonic_increasing
    assert test.index.is_monotonic_increasing


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_it_refuses_a_test_fraction_outside_0_1(ratings, fraction):
    with pytest.raises(ValueError):
        holdout_split(ratings, test_fraction=fraction)


def test_it_builds_a_users_by_movies_matrix_with_sorted_real_ids():
    ratings = pd.DataFrame({"user_id": [7, 3, 7], "movie_id": [50, 50, 10], "score": [4.5, 2.0, 1.0]})
    matrix, user_ids, movie_ids = ratings_matrix(ratings)
    assert user_ids.tolist() == [3, 7]
    assert movie_ids.tolist() == [10, 50]
    assert user_ids.dtype == np.int64
    assert matrix.format == "csr"
    assert matrix.toarray().tolist() == [[0.0, 2.0], [1.0, 4.5]]


def test_it_names_missing_rating_columns():
    with pytest.raises(ValueError, match="score"):
        require_rating_columns(pd.DataFrame({"user_id": [1], "movie_id": [2], "rating": [3.0]}))
