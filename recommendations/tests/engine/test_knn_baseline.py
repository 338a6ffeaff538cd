from __future__ import annotations

import numpy as np
import pytest

from recommendations.engine.knn_baseline import KNNBaseline, KNNBaselineParams

from .contract import RecommenderContract


class _Servable(KNNBaseline):
    """KNNBaseline with the contract's ``recommend`` (the blend is what serves; this checks the parts)."""

    def recommend(self, user, *, n=10, exclude=(), candidates=None):
        rows = np.arange(len(self.movie_ids))
        rows = rows[~np.isin(self.movie_ids, np.fromiter(exclude, dtype=np.int64))] if len(exclude) else rows
        scores = self.raw_scores(user, rows)
        order = np.lexsort((self.movie_ids[rows], -scores))[:max(n, 0)]
        return [(int(self.movie_ids[rows[j]]), float(np.clip(scores[j], 0.5, 5.0))) for j in order]


@pytest.fixture
def fit():
    return lambda ratings: _Servable.fit(ratings)


class TestKNNBaselineContract(RecommenderContract):
    pass


def test_it_predicts_what_surprise_knnbaseline_predicts(ratings):
    from surprise import Dataset, Reader
    from surprise import KNNBaseline as SurpriseKNN

    # Judge unseen pairs: for a pair in training Surprise also counts the movie as its own neighbour.
    held = np.arange(len(ratings)) % 5 == 0
    train, test = ratings[~held], ratings[held]
    trainset = Dataset.load_from_df(train[["user_id", "movie_id", "score"]],
                                    Reader(rating_scale=(0.5, 5.0))).build_full_trainset()
    theirs = SurpriseKNN(k=3, sim_options={"name": "pearson_baseline", "user_based": False}, verbose=False)
    theirs.fit(trainset)
    ours = KNNBaseline.fit(train, KNNBaselineParams(k=3, neighbour_prior=0.0))  # Surprise's own formula
    expected = [theirs.predict(int(u), int(m)).est for u, m in zip(test["user_id"], test["movie_id"], strict=True)]
    np.testing.assert_allclose(ours.predict_known(test["user_id"], test["movie_id"]), expected, atol=1e-6)


def test_it_folds_in_a_trained_user_to_the_same_predictions(ratings):
    model = KNNBaseline.fit(ratings)
    mine = ratings[ratings["user_id"] == 5]
    movies = np.sort(ratings["movie_id"].unique())
    folded = model.predict(model.fold_in(mine["movie_id"], mine["score"]), movies)
    trained = model.predict_known(np.full(len(movies), 5), movies)
    # The fold-in bias is one ALS step against frozen items; training alternated ten.
    assert np.abs(folded - trained).max() < 0.05


def test_it_ignores_neighbours_beyond_k(ratings):
    wide = KNNBaseline.fit(ratings, KNNBaselineParams(k=40))
    narrow = KNNBaseline.fit(ratings, KNNBaselineParams(k=1))
    user = wide.fold_in([1, 2, 11], [5.0, 4.5, 1.0])
    assert not np.allclose(wide.predict(user, [3, 4, 12]), narrow.predict(user, [3, 4, 12]))
