"""Top-N metrics: precision, recall, NDCG, MAP and hit rate at k, catalogue coverage, novelty.

Conventions (the usual ones, spelled out because papers differ):

- relevance is binary (a held-out rating at or above a threshold, 4 stars by default);
- precision@k divides the hits by k, recall@k by the number of relevant movies;
- NDCG@k uses gains 1/log2(rank + 1) and the ideal list of min(k, relevant) hits;
- MAP@k averages precision at each hit's rank over min(k, relevant);
- users without any relevant held-out movie are left out of the means.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np

METRICS = ("precision", "recall", "ndcg", "map", "hit_rate")
# Taste fidelity: of the picks the viewer rated later, the share they liked / disliked.
TASTE_METRICS = ("liked_share", "disliked_share")
DISLIKED = 2.0  # held-out stars at or below which a rated pick counts as disliked


def ranking_metrics(recommended: Sequence[int], relevant: Collection[int], *, k: int = 10) -> dict[str, float]:
    """Metrics@k of one user's list.

    Args:
        recommended: movie ids, best first (only the first k count).
        relevant: movie ids the user is known to like; must not be empty.
        k: cut-off (>= 1).

    Returns:
        ``{"precision", "recall", "ndcg", "map", "hit_rate"}``, each in [0, 1].
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    relevant = set(relevant)
    if not relevant:
        raise ValueError("a user without relevant movies has no ranking metrics")
    hits = np.array([movie in relevant for movie in list(recommended)[:k]], dtype=bool)
    ranks = np.flatnonzero(hits) + 1
    ideal = min(k, len(relevant))
    dcg = float(np.sum(1.0 / np.log2(ranks + 1)))
    idcg = float(np.sum(1.0 / np.log2(np.arange(1, ideal + 1) + 1)))
    precision_at_hits = np.arange(1, len(ranks) + 1) / ranks
    return {
        "precision": len(ranks) / k,
        "recall": len(ranks) / len(relevant),
        "ndcg": dcg / idcg,
        "map": float(precision_at_hits.sum() / ideal),
        "hit_rate": float(len(ranks) > 0),
    }


def catalog_coverage(lists: Iterable[Sequence[int]], catalogue_size: int) -> float:
    """Share of the catalogue that appears in at least one list.

    Args:
        lists: every user's recommended movie ids.
        catalogue_size: number of movies that could have been recommended (> 0).

    Returns:
        Coverage in [0, 1].
    """
    if catalogue_size <= 0:
        raise ValueError("catalogue_size must be > 0")
    shown = set()
    for movies in lists:
        shown.update(movies)
    return len(shown) / catalogue_size


def popularity_ranks(counts: Mapping[int, int]) -> dict[int, int]:
    """Movie id → popularity rank (1 = most rated; ties share the better rank)."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ranks: dict[int, int] = {}
    previous, rank = None, 0
    for position, (movie, count) in enumerate(ordered, start=1):
        if count != previous:
            rank, previous = position, count
        ranks[movie] = rank
    return ranks


def novelty(lists: Iterable[Sequence[int]], ranks: Mapping[int, int]) -> float:
    """Mean popularity rank of recommended movies (higher = less obvious picks).

    Args:
        lists: every user's recommended movie ids.
        ranks: movie id → popularity rank (``popularity_ranks``); movies missing from it
            (never rated) rank after all others.

    Returns:
        Mean rank; NaN when nothing was recommended.
    """
    unrated = len(ranks) + 1
    values = [ranks.get(movie, unrated) for movies in lists for movie in movies]
    return float(np.mean(values)) if values else float("nan")


def taste_shares(recommended: Sequence[int], held_out: Mapping[int, float], *, liked: float = 4.0,
                 disliked: float = DISLIKED) -> dict[str, float]:
    """Among the recommended films the viewer rated in the held-out data, the share liked and disliked.

    Relevance-only metrics never penalise a pick the viewer went on to rate 1★; these do.

    Args:
        recommended: the list, best first.
        held_out: the viewer's held-out movie id → stars.
        liked, disliked: stars at or above / at or below which a rating is liked / disliked.

    Returns:
        ``{"liked_share", "disliked_share"}`` in [0, 1], NaN when no pick was rated.
    """
    stars = np.array([held_out[m] for m in recommended if m in held_out], dtype=np.float64)
    if len(stars) == 0:
        return {"liked_share": float("nan"), "disliked_share": float("nan")}
    return {"liked_share": float(np.mean(stars >= liked)), "disliked_share": float(np.mean(stars <= disliked))}
