from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recommendations.engine.itemknn import ItemKNN, ItemKNNParams


def ratings() -> pd.DataFrame:
    # u1 and u2 watched A (1) and B (2); u3 watched A and C (3).
    return pd.DataFrame({"user_id": [1, 1, 2, 2, 3, 3], "movie_id": [1, 2, 1, 2, 1, 3], "score": 4.0})


def test_it_scores_by_cosine_of_who_watched_what():
    model = ItemKNN.fit(ratings(), ItemKNNParams(k=5, shrinkage=0))
    # sim(A, B) = 2 / sqrt(3 · 2); sim(A, C) = 1 / sqrt(3 · 1); B and C share nobody
    assert model.score(np.array([1])).tolist() == pytest.approx([0.0, 2 / math.sqrt(6), 1 / math.sqrt(3)], rel=1e-6)
    assert model.score(np.array([2, 3])).tolist() == pytest.approx([2 / math.sqrt(6) + 1 / math.sqrt(3), 0, 0],
                                                                   rel=1e-6)


def test_it_keeps_only_k_neighbours_per_movie():
    model = ItemKNN.fit(ratings(), ItemKNNParams(k=1, shrinkage=0))
    assert model.matrix.getnnz(axis=1).tolist() == [1, 1, 1]
    # A keeps only B, so a viewer of C gains nothing for A... but C keeps A, and B keeps A.
    assert model.score(np.array([3]))[0] == 0.0
    assert model.score(np.array([1]))[2] == pytest.approx(1 / math.sqrt(3), rel=1e-6)


def test_it_shrinks_similarities_resting_on_few_co_raters():
    plain = ItemKNN.fit(ratings(), ItemKNNParams(k=5, shrinkage=0)).score(np.array([1]))
    shrunk = ItemKNN.fit(ratings(), ItemKNNParams(k=5, shrinkage=1)).score(np.array([1]))
    assert shrunk[1] == pytest.approx(plain[1] * 2 / 3, rel=1e-6)  # 2 co-raters: × 2 / (2 + 1)
    assert shrunk[2] == pytest.approx(plain[2] * 1 / 2, rel=1e-6)  # 1 co-rater: × 1 / (1 + 1)


def test_it_names_the_rated_movie_behind_each_score():
    model = ItemKNN.fit(ratings(), ItemKNNParams(k=5, shrinkage=0))
    contributions = model.contributions(np.array([1, 2]), [3])
    np.testing.assert_allclose(contributions, [[1 / math.sqrt(3), 0.0]], rtol=1e-6)


def test_it_round_trips_through_npy_files(tmp_path):
    model = ItemKNN.fit(ratings())
    model.save(tmp_path)
    loaded = ItemKNN.load(tmp_path)
    assert np.array_equal(loaded.score(np.array([1])), model.score(np.array([1])))
    assert loaded.params == model.params


def _dense_neighbours(matrix: np.ndarray, k: int, shrinkage: float) -> np.ndarray:
    """Brute force: every pair's similarity, then each row's k best (ties: lowest column)."""
    common = (matrix.T @ matrix).astype(np.float64)
    np.fill_diagonal(common, 0.0)
    counts = matrix.sum(axis=0).astype(np.float64)
    shrunk = common / np.maximum(common + shrinkage, 1e-9)
    sim = np.where(common > 0, common / (np.sqrt(np.outer(counts, counts)) + 1e-9) * shrunk, 0)
    out = np.zeros_like(sim, dtype=np.float32)
    for i, row in enumerate(sim.astype(np.float32)):
        best = sorted((j for j in range(len(row)) if row[j] > 0), key=lambda j: (-row[j], j))[:k]
        out[i, best] = row[best]
    return out


def test_the_compiled_neighbour_search_matches_brute_force_ties_keeping_the_lowest_rows():
    from scipy import sparse

    from recommendations.engine.itemknn import neighbour_matrix

    matrix = (np.random.default_rng(3).random((60, 40)) < 0.15).astype(np.float32)  # many tied counts
    for k, shrinkage in ((3, 0.0), (5, 2.0), (50, 0.0)):
        found = neighbour_matrix(sparse.csr_matrix(matrix), k=k, shrinkage=shrinkage).toarray()
        np.testing.assert_allclose(found, _dense_neighbours(matrix, k, shrinkage), rtol=1e-6)


def test_scores_read_through_the_transposed_neighbours_equal_the_full_product(monkeypatch):
    from dataclasses import replace

    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"user_id": rng.integers(0, 300, 4000), "movie_id": rng.integers(0, 400, 4000), "score": 4.0})
    model = ItemKNN.fit(frame.drop_duplicates(["user_id", "movie_id"]), ItemKNNParams(k=10))
    whole_matrix = replace(model, rated_indptr=None, rated_indices=None, rated_similarity=None)
    cases = [[1], [2, 3], [1, 2, 3, 9999], [], list(range(0, 400, 2))]
    expected = [whole_matrix.score(np.array(rated, dtype=np.int64)) for rated in cases]
    monkeypatch.setattr(ItemKNN, "matrix", property(lambda self: pytest.fail("read the whole matrix")))
    for rated, want in zip(cases[:4], expected, strict=False):  # few movies: only their transposed rows
        np.testing.assert_allclose(model.score(np.array(rated, dtype=np.int64)), want, rtol=1e-6)
    monkeypatch.undo()
    np.testing.assert_allclose(model.score(np.array(cases[4], dtype=np.int64)), expected[4], rtol=1e-6)


def test_a_disliked_film_counts_against_its_neighbours():
    model = ItemKNN.fit(ratings(), ItemKNNParams(k=5, shrinkage=0))
    liked = model.score(np.array([1]))
    both = model.score(np.array([1, 2]), np.array([1.0, -1.0]))
    np.testing.assert_allclose(both, liked - model.score(np.array([2])), rtol=1e-6)
