from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from catalog.movielens import read_movielens
from recommendations.engine.blend import BlendParams
from recommendations.engine.coldstart import ColdStartParams
from recommendations.engine.ease import EASEParams
from recommendations.engine.evaluation.protocols import cold_start_users
from recommendations.engine.evaluation.ranking import ranking_metrics
from recommendations.engine.explain import GENRE, POPULAR, RATED, Reason
from recommendations.engine.hybrid import CROWD_PRIOR, HybridModel, HybridParams, Pick
from recommendations.engine.svd import SVDParams
from recommendations.engine.userknn import UserKNNParams

from .conftest import ROMANCE, SCIFI, UNRATED_SCIFI, hybrid_ratings, read_ml100k, taste_movies
from .contract import RankerContract

FAST = HybridParams(
    predictor="blend",
    ease=EASEParams(l2=5.0),
    blend=BlendParams(svd=SVDParams(n_factors=3, n_epochs=100, lr_all=0.02, reg_all=0.02, random_state=7),
                      holdout=0.2),
)


@pytest.fixture
def ratings() -> pd.DataFrame:
    return hybrid_ratings()


@pytest.fixture
def fit_ranker():
    return lambda ratings: HybridModel.fit(ratings, taste_movies(), params=FAST)


@pytest.fixture(scope="module")
def model() -> HybridModel:
    return HybridModel.fit(hybrid_ratings(), taste_movies(), params=FAST)


class TestHybridContract(RankerContract):
    pass


class TestEASEViewContract(RankerContract):
    @pytest.fixture
    def fit_ranker(self):
        return lambda ratings: HybridModel.fit(ratings, taste_movies(), params=FAST).only("ease")


def test_it_recommends_the_rest_of_the_loved_genre_first(model):
    picks = model.recommend({1: 5.0, 2: 4.5, 11: 1.0}, n=3)
    assert {p.movie_id for p in picks[:2]} == {3, 4}
    assert all(isinstance(p, Pick) for p in picks)


def test_it_gives_predicted_stars_from_the_rating_predictor(model):
    picks = model.recommend({1: 5.0, 2: 5.0, 11: 1.0, 12: 1.0}, n=8)
    stars = {p.movie_id: p.predicted_rating for p in picks}
    assert stars[3] > 4.0
    assert stars[13] < 2.5
    assert stars[UNRATED_SCIFI] is None  # no rating predictor knows an unrated film


def test_it_cites_a_liked_movie_behind_a_collaborative_pick(model):
    pick = model.recommend({1: 5.0, 2: 4.5, 11: 1.0}, n=1)[0]
    assert pick.reasons[0].kind == RATED
    assert pick.reasons[0].movie_id in {1, 2}  # never the disliked 11
    assert pick.reasons[0].stars in {5.0, 4.5}


def test_it_explains_a_new_users_list_by_popularity(model):
    picks = model.recommend({}, n=2)
    assert picks[0].movie_id == 1
    assert picks[0].reasons == (Reason(POPULAR),)


def test_it_places_an_unrated_movie_by_its_content_alone(model):
    content = model.only("content")
    picks = content.recommend({1: 5.0, 2: 5.0, 11: 1.0}, n=3, candidates=[UNRATED_SCIFI, 13, 14])
    assert picks[0].movie_id == UNRATED_SCIFI
    assert picks[0].reasons[0].kind == GENRE
    assert picks[0].reasons[0].genre in {"Sci-Fi", "Action"}  # equally liked: both came with every sci-fi film


def test_it_chooses_only_among_candidates(model):
    picks = model.recommend({1: 5.0}, n=5, candidates=[13, 4, 999])
    assert [p.movie_id for p in picks] == [4, 13]


def test_it_spreads_genres_when_asked():
    ratings = hybrid_ratings()
    plain = HybridModel.fit(ratings, taste_movies(), params=FAST)
    diverse = plain.with_params(diversity=2.0)
    history = {1: 5.0, 2: 5.0}
    assert {p.movie_id for p in plain.recommend(history, n=2)} == {3, 4}
    genres = [("Sci-Fi" if p.movie_id in [*SCIFI, UNRATED_SCIFI] else "Romance")
              for p in diverse.recommend(history, n=2)]
    assert sorted(genres) == ["Romance", "Sci-Fi"]


def test_a_heavy_raters_picks_start_from_their_newest_and_best_rated_films(model):
    capped = model.with_params(max_seeds=2, min_stars=0.0)  # the seeds alone, not the stars floor
    # Newest first: the sci-fi film 3 is the newest; the romances 11 and 12 are the best-rated.
    history = {3: 4.0, 11: 5.0, 12: 5.0, 1: 4.5}
    recent = capped.recommend(history, n=1, newest_first=True)[0]
    assert recent.movie_id in SCIFI
    assert {r.movie_id for r in recent.reasons} <= {3, 11, None}  # only seeds are cited
    assert capped.recommend(history, n=1)[0].movie_id in ROMANCE  # order unknown: the 5★ romances lead


def test_rated_films_left_out_of_the_seeds_are_never_recommended(model):
    history = {3: 4.0, 11: 5.0, 12: 5.0, 1: 4.5, 2: 1.0, 13: 1.0}
    picks = model.with_params(max_seeds=2).recommend(history, n=10, newest_first=True)
    assert {p.movie_id for p in picks} == {4, 14, UNRATED_SCIFI}


def test_single_signal_views_seed_from_every_rating(model):
    assert model.only("ease").params.max_seeds == 0
    with pytest.raises(ValueError):
        HybridParams(max_seeds=-1)


def test_it_slides_the_weights_from_new_to_heavy_users():
    params = HybridParams(new_user={"popularity": 1.0}, heavy_user={"ease": 1.0}, half=10)
    assert params.weights(0)["popularity"] == 1.0
    assert params.weights(10) == pytest.approx({"popularity": 0.5, "ease": 0.5, "itemknn": 0.0, "content": 0.0,
                                                "rating": 0.0, "coldstart": 0.0, "userknn": 0.0})
    assert params.weights(990)["ease"] == pytest.approx(0.99)


def test_it_refuses_unknown_signals_and_predictors():
    with pytest.raises(ValueError):
        HybridParams(new_user={"magic": 1.0})
    with pytest.raises(ValueError):
        HybridParams(predictor="oracle")


def test_it_round_trips_its_parameters_through_json():
    params = HybridParams(half=7.0, diversity=0.3)
    assert HybridParams.from_dict(json.loads(json.dumps(params.to_dict()))) == params


def test_it_saves_each_component_in_its_own_directory(model, tmp_path):
    model.save(tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {"meta.json", "movie_ids.npy", "popularity.npy", "support.npy", "ease", "itemknn", "content",
                     "coldstart", "userknn", "predictor"}
    loaded = HybridModel.load(tmp_path)
    assert loaded.recommend({1: 5.0, 11: 2.0}, n=4) == model.recommend({1: 5.0, 11: 2.0}, n=4)
    assert isinstance(loaded.ease.weights.base, np.memmap)


def test_it_reads_parameters_saved_before_the_cold_start_signal_existed():
    raw = HybridParams().to_dict()
    del raw["coldstart"]
    raw["new_user"] = {"popularity": 1.0, "ease": 0.3}
    params = HybridParams.from_dict(json.loads(json.dumps(raw)))
    assert not params.uses("coldstart")
    assert params.coldstart == ColdStartParams()


def test_it_reads_parameters_saved_before_user_knn_existed():
    raw = HybridParams().to_dict()
    del raw["userknn"]
    for mix in ("new_user", "heavy_user"):
        del raw[mix]["userknn"]
    params = HybridParams.from_dict(json.loads(json.dumps(raw)))
    assert not params.uses("userknn")
    assert params.userknn == UserKNNParams()


def test_it_refuses_an_artifact_of_another_kind(model, tmp_path):
    model.ease.save(tmp_path)
    with pytest.raises(ValueError):
        HybridModel.load(tmp_path)


def test_it_serves_without_content_when_no_movies_are_given(ratings):
    bare = HybridModel.fit(ratings, None, params=FAST)
    assert bare.content is None
    assert len(bare.recommend({1: 5.0}, n=3)) == 3


# ---------------------------------------------------------------- MovieLens

@functools.cache
def _u1_hybrid(root: Path) -> tuple[HybridModel, pd.DataFrame, pd.DataFrame]:
    """ml-100k u1 with its movies, fitted once per session (SVD predictor: ~3 s)."""
    data = read_movielens("ml-100k", root)
    train, test = read_ml100k(root / "u1.base"), read_ml100k(root / "u1.test")
    return HybridModel.fit(train, data.movies, params=HybridParams(predictor="svd")), train, test


@pytest.fixture
def ml100k_hybrid(shared_datasets) -> tuple[HybridModel, pd.DataFrame, pd.DataFrame]:
    return _u1_hybrid(shared_datasets / "ml-100k")


def test_it_ranks_ml100k_far_better_than_popularity(ml100k_hybrid):
    model, train, test = ml100k_hybrid
    liked = test[test["score"] >= 4].groupby("user_id")["movie_id"].agg(set)
    users = liked.index[::4]  # a quarter of the users keeps this test fast
    history = {u: dict(zip(g["movie_id"], g["score"], strict=True)) for u, g in train.groupby("user_id")}

    def ndcg(view: HybridModel) -> float:
        return float(np.mean([ranking_metrics(view.recommend_ids(history[u], n=10), liked[u], k=10)["ndcg"]
                              for u in users]))

    hybrid, popularity = ndcg(model), ndcg(model.only("popularity"))
    # Measured on these users: hybrid 0.47, popularity 0.27 (the bench has the full table).
    assert hybrid > 1.6 * popularity


def test_it_serves_the_heaviest_ml100k_rater_ten_explained_unseen_picks(ml100k_hybrid):
    # Speed is measured by `python -m bench scale` (cache-miss request cost), not asserted here.
    model, train, _ = ml100k_hybrid
    heavy = train["user_id"].value_counts().index[0]
    mine = train[train["user_id"] == heavy]
    history = dict(zip(mine["movie_id"], mine["score"], strict=True))

    picks = model.recommend(history, n=10)

    assert len(picks) == 10 and all(p.reasons for p in picks)
    assert not {p.movie_id for p in picks} & set(history)


def test_it_serves_viewers_with_five_ratings_far_better_than_popularity(shared_datasets):
    # Cold viewers (seed 3, not the benchmark's 42): never in training, five ratings revealed.
    split = cold_start_users(read_ml100k(shared_datasets / "ml-100k" / "u.data"), known=5, user_fraction=0.1, seed=3)
    model = HybridModel.fit(split.train, None, params=HybridParams(predictor="none"))
    known = {u: dict(zip(g["movie_id"], g["score"], strict=True)) for u, g in split.known.groupby("user_id")}
    liked = split.test[split.test["score"] >= 4].groupby("user_id")["movie_id"].agg(set)

    def ndcg(view: HybridModel) -> float:
        return float(np.mean([ranking_metrics(view.recommend_ids(known[u], n=10), liked[u], k=10)["ndcg"]
                              for u in liked.index]))

    hybrid, popularity, ease = ndcg(model), ndcg(model.only("popularity")), ndcg(model.only("ease"))
    # Measured on these 94 viewers: hybrid 0.521, popularity 0.351, EASE 0.427 (before the
    # cold-start signal the hybrid scored 0.489).
    assert hybrid > 1.4 * popularity
    assert hybrid > 1.15 * ease


def test_no_pick_is_predicted_below_the_stars_floor_while_enough_films_clear_it(model):
    history = {1: 5.0, 2: 4.5, 11: 1.0}
    floor = max(model.params.min_stars, np.mean(list(history.values())) - model.params.below_mean)
    unrated = [m for m in model.movie_ids.tolist() if m not in history]
    clear = int(np.sum(model.predict(history, unrated) >= floor))
    assert 0 < clear < len(unrated)
    picks = model.recommend(history, n=clear)
    assert all(p.predicted_rating >= floor for p in picks)
    topped_up = model.recommend(history, n=clear + 1)  # one more than clear it: the best-predicted of the rest
    assert sum(p.predicted_rating < floor for p in topped_up) == 1
    assert [p.movie_id for p in topped_up[:clear]] == [p.movie_id for p in picks]


def test_disliking_the_crowds_favourites_counts_against_the_crowds_signals(model):
    from recommendations.engine.prepare import user_profile

    top = float(model.popularity.max())
    favourite = int(model.movie_ids[np.argmax(model.popularity)])
    against = model._against_the_crowd(user_profile(model.movie_ids, {favourite: 1.0, 12: 5.0}))
    # One of two ratings is a 1★ for the most popular film; CROWD_PRIOR agreeing ratings temper it.
    assert against == pytest.approx(1 / (2 + CROWD_PRIOR))
    obscure = int(model.movie_ids[np.argmin(np.where(model.popularity > 0, model.popularity, np.inf))])
    lesser = model._against_the_crowd(user_profile(model.movie_ids, {obscure: 1.0, 12: 5.0}))
    assert lesser == pytest.approx(model.popularity[model.movie_ids.tolist().index(obscure)] / top / (2 + CROWD_PRIOR))
    assert lesser < against
    assert model._against_the_crowd(user_profile(model.movie_ids, {favourite: 4.0})) == 0.0
