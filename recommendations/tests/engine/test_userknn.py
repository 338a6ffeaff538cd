from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.userknn import UserKNN, UserKNNParams

from .conftest import ROMANCE, SCIFI, hybrid_ratings

# Viewer 1 loved films 10 and 20; viewer 2 saw 10 without liking it and loved 30; viewer 3 loved
# 30 and 40. Films 10 and 30 have two raters each (idf log(4/3)), 20 and 40 one (idf log 2).
SMALL = pd.DataFrame({"user_id": [1, 1, 2, 2, 3, 3], "movie_id": [10, 20, 10, 30, 40, 30],
                      "score": [5.0, 5.0, 2.0, 5.0, 5.0, 4.0], "timestamp": [1, 2, 3, 4, 5, 6]})
SHARED = math.log(4 / 3)


def scores(model: UserKNN, history: dict[int, float]) -> dict[int, float]:
    raw = model.score(np.array(list(history), dtype=np.int64), np.array(list(history.values())))
    return dict(zip(model.movie_ids.tolist(), raw.tolist(), strict=True))


def test_neighbours_vote_for_what_they_liked_weighted_by_the_films_shared():
    model = UserKNN.fit(SMALL)
    # Loving film 10: viewer 1 loved it too (idf × (1 + 3)), viewer 2 only saw it (idf × 1).
    assert scores(model, {10: 5.0}) == pytest.approx({10: 4 * SHARED, 20: 4 * SHARED, 30: SHARED, 40: 0.0})
    # Disliking it: viewer 1, who loved it, counts against (-idf × 4) and viewer 2, who only saw
    # it, gains nothing: nobody is like this viewer, so nothing gets a vote.
    assert scores(model, {10: 1.0}) == pytest.approx({10: 0.0, 20: 0.0, 30: 0.0, 40: 0.0})
    # Beside a shared loved film, the disliked one cancels viewer 1's likeness.
    assert scores(model, {10: 1.0, 20: 5.0})[30] == pytest.approx(0.0)


def test_only_the_closest_neighbours_vote():
    model = UserKNN.fit(SMALL, UserKNNParams(neighbours=1))
    assert scores(model, {10: 5.0}) == pytest.approx({10: 4 * SHARED, 20: 4 * SHARED, 30: 0.0, 40: 0.0})


def test_a_rare_shared_film_counts_more_than_a_common_one():
    model = UserKNN.fit(SMALL, UserKNNParams(liked_weight=0.0, neighbours=1))
    # Sharing 40 (one rater) with viewer 3 outweighs sharing 10 (two raters) with viewer 1.
    picked = scores(model, {10: 3.0, 40: 3.0})
    assert picked[30] > 0 and picked[20] == 0


def test_a_heavy_raters_similarity_reads_their_rarest_films():
    model = UserKNN.fit(SMALL, UserKNNParams(max_seeds=1, neighbours=1, liked_weight=0.0))
    # Of 10 (two raters) and 20 (one), only 20 is read: viewer 1 alone is a neighbour.
    assert scores(model, {10: 3.0, 20: 3.0}) == pytest.approx(
        {10: math.log(2), 20: math.log(2), 30: 0.0, 40: 0.0})


def test_it_keeps_the_viewers_who_rated_last():
    model = UserKNN.fit(SMALL, UserKNNParams(max_users=2))
    assert model.n_users == 2
    assert model.movie_ids.tolist() == [10, 30, 40]  # viewer 1 (latest rating at time 2) is gone
    assert scores(model, {10: 5.0}) == pytest.approx({10: 0.0, 30: math.log(3 / 2), 40: 0.0})


def test_it_credits_each_rated_film_with_its_share_of_a_score():
    model = UserKNN.fit(hybrid_ratings())
    ids, stars = np.array([SCIFI[0], ROMANCE[1], 999]), np.array([5.0, 1.0, 4.0])
    targets = [SCIFI[2], ROMANCE[3], 1]
    shares = model.contributions(ids, stars, targets)
    assert shares.shape == (3, 3)
    assert not shares[:, 2].any()  # an unknown film adds nothing
    rows = np.searchsorted(model.movie_ids, targets)
    np.testing.assert_allclose(shares.sum(axis=1), model.score(ids, stars)[rows])
    assert shares[0, 0] > 0  # the loved sci-fi film earned the sci-fi pick


def test_a_new_viewer_is_shown_what_viewers_of_the_same_taste_liked():
    model = UserKNN.fit(hybrid_ratings())
    picked = scores(model, {SCIFI[0]: 5.0, SCIFI[1]: 4.5})
    ranked = sorted((m for m in picked if m not in (SCIFI[0], SCIFI[1])), key=lambda m: -picked[m])
    assert set(ranked[:2]) <= set(SCIFI)
    # Romance fans who gave these films one star are distant neighbours: their votes weigh less.
    assert min(picked[m] for m in ranked[:2]) > 4 * max(picked[m] for m in ROMANCE)


def test_it_scores_a_viewer_without_known_films_as_all_zero():
    model = UserKNN.fit(SMALL)
    assert not model.score(np.array([999]), np.array([5.0])).any()
    assert not model.score(np.array([], dtype=np.int64), np.array([])).any()


def test_it_round_trips_through_npy_files(tmp_path):
    model = UserKNN.fit(hybrid_ratings(), UserKNNParams(neighbours=5))
    model.save(tmp_path)
    loaded = UserKNN.load(tmp_path)
    assert isinstance(loaded.rater_users.base, np.memmap)
    assert loaded.params == model.params
    history = np.array([SCIFI[0], ROMANCE[0]]), np.array([4.5, 2.0])
    assert np.array_equal(loaded.score(*history), model.score(*history))


@pytest.mark.parametrize("bad", [{"neighbours": 0}, {"max_users": 0}, {"max_seeds": 0}, {"liked_weight": -1.0}])
def test_it_refuses_impossible_parameters(bad):
    with pytest.raises(ValueError):
        UserKNNParams(**bad)
