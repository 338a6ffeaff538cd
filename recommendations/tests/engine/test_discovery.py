from __future__ import annotations

import numpy as np
import pytest

from recommendations.engine.discovery import NEUTRAL, discovery_order, familiarity, popularity_ranks

from .test_hybrid import model  # noqa: F401 -- the module's fitted hybrid fixture


def test_familiarity_is_log_support_over_the_most_rated_with_thin_films_read_at_the_floor():
    known = familiarity(np.array([1000, 100, 10, 1, 0]), floor=10)
    assert known[0] == 1.0
    assert known[0] > known[1] > known[2]
    assert known[2] == known[3] == known[4]  # below the floor: all alike, never preferred for being unknown
    assert familiarity(np.array([0, 0]), floor=0).tolist() == [0.0, 0.0]


def test_the_dial_keeps_the_order_in_the_middle_and_moves_it_toward_either_end():
    scores = np.array([1.0, 0.9, 0.8, 0.7])
    known = np.array([0.2, 1.0, 0.1, 0.9])
    assert discovery_order(scores, known, discover=NEUTRAL, strength=2.0).tolist() == [0, 1, 2, 3]
    familiar = discovery_order(scores, known, discover=0.0, strength=2.0).tolist()
    discover = discovery_order(scores, known, discover=1.0, strength=2.0).tolist()
    assert familiar[:2] == [1, 3]  # the well-known films first
    assert discover[:2] == [0, 2]  # the little-known ones first
    assert discovery_order(scores, known, discover=1.0, strength=0.0).tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("discover", [-0.1, 1.01, float("nan")])
def test_the_dial_refuses_values_outside_0_to_1(discover):
    with pytest.raises(ValueError, match="between 0 and 1"):
        discovery_order(np.ones(2), np.ones(2), discover=discover, strength=1.0)


def test_popularity_ranks_count_from_the_most_rated():
    assert popularity_ranks(np.array([5, 50, 5, 500])).tolist() == [3, 2, 4, 1]


def test_the_hybrid_keeps_its_order_in_the_middle_and_its_stars_floor_at_both_ends(model):  # noqa: F811
    # (The shift itself is measured on ml-latest-small: recommendations/tests/test_personas.py.)
    history = {1: 5.0, 2: 4.5, 11: 1.0}
    floor = max(model.params.min_stars, np.mean(list(history.values())) - model.params.below_mean)
    assert [p.movie_id for p in model.recommend(history, n=3, discover=NEUTRAL)] == [
        p.movie_id for p in model.recommend(history, n=3)]
    for discover in (0.0, 1.0):
        for pick in model.recommend(history, n=2, discover=discover):
            assert pick.predicted_rating >= floor and pick.movie_id not in history
    with pytest.raises(ValueError, match="between 0 and 1"):
        model.recommend(history, discover=2.0)
