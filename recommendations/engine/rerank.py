"""The last step of every list: drop what must never show, cut to N, optionally spread genres.

Kept apart from scoring so each rule is one small function with one test: excluded movies
(already rated, hidden, on the watch-list) never appear whatever the scores say, a list is
always topped up to N while candidates remain, and ties fall to the more popular movie (then
the lower id) so results are deterministic and a score-less tail degrades into popularity.
"""
from __future__ import annotations

from collections.abc import Collection

import numpy as np

from .arrays import id_rows


def allowed_rows(
    movie_ids: np.ndarray,
    *,
    exclude: Collection[int] = (),
    rated_rows: np.ndarray | None = None,
    candidates: Collection[int] | np.ndarray | None = None,
) -> np.ndarray:
    """Which catalogue rows may be recommended.

    Args:
        movie_ids: int64 (n,) sorted catalogue.
        exclude: movie ids never to show (unknown ids are ignored).
        rated_rows: rows the user rated (never shown either).
        candidates: if given, only these movie ids may be shown.

    Returns:
        bool (n,) mask.
    """
    allowed = np.ones(len(movie_ids), dtype=bool)
    if candidates is not None:
        allowed[:] = False
        rows, known = id_rows(movie_ids, np.asarray(list(candidates) if not isinstance(candidates, np.ndarray)
                                                    else candidates, dtype=np.int64))
        allowed[rows[known]] = True
    if len(exclude):
        rows, known = id_rows(movie_ids, np.fromiter(exclude, dtype=np.int64))
        allowed[rows[known]] = False
    if rated_rows is not None and len(rated_rows):
        allowed[rated_rows] = False
    return allowed


def top_rows(scores: np.ndarray, allowed: np.ndarray, n: int, *, tie_break: np.ndarray | None = None) -> np.ndarray:
    """The best ``n`` allowed rows, best first.

    Args:
        scores: float64 (m,), NaN counts as the lowest score.
        allowed: bool (m,).
        n: how many; fewer only when fewer rows are allowed.
        tie_break: optional float (m,), higher wins among equal scores (e.g. popularity);
            remaining ties go to the lower row.

    Returns:
        intp rows.
    """
    n = min(n, int(np.count_nonzero(allowed)))
    if n <= 0:
        return np.flatnonzero(allowed)[:0]
    # Over the whole catalogue with the disallowed rows at -inf: at 59k movies a third of the time
    # of gathering the allowed rows first (0.5 ms against 1.4).
    values = np.where(allowed, scores, -np.inf)
    values[np.isnan(values)] = -np.inf
    # Keep everything tied with the n-th best so the tie-break below sees all of them.
    threshold = np.partition(values, len(values) - n)[len(values) - n]
    rows = np.flatnonzero((values >= threshold) & allowed)
    values = values[rows]
    secondary = -tie_break[rows] if tie_break is not None else np.zeros(len(rows))
    order = np.lexsort((rows, secondary, -values))[:n]
    return rows[order]


def genre_diverse(
    ranked: np.ndarray,
    scores: np.ndarray,
    genre_indptr: np.ndarray,
    genre_indices: np.ndarray,
    *,
    n: int,
    strength: float,
) -> np.ndarray:
    """Greedy re-rank that penalises genres already shown (maximal marginal relevance).

    Each step takes the row maximising ``score − strength × mean over its genres of (times that
    genre was already picked / picks so far)``; with strength 0 the order is unchanged.

    Args:
        ranked: intp candidate rows, best first (e.g. the top 5n by score).
        scores: float64 scores of those rows (same order), roughly in [0, 1].
        genre_indptr, genre_indices: CSR of each row's genres (indexed by row).
        n: how many to return.
        strength: penalty weight (>= 0).

    Returns:
        intp rows, at most n.
    """
    if strength <= 0 or len(ranked) <= 1:
        return ranked[:n]
    counts: dict[int, int] = {}
    chosen: list[int] = []
    remaining = list(range(len(ranked)))
    while remaining and len(chosen) < n:
        best, best_value = remaining[0], -np.inf
        for position in remaining:
            row = ranked[position]
            genres = genre_indices[genre_indptr[row]:genre_indptr[row + 1]]
            overlap = np.mean([counts.get(int(g), 0) for g in genres]) / len(chosen) if len(genres) and chosen else 0.0
            value = scores[position] - strength * overlap
            if value > best_value:
                best, best_value = position, value
        chosen.append(best)
        remaining.remove(best)
        row = ranked[best]
        for g in genre_indices[genre_indptr[row]:genre_indptr[row + 1]]:
            counts[int(g)] = counts.get(int(g), 0) + 1
    return ranked[np.array(chosen, dtype=np.intp)]


def stars_floor(stars: np.ndarray, floor: float, n: int) -> np.ndarray:
    """Positions of a ranked pool to keep: those predicted at least ``floor`` stars, in pool order,
    topped up to ``n`` with the best-predicted of the rest (NaN stars last) when too few clear it.

    Args:
        stars: float (p,) predicted stars of the pool, best-ranked first.
        floor: the stars a pick should reach.
        n: list length wanted.

    Returns:
        intp positions into the pool.
    """
    stars = np.asarray(stars, dtype=np.float64)
    above = np.flatnonzero(stars >= floor)
    if len(above) >= n:
        return above
    below = np.flatnonzero(~(stars >= floor))
    below = below[np.argsort(-np.nan_to_num(stars[below], nan=-np.inf), kind="stable")]
    return np.concatenate([above, below[: n - len(above)]])
