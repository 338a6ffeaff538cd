from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.prepare import (
    interaction_matrix,
    seed_profile,
    user_centered,
    user_profile,
)


def frame(rows: list[tuple[int, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["user_id", "movie_id", "score"])


def test_it_centres_each_user_on_their_mean():
    centred = user_centered(frame([(1, 10, 4.0), (1, 20, 2.0), (2, 10, 5.0)]))
    assert centred["score"].tolist() == [1.0, -1.0, 0.0]
    assert centred["user_mean"].tolist() == [3.0, 3.0, 5.0]


def test_it_builds_the_interaction_matrix_against_a_catalogue():
    ratings = frame([(7, 20, 4.0), (3, 20, 2.0), (7, 10, 1.0), (7, 99, 5.0)])
    catalogue = np.array([10, 20, 30])
    binary, users = interaction_matrix(ratings, catalogue)
    assert users.tolist() == [3, 7]
    assert binary.toarray().tolist() == [[0, 1, 0], [1, 1, 0]]  # movie 99 is outside the catalogue
    stars, _ = interaction_matrix(ratings, catalogue, values="score")
    assert stars.toarray().tolist() == [[0, 2, 0], [1, 4, 0]]
    centred, _ = interaction_matrix(ratings, catalogue, values="centered")
    assert centred.toarray()[1].tolist() == pytest.approx([-2.3333333, 0.6666667, 0.0])


def test_it_maps_a_users_ratings_onto_the_catalogue_and_keeps_unknown_ids_apart():
    profile = user_profile(np.array([10, 20, 30]), {30: 5.0, 99: 1.0, 10: 2.0})
    assert profile.movie_ids.tolist() == [30, 10]
    assert profile.rows.tolist() == [2, 0]
    assert profile.scores.tolist() == [5.0, 2.0]
    assert profile.unknown.tolist() == [99]
    assert profile.mean == 3.5


def test_a_heavy_raters_seeds_are_their_newest_half_and_best_rated_rest_in_their_order():
    catalogue = np.arange(1, 11)
    # Newest first: 7 and 3 are the newest; of the rest, 9 (5★) and 1 (4.5★, listed before 5) are the best.
    history = {7: 1.0, 3: 2.0, 5: 4.5, 9: 5.0, 1: 4.5, 2: 3.0, 99: 5.0}
    profile = user_profile(catalogue, history)
    seeds = seed_profile(profile, limit=4, newest_first=True)
    assert seeds.movie_ids.tolist() == [7, 3, 5, 9]
    assert seeds.scores.tolist() == [1.0, 2.0, 4.5, 5.0]
    assert seeds.rows.tolist() == [6, 2, 4, 8]
    assert seeds.unknown.tolist() == [99]


def test_seeds_are_the_best_rated_when_the_order_is_unknown():
    profile = user_profile(np.arange(1, 11), {7: 1.0, 3: 2.0, 5: 4.5, 9: 5.0, 1: 4.5, 2: 3.0})
    assert seed_profile(profile, limit=3).movie_ids.tolist() == [5, 9, 1]  # ties: the earlier listed


def test_every_rating_seeds_a_profile_within_the_limit_or_without_one():
    profile = user_profile(np.arange(1, 11), {7: 1.0, 3: 2.0, 5: 4.5})
    assert seed_profile(profile, limit=3, newest_first=True) is profile
    assert seed_profile(profile, limit=0) is profile
