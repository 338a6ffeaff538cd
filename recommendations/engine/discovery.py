"""The "familiar ↔ discover" dial: shift a ranked pool toward well-known or lesser-known films.

A viewer sets ``discover`` in [0, 1]: 0 favours films many people rated, 1 films few rated, and
0.5 (``NEUTRAL``) leaves the hybrid's order alone. The shift is a re-rank of the hybrid's own best
candidates, so every pick is still one the hybrid rates highly for this viewer; the stars floor
runs after it (``rerank.stars_floor``), so each pick keeps its predicted-stars guarantee.

Familiarity is the log of a film's rating count over the log of the most-rated film's, with
counts below ``floor`` read as ``floor``: films too thin to trust (one or two ratings) are never
preferred over ones with a little support, so "discover" means lesser-known, not unknown.
"""
from __future__ import annotations

import numpy as np

NEUTRAL = 0.5


def familiarity(support: np.ndarray, *, floor: int = 10) -> np.ndarray:
    """How well-known each film is, in [0, 1] (1 = the most-rated film).

    Args:
        support: int (n,) ratings per film.
        floor: counts below this count as this many (see the module docstring).

    Returns:
        float64 (n,).
    """
    counts = np.log1p(np.maximum(np.asarray(support, dtype=np.float64), max(floor, 0)))
    top = float(counts.max()) if len(counts) else 0.0
    return counts / top if top > 0 else np.zeros(len(counts))


def discovery_order(scores: np.ndarray, known: np.ndarray, *, discover: float, strength: float) -> np.ndarray:
    """Positions of a pool re-ranked by ``scaled score + strength × (1 − 2·discover) × familiarity``.

    Args:
        scores: float (p,) the pool's hybrid scores, best first; min-max scaled to [0, 1] here.
        known: float (p,) the pool's familiarity (:func:`familiarity`).
        discover: 0 (familiar) to 1 (discover); ``NEUTRAL`` keeps the pool order.
        strength: how far the dial may move a film (0 = not at all; 2 lets a well-known film
            overtake the best-scored obscure one at the familiar end, and the reverse).

    Returns:
        intp positions into the pool, new order (stable: ties keep the pool order).

    Raises:
        ValueError: ``discover`` outside [0, 1].
    """
    if not 0.0 <= discover <= 1.0:
        raise ValueError(f"discover must be between 0 and 1, got {discover}")
    scores = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=-np.inf)
    if discover == NEUTRAL or strength <= 0 or len(scores) <= 1:
        return np.arange(len(scores))
    finite = np.isfinite(scores)
    low, high = (scores[finite].min(), scores[finite].max()) if finite.any() else (0.0, 0.0)
    scaled = np.where(finite, (scores - low) / (high - low) if high > low else 0.0, -np.inf)
    shifted = scaled + strength * (1.0 - 2.0 * discover) * np.asarray(known, dtype=np.float64)
    return np.argsort(-shifted, kind="stable")


def popularity_ranks(support: np.ndarray) -> np.ndarray:
    """Each film's rank by rating count, 1 = the most rated (ties: the lower row first).

    Args:
        support: int (n,) ratings per film.

    Returns:
        int64 (n,) ranks.
    """
    order = np.argsort(-np.asarray(support), kind="stable")
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks
