from __future__ import annotations

import numpy as np

from recommendations.engine.rerank import allowed_rows, genre_diverse, stars_floor, top_rows

CATALOGUE = np.array([10, 20, 30, 40, 50])


def test_it_never_allows_rated_excluded_or_non_candidate_movies():
    allowed = allowed_rows(CATALOGUE, exclude={20, 999}, rated_rows=np.array([0]), candidates=[20, 30, 40, 77])
    assert CATALOGUE[allowed].tolist() == [30, 40]


def test_it_takes_the_best_allowed_rows_and_breaks_ties_by_popularity_then_row():
    scores = np.array([0.5, 0.9, 0.5, np.nan, 0.5])
    popularity = np.array([1.0, 0.0, 3.0, 9.0, 3.0])
    allowed = np.ones(5, dtype=bool)
    assert top_rows(scores, allowed, 3, tie_break=popularity).tolist() == [1, 2, 4]
    assert top_rows(scores, allowed, 5, tie_break=popularity).tolist() == [1, 2, 4, 0, 3]  # NaN last
    assert top_rows(scores, allowed, 9).tolist() == [1, 0, 2, 4, 3]  # topped up to what remains


def test_it_returns_nothing_for_n_zero_or_no_allowed_row():
    assert top_rows(np.ones(3), np.ones(3, dtype=bool), 0).tolist() == []
    assert top_rows(np.ones(3), np.zeros(3, dtype=bool), 2).tolist() == []


def test_it_spreads_genres_but_keeps_the_order_at_strength_zero():
    ranked = np.array([0, 1, 2])  # rows 0 and 1 share genre 0; row 2 has genre 1
    indptr, indices = np.array([0, 1, 2, 3]), np.array([0, 0, 1])
    scores = np.array([1.0, 0.9, 0.8])
    assert genre_diverse(ranked, scores, indptr, indices, n=2, strength=0.0).tolist() == [0, 1]
    assert genre_diverse(ranked, scores, indptr, indices, n=2, strength=0.5).tolist() == [0, 2]


def test_it_orders_like_a_full_sort_of_the_allowed_rows_whatever_the_ties_gaps_and_length():
    rng = np.random.default_rng(7)
    for _ in range(50):
        m = int(rng.integers(1, 40))
        scores = rng.integers(0, 4, m).astype(float)  # few values: many ties
        scores[rng.random(m) < 0.2] = np.nan
        allowed = rng.random(m) < 0.7
        popularity = rng.integers(0, 3, m).astype(float)
        n = int(rng.integers(0, m + 3))
        rows = np.flatnonzero(allowed)
        values = np.nan_to_num(scores[rows], nan=-np.inf)
        expected = rows[np.lexsort((rows, -popularity[rows], -values))][:n]
        assert top_rows(scores, allowed, n, tie_break=popularity).tolist() == expected.tolist()


def test_the_stars_floor_keeps_the_pool_order_above_it_and_tops_up_with_the_best_below():
    stars = np.array([3.9, 3.2, np.nan, 4.5, 3.4])
    assert stars_floor(stars, 3.5, 2).tolist() == [0, 3]
    assert stars_floor(stars, 3.5, 4).tolist() == [0, 3, 4, 1]  # 3.4 before 3.2; no stars last
    assert stars_floor(stars, 3.5, 5).tolist() == [0, 3, 4, 1, 2]
