from __future__ import annotations

import math

import pytest

from recommendations.engine.evaluation.ranking import (
    catalog_coverage,
    novelty,
    popularity_ranks,
    ranking_metrics,
)


def test_it_computes_every_metric_of_one_list_by_hand():
    # hits at ranks 1 and 3 of 4; three relevant movies, one never shown
    metrics = ranking_metrics([10, 20, 30, 40], {10, 30, 99}, k=4)
    dcg = 1 / math.log2(2) + 1 / math.log2(4)
    idcg = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert metrics == pytest.approx({
        "precision": 2 / 4,
        "recall": 2 / 3,
        "ndcg": dcg / idcg,
        "map": (1 / 1 + 2 / 3) / 3,
        "hit_rate": 1.0,
    })


def test_it_counts_only_the_first_k_picks():
    assert ranking_metrics([1, 2, 3], {3}, k=2) == {"precision": 0.0, "recall": 0.0, "ndcg": 0.0, "map": 0.0,
                                                    "hit_rate": 0.0}


def test_it_scores_a_perfect_list_one():
    assert ranking_metrics([5, 6], {5, 6}, k=2) == pytest.approx(
        {"precision": 1.0, "recall": 1.0, "ndcg": 1.0, "map": 1.0, "hit_rate": 1.0})


def test_it_uses_the_ideal_list_of_at_most_k_hits():
    # 5 relevant, k = 2, both shown: a perfect top-2
    assert ranking_metrics([1, 2], {1, 2, 3, 4, 5}, k=2)["ndcg"] == pytest.approx(1.0)
    assert ranking_metrics([1, 2], {1, 2, 3, 4, 5}, k=2)["map"] == pytest.approx(1.0)


def test_it_refuses_a_user_without_relevant_movies():
    with pytest.raises(ValueError):
        ranking_metrics([1], set(), k=1)


def test_it_measures_catalogue_coverage():
    assert catalog_coverage([[1, 2], [2, 3], []], 10) == 0.3


def test_it_ranks_popularity_with_shared_ranks_for_ties():
    assert popularity_ranks({7: 5, 8: 9, 9: 5, 10: 1}) == {8: 1, 7: 2, 9: 2, 10: 4}


def test_it_measures_novelty_as_the_mean_popularity_rank():
    ranks = {8: 1, 7: 2, 9: 2}
    assert novelty([[8, 7], [9, 42]], ranks) == pytest.approx((1 + 2 + 2 + 4) / 4)  # unrated 42 ranks last
