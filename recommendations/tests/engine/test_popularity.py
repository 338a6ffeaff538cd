from __future__ import annotations

import math

import pandas as pd
import pytest

from recommendations.engine.popularity import most_popular, popularity_ranking


def ratings_of(counts_and_scores: dict[int, list[float]]) -> pd.DataFrame:
    rows = [
        (user, movie, score)
        for movie, scores in counts_and_scores.items()
        for user, score in enumerate(scores, start=1)
    ]
    return pd.DataFrame(rows, columns=["user_id", "movie_id", "score"])


def test_it_damps_a_few_ratings_towards_the_global_mean():
    ranking = popularity_ranking(ratings_of({1: [5.0], 2: [3.0, 3.0, 3.0]}), damping=2)
    # global mean (5 + 9) / 4 = 3.5; movie 1: (5 + 2·3.5) / (1 + 2) = 4
    assert ranking.loc[1, "damped_mean"] == pytest.approx(4.0)
    assert ranking.loc[1, "mean"] == 5.0
    assert ranking.loc[2, "count"] == 3
    assert ranking.loc[1, "score"] == pytest.approx(4.0 * math.log(2))


def test_it_puts_a_widely_liked_movie_above_a_single_five_star_rating():
    ranking = popularity_ranking(ratings_of({1: [5.0], 2: [4.0] * 50, 3: [2.0] * 50}))
    assert ranking.index.tolist() == [2, 3, 1]
    assert ranking.index.name == "movie_id"


def test_it_skips_excluded_movies_and_tops_up_to_n():
    ranking = popularity_ranking(ratings_of({1: [4.0] * 5, 2: [4.0] * 4, 3: [4.0] * 3, 4: [4.0] * 2}))
    assert most_popular(ranking, n=2) == [1, 2]
    assert most_popular(ranking, n=2, exclude={1}) == [2, 3]
    assert most_popular(ranking, n=10, exclude=[2]) == [1, 3, 4]


def test_it_breaks_popularity_ties_by_movie_id():
    ranking = popularity_ranking(ratings_of({30: [4.0, 4.0], 10: [4.0, 4.0], 20: [4.0, 4.0]}))
    assert most_popular(ranking, n=3) == [10, 20, 30]


def test_it_does_not_trust_the_order_it_is_given():
    ranking = popularity_ranking(ratings_of({1: [4.0] * 5, 2: [4.0] * 4}))
    assert most_popular(ranking.sort_index(ascending=False), n=1) == [1]


def test_it_ranks_nothing_without_ratings():
    ranking = popularity_ranking(pd.DataFrame({"user_id": [], "movie_id": [], "score": []}))
    assert ranking.empty
    assert list(ranking.columns) == ["count", "mean", "damped_mean", "score"]
    assert most_popular(ranking, n=5) == []
