"""Behaviour every recommender in the engine must show, whatever its algorithm.

A test class inherits ``RecommenderContract`` and provides the fixtures ``fit`` (ratings
DataFrame -> fitted model) and ``ratings`` (the training data); the model must offer
``fold_in``, ``predict``, ``recommend``, ``predict_known``, ``save`` and ``load``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

UNKNOWN_MOVIE = 987_654
UNKNOWN_USER = 876_543


class RecommenderContract:
    def test_it_scores_an_unknown_user_with_the_baseline(self, fit, ratings: pd.DataFrame):
        model = fit(ratings)
        movies = np.unique(ratings["movie_id"])
        nobody = model.fold_in([], [])
        assert np.allclose(model.predict(nobody, movies), model.predict(None, movies))
        assert np.allclose(model.predict_known(np.full(len(movies), UNKNOWN_USER), movies),
                           model.predict(None, movies))

    def test_it_returns_nan_for_an_unknown_movie_instead_of_raising(self, fit, ratings: pd.DataFrame):
        model = fit(ratings)
        user = model.fold_in(ratings["movie_id"][:3], ratings["score"][:3])
        predicted = model.predict(user, [UNKNOWN_MOVIE, int(ratings["movie_id"].iloc[0])])
        assert np.isnan(predicted[0])
        assert 0.5 <= predicted[1] <= 5.0

    def test_it_ignores_unknown_movies_when_folding_in(self, fit, ratings: pd.DataFrame):
        model = fit(ratings)
        ids, stars = ratings["movie_id"][:3].tolist(), ratings["score"][:3].tolist()
        with_unknown = model.fold_in([*ids, UNKNOWN_MOVIE], [*stars, 0.5])
        movies = np.unique(ratings["movie_id"])
        assert np.allclose(model.predict(with_unknown, movies), model.predict(model.fold_in(ids, stars), movies))

    def test_it_never_recommends_excluded_movies(self, fit, ratings: pd.DataFrame):
        model = fit(ratings)
        movies = np.unique(ratings["movie_id"])
        excluded = set(movies[::2].tolist())
        recommended = model.recommend(None, n=len(movies), exclude=excluded)
        assert {movie for movie, _ in recommended}.isdisjoint(excluded)

    def test_it_tops_up_to_n_after_exclusions(self, fit, ratings: pd.DataFrame):
        model = fit(ratings)
        movies = np.unique(ratings["movie_id"])
        excluded = movies[:3].tolist()
        user = model.fold_in(movies[:3], [5.0, 4.0, 3.0])
        assert len(model.recommend(user, n=len(movies) - 3, exclude=excluded)) == len(movies) - 3
        # Asking for more than remains gives everything that remains, once each.
        everything = model.recommend(user, n=len(movies) + 10, exclude=excluded)
        assert sorted(m for m, _ in everything) == sorted(movies[3:].tolist())

    def test_it_recommends_best_first_within_the_star_range(self, fit, ratings: pd.DataFrame):
        model = fit(ratings)
        recommended = model.recommend(model.fold_in([], []), n=5)
        stars = [s for _, s in recommended]
        assert stars == sorted(stars, reverse=True)
        assert all(0.5 <= s <= 5.0 for s in stars)

    def test_it_is_deterministic_for_a_seed(self, fit, ratings: pd.DataFrame):
        first, second = fit(ratings), fit(ratings)
        movies = np.unique(ratings["movie_id"])
        users = np.full(len(movies), int(ratings["user_id"].iloc[0]))
        assert np.array_equal(first.predict_known(users, movies), second.predict_known(users, movies))
        assert first.recommend(None, n=5) == second.recommend(None, n=5)

    def test_it_predicts_the_same_after_a_save_and_memory_mapped_load(self, fit, ratings: pd.DataFrame, tmp_path):
        model = fit(ratings)
        model.save(tmp_path / "model")
        loaded = type(model).load(tmp_path / "model", mmap=True)
        movies = np.unique(ratings["movie_id"])
        user = model.fold_in(movies[:4], [5.0, 1.0, 4.0, 2.0])
        loaded_user = loaded.fold_in(movies[:4], [5.0, 1.0, 4.0, 2.0])
        assert np.array_equal(model.predict(user, movies), loaded.predict(loaded_user, movies))
        assert model.recommend(user, n=5, exclude=movies[:4]) == loaded.recommend(loaded_user, n=5, exclude=movies[:4])
        users = ratings["user_id"].to_numpy()
        assert np.array_equal(model.predict_known(users, ratings["movie_id"]),
                              loaded.predict_known(users, ratings["movie_id"]))


class RankerContract:
    """What every top-N recommender serving ``recommend(user_ratings, *, n, exclude)`` must do.

    A test class provides the fixtures ``fit_ranker`` (ratings DataFrame -> fitted model) and
    ``ratings``; the model must offer ``recommend`` returning picks with ``movie_id``, plus
    ``save`` and ``load``.
    """

    def test_it_recommends_to_a_user_with_no_ratings(self, fit_ranker, ratings: pd.DataFrame):
        model = fit_ranker(ratings)
        picks = model.recommend({}, n=3)
        assert len(picks) == 3
        assert len({p.movie_id for p in picks}) == 3

    def test_it_ignores_unknown_movies_in_the_ratings_and_never_recommends_them(self, fit_ranker, ratings):
        model = fit_ranker(ratings)
        movie = int(ratings["movie_id"].iloc[0])
        with_unknown = model.recommend({movie: 5.0, UNKNOWN_MOVIE: 5.0}, n=5)
        assert [p.movie_id for p in with_unknown] == [p.movie_id for p in model.recommend({movie: 5.0}, n=5)]
        assert UNKNOWN_MOVIE not in {p.movie_id for p in with_unknown}

    def test_it_never_recommends_rated_or_excluded_movies(self, fit_ranker, ratings: pd.DataFrame):
        model = fit_ranker(ratings)
        movies = np.unique(ratings["movie_id"])
        for _user, mine in list(ratings.groupby("user_id"))[:5]:
            history = dict(zip(mine["movie_id"][:3], mine["score"][:3], strict=True))
            excluded = set(movies[-2:].tolist())
            shown = {p.movie_id for p in model.recommend(history, n=len(movies), exclude=excluded)}
            assert shown.isdisjoint(history)
            assert shown.isdisjoint(excluded)

    def test_it_tops_up_to_n_after_exclusions(self, fit_ranker, ratings: pd.DataFrame):
        model = fit_ranker(ratings)
        movies = np.unique(ratings["movie_id"])
        history = {int(movies[0]): 5.0, int(movies[1]): 1.0}
        remaining = len(model.movie_ids) - 3
        picks = model.recommend(history, n=remaining, exclude={int(movies[2])})
        assert len(picks) == remaining == len({p.movie_id for p in picks})
        assert len(model.recommend(history, n=remaining + 10, exclude={int(movies[2])})) == remaining

    def test_it_is_deterministic(self, fit_ranker, ratings: pd.DataFrame):
        history = {int(ratings["movie_id"].iloc[0]): 4.0}
        assert fit_ranker(ratings).recommend(history, n=5) == fit_ranker(ratings).recommend(history, n=5)

    def test_it_recommends_the_same_after_a_save_and_memory_mapped_load(self, fit_ranker, ratings, tmp_path):
        model = fit_ranker(ratings)
        model.save(tmp_path / "model")
        loaded = type(model).load(tmp_path / "model", mmap=True)
        mine = ratings[ratings["user_id"] == ratings["user_id"].iloc[0]]
        history = dict(zip(mine["movie_id"][:4], mine["score"][:4], strict=True))
        assert loaded.recommend(history, n=5) == model.recommend(history, n=5)
