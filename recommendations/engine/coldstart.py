"""A linear item model trained for the task a new viewer poses: guess the films they will like from
the few they have rated so far.

EASE (``engine.ease``) learns to rebuild a user's whole row from the whole row; a new viewer
shows only a handful of films, and a model fitted on complete rows leans on signals such a
viewer never gives. This model is fitted, in closed form, to the cold-start task itself: every
training user shows a random ``known`` of their films (each rating kept with probability
``q_u = min(1, known / n_u)``) and the model must score the *hidden* films they rated at least
``liked`` stars. Inputs are two features per rated film, "watched" and "liked it" (stars >=
``liked``), so a 1★ rating says "saw it" without saying "loved it". The expected squared error
over the random reveal has a closed form (the dropout view of a denoising linear autoencoder,
Steck, "Autoencoders that don't overfit towards the identity", NeurIPS 2020), with
``Z = [X, L]`` (users × 2m: watched, liked) and ``Y = L``:

    A = Zᵀ diag(q²) Z + per-film diag(q(1−q)) terms + λI      (2m × 2m)
    C = Zᵀ diag(q(1−q)) Y   with a film never predicting itself
    W = A⁻¹ C                                                  (2m × m)

A viewer's score for film i is ``Σ_j W[j, i] + Σ_{j liked} W[m + j, i]`` over their rated films j:
free fold-in, and each rated film's share is one cell (explanations). One rating says little, so
the ``expansion`` best-scored films then join the input as if liked, with weight
``expansion_weight / r`` for r rated films (pseudo-relevance feedback: it fades as ratings come).

Why these settings (validation runs, what else was tried): docs/recommendation-quality.md.

Memory: ``W`` is kept whole (not as its factors), 2 × m² float32 (2,500 films: 50 MB); training
solves a 2m × 2m system (2,500 films: ~0.4 GB float64 for a few seconds), so only the ``max_items`` most-rated films are
modelled. A new viewer's first ratings are almost always among them.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import linalg, sparse

from .arrays import id_rows, load_arrays, plain_views, require_format, save_arrays
from .prepare import interaction_matrix

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
DAY = 86_400.0


@dataclass(frozen=True)
class ColdStartParams:
    """Cold-start model hyper-parameters (chosen on validation, see the module docstring).

    Attributes:
        known: ratings a training user reveals on average (>= 1); 4 scored best for viewers
            with 1-10 ratings.
        l2: ridge penalty λ (> 0), in units of the dropout-weighted gram matrix.
        rank: taste directions the weights keep (reduced-rank ridge, 0 = the full m × m solution).
        liked: stars at or above which a rating counts as "liked" (input and target).
        max_items: films modelled, the most rated first.
        expansion: best-scored films added to a viewer's input (0 = off).
        expansion_weight: their weight, divided by the viewer's number of rated films.
        period_days: spacing of the periods a viewer's time is placed in (0 = no time input).
        period_width: width in days of a viewer's Gaussian membership of the periods.
        period_l2: ridge penalty on the periods' rows.
        disliked: stars at or below which a rating counts against its film: it is no input
            ("saw it" would bring what its watchers liked) and its "liked" row is subtracted,
            so what the people who loved it loved is pushed down.
    """

    known: float = 4.0
    l2: float = 1.0
    rank: int = 20
    liked: float = 4.0
    max_items: int = 2_500
    expansion: int = 10
    expansion_weight: float = 0.1
    period_days: float = 15.0
    period_width: float = 20.0
    period_l2: float = 30.0
    disliked: float = 2.0

    def __post_init__(self) -> None:
        if self.known < 1:
            raise ValueError(f"known must be >= 1, got {self.known}")
        if self.l2 <= 0:
            raise ValueError(f"l2 must be > 0, got {self.l2}")
        if self.rank < 0:
            raise ValueError(f"rank must be >= 0, got {self.rank}")
        if self.max_items < 1:
            raise ValueError(f"max_items must be >= 1, got {self.max_items}")
        if self.expansion < 0 or self.expansion_weight < 0:
            raise ValueError("expansion and expansion_weight must be >= 0")
        if self.period_days < 0 or self.period_width <= 0 or self.period_l2 <= 0:
            raise ValueError("period_days must be >= 0, period_width and period_l2 > 0")


@dataclass(eq=False)
class ColdStartModel:
    """Fitted weights for ``movie_ids``.

    Attributes:
        movie_ids: int64 (m,) sorted; row/column order of the weights.
        watched: float32 (m, m), ``watched[j, i]`` = how much having rated j raises i; zero diagonal.
        liked: float32 (m, m), what having *liked* j adds on top; zero diagonal.
        params: hyper-parameters.
        periods: float64 (b,) ascending period centres, epoch seconds (empty: no time input).
        by_period: float32 (b, m), what belonging to each period adds.
    """

    movie_ids: np.ndarray
    watched: np.ndarray
    liked: np.ndarray
    params: ColdStartParams = ColdStartParams()
    periods: np.ndarray = field(default_factory=lambda: np.empty(0))
    by_period: np.ndarray = field(default_factory=lambda: np.empty((0, 0), dtype=np.float32))

    @classmethod
    def fit(cls, ratings: pd.DataFrame, params: ColdStartParams = ColdStartParams()) -> ColdStartModel:  # noqa: B008
        """Train on who rated what, who liked what and (with timestamps) when.

        Args:
            ratings: ratings DataFrame (stars in 0.5-5), optionally with ``timestamp``.
            params: hyper-parameters; the ``max_items`` most-rated films are modelled (ties by lower id).

        Returns:
            The fitted model.
        """
        started = time.perf_counter()
        counts = ratings["movie_id"].value_counts()
        counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        movie_ids = np.sort(counts.index.to_numpy(dtype=np.int64)[: params.max_items])
        stars, user_ids = interaction_matrix(ratings, movie_ids, values="score")
        periods, membership = np.empty(0), None
        if params.period_days > 0 and "timestamp" in ratings.columns and len(ratings):
            times = ratings["timestamp"].to_numpy(dtype=np.float64)
            periods = period_centres(times.min(), times.max(), params.period_days * DAY)
            when = ratings.groupby("user_id")["timestamp"].median().reindex(user_ids).to_numpy(dtype=np.float64)
            membership = period_membership(when, periods, params.period_width * DAY)
        watched, liked, by_period = cold_start_weights(stars, known=params.known, l2=params.l2, liked=params.liked,
                                                       rank=params.rank, periods=membership,
                                                       period_l2=params.period_l2)
        logger.info("cold-start model fitted: %d movies, %d periods in %.2f s", len(movie_ids), len(periods),
                    time.perf_counter() - started)
        return cls(movie_ids=movie_ids, watched=watched, liked=liked, params=params, periods=periods,
                   by_period=by_period)

    def score(self, movie_ids: np.ndarray, stars: np.ndarray, *, at: float | None = None) -> np.ndarray:
        """Scores of every modelled movie for a user who gave ``stars`` to ``movie_ids``.

        Args:
            movie_ids: int64 (r,) the user rated; unknown ones are ignored.
            stars: float (r,) their stars.
            at: when the user rates, epoch seconds (their latest rating); None = now.

        Returns:
            float64 (m,) aligned with ``self.movie_ids``; unitless, higher is better; all zero
            for a user with no modelled movie.
        """
        rows, loves, hates = self._inputs(movie_ids, stars)
        if len(rows) == 0 and len(hates) == 0:
            return np.zeros(len(self.movie_ids))
        total = self._direct(rows, loves, hates)
        if len(self.periods):
            total += self.period_scores(at)
        size = min(self.params.expansion, len(self.movie_ids) - len(rows) - len(hates))
        if size > 0 and self.params.expansion_weight > 0:
            unrated = total.copy()
            unrated[rows] = -np.inf
            unrated[hates] = -np.inf
            best = np.argpartition(-unrated, size - 1)[:size]
            empty = np.empty(0, dtype=np.intp)
            total += (self.params.expansion_weight / (len(rows) + len(hates))) * self._direct(best, best, empty)
        return total

    def period_scores(self, at: float | None = None) -> np.ndarray:
        """float64 (m,): what belonging to the time ``at`` adds (None or after the data: its last moment)."""
        when = self.periods[-1] if at is None else float(at)
        membership = period_membership(np.array([when]), self.periods, self.params.period_width * DAY)
        return np.asarray(membership @ self.by_period, dtype=np.float64).ravel()

    def _direct(self, rows: np.ndarray, loves: np.ndarray, hates: np.ndarray) -> np.ndarray:
        total = self.watched[rows].sum(axis=0, dtype=np.float64)
        if len(loves):
            total += self.liked[loves].sum(axis=0, dtype=np.float64)
        if len(hates):
            total -= self.liked[hates].sum(axis=0, dtype=np.float64)
        return total

    def contributions(self, movie_ids: np.ndarray, stars: np.ndarray, targets: Collection[int]) -> np.ndarray:
        """How much each rated movie adds to each target's score directly (the expansion is not credited).

        Args:
            movie_ids: int64 (r,) movies the user rated.
            stars: float (r,) their stars.
            targets: movie ids being explained.

        Returns:
            float64 (len(targets), r); 0 where either movie is not modelled.
        """
        rated, rated_known = id_rows(self.movie_ids, np.asarray(movie_ids, dtype=np.int64))
        goal, goal_known = id_rows(self.movie_ids, np.fromiter(targets, dtype=np.int64))
        stars = np.asarray(stars, dtype=np.float64)
        hated = stars <= self.params.disliked
        out = np.asarray(self.watched[np.ix_(rated, goal)], dtype=np.float64) * ~hated[:, None]
        sign = np.where(stars >= self.params.liked, 1.0, 0.0) - hated
        out += np.asarray(self.liked[np.ix_(rated, goal)], dtype=np.float64) * sign[:, None]
        return out.T * goal_known[:, None] * rated_known[None, :]

    def save(self, directory: Path) -> None:
        """Write ``movie_ids.npy``, ``watched.npy``, ``liked.npy``, the periods' arrays and ``meta.json``."""
        meta = {"format": "coldstart", "format_version": FORMAT_VERSION, "params": asdict(self.params)}
        save_arrays(directory, {"movie_ids": self.movie_ids, "watched": self.watched, "liked": self.liked,
                                "periods": self.periods, "by_period": self.by_period}, meta)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> ColdStartModel:
        """Read a model written by :meth:`save` (memory-mapped by default)."""
        meta = require_format(directory, "coldstart", FORMAT_VERSION)
        # Artifacts saved before the time input existed have no periods.
        names = [n for n in ("movie_ids", "watched", "liked", "periods", "by_period") if n in meta["shapes"]]
        arrays, meta = load_arrays(directory, names, mmap=mmap)
        arrays = plain_views(arrays)
        return cls(params=ColdStartParams(**meta["params"]), **arrays)

    def _inputs(self, movie_ids: np.ndarray, stars: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of the modelled movies the user rated (but did not dislike), liked and disliked (each once)."""
        rows, known = id_rows(self.movie_ids, np.asarray(movie_ids, dtype=np.int64))
        stars = np.asarray(stars, dtype=np.float64)[known]
        rows = rows[known]
        hated = stars <= self.params.disliked
        return (np.unique(rows[~hated]), np.unique(rows[stars >= self.params.liked]), np.unique(rows[hated]))


def cold_start_weights(
    stars: sparse.csr_matrix, *, known: float, l2: float, liked: float = 4.0, rank: int = 0,
    periods: sparse.spmatrix | None = None, period_l2: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve the cold-start regression for a users × items matrix of stars.

    Args:
        stars: scipy sparse (n_users, m) stars, 0 where not rated.
        known: ratings each user reveals on average (>= 1).
        l2: ridge penalty (> 0).
        liked: stars at or above which a rating is "liked".
        rank: keep only this many directions of the predicted tastes (reduced-rank ridge
            regression, see :func:`reduced_rank`); 0 or >= m keeps the full solution.
        periods: optional (n_users, b) membership of each user in b periods (:func:`period_membership`):
            inputs every user always shows (no dropout).
        period_l2: ridge penalty on the periods' weights (> 0).

    Returns:
        ``(watched, liked, by_period)``: float32 (m, m), (m, m) and (b, m) weights (b = 0 without
        periods), zero diagonals.
    """
    if l2 <= 0:
        raise ValueError(f"l2 must be > 0, got {l2}")
    if rank < 0:
        raise ValueError(f"rank must be >= 0, got {rank}")
    stars = sparse.csr_matrix(stars, dtype=np.float64)
    watched = (stars != 0).astype(np.float64).tocsr()
    loved = (stars >= liked).astype(np.float64).tocsr()
    m = stars.shape[1]
    per_user = np.asarray(watched.sum(axis=1)).ravel()
    keep = np.minimum(1.0, known / np.maximum(per_user, 1.0))  # q_u: chance a rating is revealed
    inputs = sparse.hstack([watched, loved], format="csr")
    periods = sparse.csr_matrix((stars.shape[0], 0)) if periods is None else sparse.csr_matrix(periods)
    b = periods.shape[1]
    system = np.empty((2 * m + b, 2 * m + b))
    system[:2 * m, :2 * m] = (inputs.T @ sparse.diags(keep * keep) @ inputs).toarray()
    # A period is always shown: its products with a film carry one chance q, with itself none.
    system[:2 * m, 2 * m:] = (inputs.T @ sparse.diags(keep) @ periods).toarray()
    system[2 * m:, :2 * m] = system[:2 * m, 2 * m:].T
    system[2 * m:, 2 * m:] = (periods.T @ periods).toarray() + period_l2 * np.eye(b)
    # A rating is revealed or hidden as a whole: its two features share one coin, so the
    # variance terms sit on the diagonal of each block and on the diagonal linking them.
    spread = keep * (1 - keep)
    films = np.arange(m)
    watched_var = np.asarray(watched.T @ spread).ravel()
    loved_var = np.asarray(loved.T @ spread).ravel()  # liked ⊂ watched: the cross term equals it
    system[films, films] += watched_var + l2
    system[m + films, m + films] += loved_var + l2
    system[films, m + films] += loved_var
    system[m + films, films] += loved_var
    # Targets are the hidden liked films: j revealed and i hidden, so never i predicting itself.
    target = np.asarray(sparse.vstack([inputs.T @ sparse.diags(spread) @ loved,
                                       periods.T @ sparse.diags(1 - keep) @ loved]).toarray(), dtype=np.float64)
    target[films, films] = 0.0
    target[m + films, films] = 0.0
    weights = linalg.solve(system, target, assume_a="pos", overwrite_a=True, check_finite=False)
    weights[films, films] = 0.0
    weights[m + films, films] = 0.0
    if 0 < rank < m:
        weights = reduced_rank(weights, target, rank)
        weights[films, films] = 0.0
        weights[m + films, films] = 0.0
    return weights[:m].astype(np.float32), weights[m:2 * m].astype(np.float32), weights[2 * m:].astype(np.float32)


def period_centres(first: float, last: float, spacing: float) -> np.ndarray:
    """Centres ``spacing`` apart ending at ``last`` and reaching back to ``first`` (epoch seconds, ascending)."""
    return last - spacing * np.arange(int((last - first) // spacing), -1, -1)


def period_membership(times: np.ndarray, centres: np.ndarray, width: float) -> sparse.csr_matrix:
    """Each time's Gaussian weights over the periods, cut at 3 widths, summing to 1.

    Args:
        times: float (n,) epoch seconds; those outside the centres count as the nearest end.
        centres: float (b,) evenly spaced period centres (:func:`period_centres`).
        width: the Gaussian's standard deviation, seconds (> 0).

    Returns:
        float64 CSR (n, b).
    """
    times = np.clip(np.asarray(times, dtype=np.float64), centres[0], centres[-1])
    spacing = centres[1] - centres[0] if len(centres) > 1 else np.inf
    reach = int(np.ceil(3 * width / spacing))
    cols = np.rint((times - centres[0]) / spacing).astype(np.int64)[:, None] + np.arange(-reach, reach + 1)
    inside = (cols >= 0) & (cols < len(centres))
    cols = np.clip(cols, 0, len(centres) - 1)
    distance = np.where(inside, ((times[:, None] - centres[cols]) / width) ** 2, np.inf)
    weights = np.exp(-0.5 * (distance - distance.min(axis=1, keepdims=True)))  # the nearest never underflows
    weights /= weights.sum(axis=1, keepdims=True)
    rows = np.broadcast_to(np.arange(len(times))[:, None], cols.shape)
    return sparse.csr_matrix((weights[inside], (rows[inside], cols[inside])), shape=(len(times), len(centres)))


def reduced_rank(weights: np.ndarray, target: np.ndarray, rank: int) -> np.ndarray:
    """The ridge solution restricted to its ``rank`` strongest output directions.

    Reduced-rank ridge regression (Mukherjee & Zhu 2011): with ``A W = C`` solved, the fitted
    tastes of the ridge-augmented problem have covariance ``Wᵀ A W = Wᵀ C``; projecting ``W`` on
    its top eigenvectors ``V`` gives the best rank-``rank`` weights, ``W V Vᵀ``. Every film's
    row then speaks through the same few taste directions, which generalises better from a
    handful of ratings than a free m × m matrix fitted on a few hundred viewers.

    Args:
        weights: float64 (k, m) ridge solution ``W``.
        target: float64 (k, m) right-hand side ``C`` it was solved for.
        rank: directions kept, 1 <= rank < m.

    Returns:
        float64 (k, m) projected weights.
    """
    m = weights.shape[1]
    spread = weights.T @ target
    spread = (spread + spread.T) / 2
    _, directions = linalg.eigh(spread, subset_by_index=[m - rank, m - 1], check_finite=False)
    return (weights @ directions) @ directions.T
