"""Taste-fidelity evaluation: personas, liked/disliked shares and cold users' rating error."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.evaluation.cold_rmse import BiasBaseline, cold_user_rmse
from recommendations.engine.evaluation.personas import Persona, persona_report, personas_build
from recommendations.engine.evaluation.ranking import taste_shares
from recommendations.engine.hybrid import Pick


def test_taste_shares_count_only_the_picks_the_viewer_rated():
    assert taste_shares([1, 2, 3, 4], {1: 5.0, 2: 1.0, 3: 3.0, 9: 5.0}) == {
        "liked_share": pytest.approx(1 / 3), "disliked_share": pytest.approx(1 / 3)}
    shares = taste_shares([7, 8], {1: 5.0})
    assert math.isnan(shares["liked_share"]) and math.isnan(shares["disliked_share"])


def catalogue() -> tuple[pd.DataFrame, pd.DataFrame]:
    movies = pd.DataFrame({"movie_id": [1, 2, 3, 4, 5], "title": list("ABCDE"),
                           "genres": [["Horror"], ["Horror"], ["Comedy"], ["Comedy"], ["Horror", "Comedy"]]})
    ratings = pd.DataFrame({"user_id": [1, 1, 1, 2, 2, 3], "movie_id": [1, 3, 4, 3, 2, 3], "score": 4.0})
    return movies, ratings


def test_a_persona_loves_its_genres_most_rated_films_and_dislikes_the_most_rated_others():
    movies, ratings = catalogue()
    personas = personas_build(ratings, movies, genres=["Horror", "Western"], loved=2, disliked=1)
    assert personas == [Persona(genre="Horror", ratings={1: 5.0, 2: 5.0, 3: 1.0})]  # no Western films at all


class Fixed:
    def __init__(self, picks):
        self.picks = picks

    def recommend(self, ratings, *, n):
        return self.picks[:n]


def test_a_persona_report_judges_genre_stars_rated_films_and_reasons():
    from recommendations.engine.explain import RATED, Reason

    movies, _ = catalogue()
    persona = Persona(genre="Horror", ratings={1: 5.0, 3: 1.0})
    picks = [Pick(2, 1.0, 4.0, (Reason(RATED, movie_id=3, stars=1.0),)), Pick(4, 0.5, 3.0, ()),
             Pick(1, 0.2, 4.5, (Reason(RATED, movie_id=1, stars=5.0),))]
    [row] = persona_report(Fixed(picks), [persona], movies, n=3)
    assert row["in_genre"] == pytest.approx(2 / 3)
    assert (row["min_stars"], row["mean_stars"]) == (3.0, pytest.approx(11.5 / 3))
    assert (row["rated_shown"], row["bad_reasons"]) == (1, 1)


def test_the_bias_baseline_judged_against_itself_scores_its_own_rmse(shared_datasets):
    from catalog.movielens import read_movielens

    ratings = read_movielens("ml-100k", shared_datasets / "ml-100k").ratings.astype({"user_id": "int64",
                                                                                     "movie_id": "int64"})
    rows = cold_user_rmse(ratings, BiasBaseline, known=(5, 20))
    assert [r["known"] for r in rows] == [5, 20]
    for row in rows:
        assert row["users"] > 150 and row["ratings"] > 10_000
        assert row["rmse"] == pytest.approx(row["baseline_rmse"])
    assert rows[1]["baseline_rmse"] < rows[0]["baseline_rmse"]  # more known ratings, a better user bias


def test_the_bias_baseline_damps_a_users_bias_by_ten_pseudo_ratings():
    ratings = pd.DataFrame({"user_id": [1, 2], "movie_id": [10, 10], "score": [4.0, 2.0]})
    model = BiasBaseline(ratings)
    assert model.item_bias == {10: 0.0}
    bias = model.fold_in([10, 10], [5.0, 5.0])
    assert bias == pytest.approx(4.0 / 12)
    np.testing.assert_allclose(model.predict(bias, [10, 99]), [3.0 + 4 / 12] * 2)
