from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from recommendations.engine.coldstart import (
    DAY,
    ColdStartModel,
    ColdStartParams,
    cold_start_weights,
    period_centres,
    period_membership,
    reduced_rank,
)
from recommendations.engine.evaluation.protocols import cold_start_users
from recommendations.engine.evaluation.ranking import ranking_metrics

from .conftest import ROMANCE, SCIFI, hybrid_ratings, read_ml100k


def expected_loss_weights(stars: np.ndarray, *, known: float, l2: float, liked: float) -> np.ndarray:
    """The cold-start regression solved the long way (see ``expected_loss_system``)."""
    gram, cross = expected_loss_system(stars, known=known, l2=l2, liked=liked)
    return np.linalg.solve(gram, cross)


def expected_loss_system(
    stars: np.ndarray, *, known: float, l2: float, liked: float, periods: np.ndarray | None = None,
    period_l2: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The cold-start regression's normal equations built the long way: every reveal of every user enumerated.

    Each user reveals each rating with probability q = min(1, known / n); the inputs are the
    revealed films' (watched, liked) features, the targets the hidden films they liked. The
    probability-weighted least squares with ridge l2 is solved directly. ``periods`` (users × b)
    are further inputs every user always shows, with ridge ``period_l2``.
    """
    n_users, m = stars.shape
    periods = np.zeros((n_users, 0)) if periods is None else periods
    b = periods.shape[1]
    gram, cross = np.diag(np.r_[np.full(2 * m, l2), np.full(b, period_l2)]), np.zeros((2 * m + b, m))
    for user in range(n_users):
        rated = np.flatnonzero(stars[user])
        q = min(1.0, known / max(len(rated), 1))
        for mask in itertools.product([0, 1], repeat=len(rated)):
            shown = rated[np.array(mask, dtype=bool)]
            chance = q ** len(shown) * (1 - q) ** (len(rated) - len(shown))
            inputs = np.zeros(2 * m + b)
            inputs[shown] = 1.0
            inputs[m + shown] = stars[user, shown] >= liked
            inputs[2 * m:] = periods[user]
            target = (stars[user] >= liked).astype(float)
            target[shown] = 0.0
            gram += chance * np.outer(inputs, inputs)
            cross += chance * np.outer(inputs, target)
    return gram, cross


def test_it_minimises_the_expected_error_over_random_reveals():
    stars = np.array([[5, 4, 0, 1], [4, 0, 2, 5], [0, 3, 5, 4], [5, 5, 4, 0], [1, 0, 4, 5]], dtype=float)
    watched, loved, by_period = cold_start_weights(sparse.csr_matrix(stars), known=2, l2=0.5, liked=4)
    exact = expected_loss_weights(stars, known=2, l2=0.5, liked=4)
    assert by_period.shape == (0, 4)
    off_diagonal = ~np.eye(4, dtype=bool)  # a film never predicts itself: its own weight is zeroed
    np.testing.assert_allclose(watched[off_diagonal], exact[:4][off_diagonal], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(loved[off_diagonal], exact[4:][off_diagonal], rtol=1e-5, atol=1e-7)
    assert not watched.diagonal().any() and not loved.diagonal().any()


def test_periods_are_inputs_every_viewer_always_shows():
    stars = np.array([[5, 4, 0, 1], [4, 0, 2, 5], [0, 3, 5, 4], [5, 5, 4, 0], [1, 0, 4, 5]], dtype=float)
    periods = np.array([[1, 0], [0.5, 0.5], [0, 1], [1, 0], [0.2, 0.8]])
    watched, loved, by_period = cold_start_weights(sparse.csr_matrix(stars), known=2, l2=0.5, liked=4,
                                                   periods=sparse.csr_matrix(periods), period_l2=0.3)
    gram, cross = expected_loss_system(stars, known=2, l2=0.5, liked=4, periods=periods, period_l2=0.3)
    exact = np.linalg.solve(gram, cross)
    off_diagonal = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(watched[off_diagonal], exact[:4][off_diagonal], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(loved[off_diagonal], exact[4:8][off_diagonal], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(by_period, exact[8:], rtol=1e-5, atol=1e-7)


def test_periods_end_at_the_last_rating_and_weigh_a_time_by_its_distance():
    np.testing.assert_array_equal(period_centres(5.0, 45.0, 10.0), [5.0, 15.0, 25.0, 35.0, 45.0])
    centres = np.array([0.0, 10.0, 20.0])
    membership = period_membership(np.array([10.0, 99.0]), centres, 10.0).toarray()
    side = np.exp(-0.5)  # one width away
    np.testing.assert_allclose(membership[0], np.array([side, 1, side]) / (1 + 2 * side))
    # A time after the data counts as its last moment.
    np.testing.assert_allclose(membership[1], np.array([np.exp(-2), side, 1]) / (1 + side + np.exp(-2)))
    # Beyond three widths a period gets nothing.
    assert period_membership(np.array([0.0]), np.arange(10.0), 1.0).toarray()[0, 4:].sum() == 0


def two_eras_ratings() -> pd.DataFrame:
    """Sixteen viewers rate film 1 (3 stars) and one film they love: the first eight, in January,
    film 2; the last eight, in June, film 3. Films 2 and 3 are each rated by eight: only the time
    tells which one a new viewer of film 1 will want."""
    rows = []
    for user in range(16):
        when, loved = (0.0, 2) if user < 8 else (150 * DAY, 3)
        rows += [(user, 1, 3.0, when + user), (user, loved, 5.0, when + user)]
    return pd.DataFrame(rows, columns=["user_id", "movie_id", "score", "timestamp"])


def test_a_new_viewer_is_shown_what_viewers_of_their_time_liked():
    model = ColdStartModel.fit(two_eras_ratings(), ColdStartParams(known=1, rank=0, expansion=0, period_l2=1.0))
    assert len(model.periods) > 1

    def prefers(at: float | None) -> int:
        scores = model.score(np.array([1]), np.array([3.0]), at=at)
        return int(model.movie_ids[1 + np.argmax(scores[1:])])

    assert prefers(0.0) == 2
    assert prefers(150 * DAY) == 3
    assert prefers(None) == 3  # now: after the data, its latest viewers' taste
    timeless = ColdStartModel.fit(two_eras_ratings().drop(columns="timestamp"), ColdStartParams(known=1, rank=0))
    assert len(timeless.periods) == 0 and timeless.by_period.shape == (0, 3)


def test_a_saved_model_keeps_its_periods_and_one_saved_without_them_still_loads(tmp_path):
    model = ColdStartModel.fit(two_eras_ratings(), ColdStartParams(known=1, rank=0, expansion=0))
    model.save(tmp_path / "new")
    loaded = ColdStartModel.load(tmp_path / "new")
    np.testing.assert_array_equal(loaded.periods, model.periods)
    assert np.array_equal(loaded.score(np.array([1]), np.array([3.0]), at=0.0),
                          model.score(np.array([1]), np.array([3.0]), at=0.0))
    for name in ("periods", "by_period"):  # an artifact from before the time input
        (tmp_path / "new" / f"{name}.npy").unlink()
    meta = json.loads((tmp_path / "new" / "meta.json").read_text())
    del meta["shapes"]["periods"], meta["shapes"]["by_period"]
    (tmp_path / "new" / "meta.json").write_text(json.dumps(meta))
    assert len(ColdStartModel.load(tmp_path / "new").periods) == 0


STARS = np.array([[5, 4, 0, 1, 3], [4, 0, 2, 5, 4], [0, 3, 5, 4, 1], [5, 5, 4, 0, 2], [1, 0, 4, 5, 5],
                  [3, 4, 0, 5, 4]], dtype=float)


def expected_loss(weights: np.ndarray, gram: np.ndarray, cross: np.ndarray) -> float:
    """The expected squared error plus ridge, up to a constant: tr(WᵀGW) − 2 tr(WᵀC)."""
    return float(np.trace(weights.T @ gram @ weights) - 2 * np.trace(weights.T @ cross))


def test_reduced_rank_weights_have_the_lowest_expected_error_of_any_with_that_rank():
    gram, cross = expected_loss_system(STARS, known=2, l2=0.5, liked=4)
    full = np.linalg.solve(gram, cross)
    reduced = reduced_rank(full, cross, 2)
    assert np.linalg.matrix_rank(reduced, tol=1e-9) == 2
    u, s, vt = np.linalg.svd(full, full_matrices=False)
    rivals = [(u[:, :2] * s[:2]) @ vt[:2]]  # the plain truncated SVD of the full weights
    rng = np.random.default_rng(0)
    for _ in range(20):  # the full weights seen through other 2-dimensional taste spaces
        basis, _ = np.linalg.qr(rng.normal(size=(5, 2)))
        rivals.append(full @ basis @ basis.T)
    best = expected_loss(reduced, gram, cross)
    assert all(best < expected_loss(rival, gram, cross) - 1e-9 for rival in rivals)
    assert expected_loss(full, gram, cross) <= best  # fewer directions can only cost


def test_a_rank_as_large_as_the_catalogue_keeps_the_full_solution():
    full = cold_start_weights(sparse.csr_matrix(STARS), known=2, l2=0.5, rank=0)
    for rank in (5, 9):
        same = cold_start_weights(sparse.csr_matrix(STARS), known=2, l2=0.5, rank=rank)
        np.testing.assert_array_equal(same[0], full[0])
    low = cold_start_weights(sparse.csr_matrix(STARS), known=2, l2=0.5, rank=2)
    assert not low[0].diagonal().any() and not low[1].diagonal().any()  # still no film predicting itself
    assert not np.allclose(low[0], full[0])


@pytest.fixture(scope="module")
def model() -> ColdStartModel:
    return ColdStartModel.fit(hybrid_ratings(), ColdStartParams(known=2, l2=0.5, expansion=0))


def top(model: ColdStartModel, history: dict[int, float], n: int, at: float | None = None) -> list[int]:
    scores = model.score(np.array(list(history)), np.array(list(history.values())), at=at)
    ranked = [int(model.movie_ids[r]) for r in np.argsort(-scores, kind="stable")]
    return [m for m in ranked if m not in history][:n]


def test_a_liked_film_brings_the_films_its_fans_liked(model):
    assert set(top(model, {SCIFI[1]: 5.0}, 2)) <= set(SCIFI)


def test_a_disliked_film_brings_what_its_detractors_liked_not_more_of_it(model):
    # Sci-fi film 2 got 1 star only from romance fans: someone who disliked it is shown romance.
    assert set(top(model, {SCIFI[1]: 1.0}, 3)) <= set(ROMANCE)


def test_it_credits_each_rated_film_with_its_share_of_a_score(model):
    history = np.array([SCIFI[0], ROMANCE[1], 999]), np.array([5.0, 1.0, 4.0])
    targets = [SCIFI[2], ROMANCE[3]]
    shares = model.contributions(*history, targets)
    assert shares.shape == (2, 3)
    assert not shares[:, 2].any()  # an unknown film adds nothing
    rows = np.searchsorted(model.movie_ids, targets)
    np.testing.assert_allclose(shares.sum(axis=1), model.score(*history)[rows], rtol=1e-6)


def test_it_scores_a_viewer_without_known_films_as_all_zero(model):
    assert not model.score(np.array([999]), np.array([5.0])).any()
    assert not model.score(np.array([], dtype=np.int64), np.array([])).any()


def test_it_models_only_the_most_rated_movies():
    ratings = pd.DataFrame({"user_id": [1, 2, 3, 1, 2, 1], "movie_id": [30, 30, 30, 10, 10, 20], "score": 4.0})
    assert ColdStartModel.fit(ratings, ColdStartParams(max_items=2)).movie_ids.tolist() == [10, 30]


def test_it_round_trips_through_npy_files(model, tmp_path):
    model.save(tmp_path)
    loaded = ColdStartModel.load(tmp_path)
    assert isinstance(loaded.watched.base, np.memmap)
    assert loaded.params == model.params
    history = np.array([SCIFI[0], ROMANCE[0]]), np.array([4.5, 2.0])
    assert np.array_equal(loaded.score(*history), model.score(*history))


@pytest.mark.parametrize("bad", [{"known": 0.5}, {"l2": 0.0}, {"max_items": 0}, {"expansion": -1}, {"rank": -1},
                                 {"period_days": -1.0}, {"period_width": 0.0}, {"period_l2": 0.0}])
def test_it_refuses_impossible_parameters(bad):
    with pytest.raises(ValueError):
        ColdStartParams(**bad)


def test_expanding_a_single_rating_with_its_best_matches_ranks_better_on_ml100k(shared_datasets):
    # Viewers never seen in training (seed 3, not the benchmark's 42) who gave one rating.
    split = cold_start_users(read_ml100k(shared_datasets / "ml-100k" / "u.data"), known=1, user_fraction=0.2, seed=3)
    expanded = ColdStartModel.fit(split.train)
    plain = replace(expanded, params=replace(expanded.params, expansion=0))
    liked = split.test[split.test["score"] >= 4].groupby("user_id")["movie_id"].agg(set)
    known = split.known.set_index("user_id")

    def ndcg(model: ColdStartModel) -> float:
        return float(np.mean([ranking_metrics(top(model, {int(known.at[u, "movie_id"]): float(known.at[u, "score"])},
                                                  10, at=known.at[u, "timestamp"]), liked[u], k=10)["ndcg"]
                              for u in liked.index]))

    with_expansion, without = ndcg(expanded), ndcg(plain)
    # Measured on these 189 viewers: with the top 10 added 0.500, without 0.491 (before the
    # period input, which already lifts the lone rating's list: 0.472 and 0.420).
    assert with_expansion > without + 0.005


def test_few_taste_directions_rank_better_for_viewers_with_five_ratings_on_ml100k(shared_datasets):
    # Viewers never seen in training (seed 3, not the benchmark's 42) who gave five ratings.
    split = cold_start_users(read_ml100k(shared_datasets / "ml-100k" / "u.data"), known=5, user_fraction=0.2, seed=3)
    liked = split.test[split.test["score"] >= 4].groupby("user_id")["movie_id"].agg(set)
    known = {int(u): dict(zip(g["movie_id"].astype(int), g["score"], strict=True))
             for u, g in split.known.groupby("user_id")}
    when = split.known.groupby("user_id")["timestamp"].max()

    def ndcg(params: ColdStartParams) -> float:
        model = ColdStartModel.fit(split.train, params)
        return float(np.mean([ranking_metrics(top(model, known[u], 10, at=when[u]), liked[u], k=10)["ndcg"]
                              for u in liked.index]))

    reduced, full = ndcg(ColdStartParams()), ndcg(ColdStartParams(rank=0, l2=2.0))
    # Measured on these 189 viewers: rank 20 (λ 1) 0.550, the full solution (λ 2, the former default) 0.539.
    assert reduced > full + 0.005


def test_a_disliked_film_pushes_down_what_its_fans_liked(model):
    # Sci-fi film 1 is loved by the sci-fi fans: disliking it lowers the other sci-fi films.
    alone = model.score(np.array([ROMANCE[0]]), np.array([5.0]))
    against = model.score(np.array([ROMANCE[0], SCIFI[0]]), np.array([5.0, 1.0]))
    rows = np.searchsorted(model.movie_ids, SCIFI[1:])
    assert (against[rows] < alone[rows]).all()
