"""Item-based KNNBaseline (Koren 2010; Surprise's ``KNNBaseline``) as a servable numpy model.

Prediction: ``r̂_ui = b_ui + Σ_j s_ij (r_uj − b_uj) / Σ_j s_ij`` over the ``k`` rated movies j most
similar to i (positive similarities only), with baselines ``b_ui = μ + b_u + b_i`` fitted by
alternating least squares and ``s_ij`` the shrunk Pearson correlation of baseline residuals over
common raters (Surprise's ``pearson_baseline``). It errs differently from the factorisation, which
is why blending the two beats either (see ``engine.blend``).

Only each movie's ``keep`` most similar movies are stored (sparse), so memory grows as
``keep × n`` rather than ``n²``; with ``keep`` well above ``k`` the answers match a dense matrix
closely. A user unknown at training time is folded in by one least-squares step for their
bias (items frozen), then scored from their ratings directly.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from .arrays import csr_segments, id_rows, load_arrays, plain_views, require_format, save_arrays, top_k_positive
from .data import MAX_SCORE, MIN_SCORE, require_rating_columns

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MAX_BLOCK_CELLS = 4_000_000
_ARRAYS = ("movie_ids", "item_bias", "item_count", "user_ids", "user_bias", "indptr", "indices",
           "similarity", "history_indptr", "history_rows", "history_scores")


@dataclass(frozen=True)
class KNNBaselineParams:
    """Hyper-parameters; defaults are Surprise's (k 40, shrinkage 100, ALS reg 15/10, 10 epochs).

    ``keep`` bounds the stored neighbours per movie. On ml-100k u1 (RMSE; Surprise 0.9359):
    keep 100 → 0.9467, 200 → 0.9391, 400 → 0.9364, 700 → 0.9359 (every positive similarity).

    ``neighbour_prior`` is added to the summed similarity a prediction divides by, so a target
    with one weak rated neighbour moves little from the baseline: a viewer with five ratings
    otherwise gets that one neighbour's whole residual (ml-100k cold users with 5 ratings, blend
    RMSE 1.023 → 0.976; u1 0.9149 → 0.9137; docs/recommendation-quality.md).
    """

    k: int = 40
    shrinkage: float = 100.0
    keep: int = 500
    reg_user: float = 15.0
    reg_item: float = 10.0
    n_epochs: int = 10
    neighbour_prior: float = 4.0


@dataclass(frozen=True, eq=False)
class KNNUser:
    """A user as the model sees them: bias (stars), rated rows and their baseline residuals."""

    bias: float
    rows: np.ndarray
    residuals: np.ndarray


@dataclass(eq=False)
class KNNBaseline:
    """Fitted baselines, neighbourhoods and (for ``predict_known``) the training ratings.

    Attributes:
        global_mean: μ, stars.
        movie_ids, item_bias, item_count: (n,) sorted ids, b_i, training ratings per movie.
        user_ids, user_bias: (n_users,) sorted ids, b_u.
        indptr, indices, similarity: CSR (n, n), row i = i's ``keep`` most similar movies.
        history_indptr, history_rows, history_scores: CSR of each trained user's ratings.
    """

    global_mean: float
    movie_ids: np.ndarray
    item_bias: np.ndarray
    item_count: np.ndarray
    user_ids: np.ndarray
    user_bias: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    similarity: np.ndarray
    history_indptr: np.ndarray
    history_rows: np.ndarray
    history_scores: np.ndarray
    params: KNNBaselineParams = KNNBaselineParams()

    @classmethod
    def fit(cls, ratings: pd.DataFrame, params: KNNBaselineParams = KNNBaselineParams()) -> KNNBaseline:  # noqa: B008
        """Train on a ratings DataFrame (must not be empty)."""
        require_rating_columns(ratings)
        if ratings.empty:
            raise ValueError("cannot fit a model on no ratings")
        started = time.perf_counter()
        user_ids, u = np.unique(ratings["user_id"].to_numpy(dtype=np.int64), return_inverse=True)
        movie_ids, i = np.unique(ratings["movie_id"].to_numpy(dtype=np.int64), return_inverse=True)
        r = ratings["score"].to_numpy(dtype=np.float64)
        mu = float(r.mean())
        user_bias, item_bias = _als_baselines(u, i, r - mu, len(user_ids), len(movie_ids), params)
        residual = r - mu - user_bias[u] - item_bias[i]
        shape = (len(user_ids), len(movie_ids))
        history = sparse.csr_matrix((r, (u, i)), shape=shape)
        history.sort_indices()
        similarity = _pearson_baseline(
            sparse.csr_matrix((residual, (u, i)), shape=shape), k=params.keep, shrinkage=params.shrinkage
        )
        model = cls(
            global_mean=mu, movie_ids=movie_ids, item_bias=item_bias,
            item_count=np.bincount(i, minlength=len(movie_ids)).astype(np.int32),
            user_ids=user_ids, user_bias=user_bias,
            indptr=similarity.indptr.astype(np.int64), indices=similarity.indices.astype(np.int32),
            similarity=similarity.data.astype(np.float32),
            history_indptr=history.indptr.astype(np.int64), history_rows=history.indices.astype(np.int32),
            history_scores=history.data.astype(np.float32), params=params,
        )
        logger.info("KNNBaseline fitted: %d ratings, %d movies in %.2f s", len(r), len(movie_ids),
                    time.perf_counter() - started)
        return model

    # ------------------------------------------------------------------ users

    def fold_in(self, movie_ids: Collection[int] | np.ndarray, scores: Collection[float] | np.ndarray) -> KNNUser:
        """A user from their ratings: bias by one ALS step against the frozen item biases.

        Args:
            movie_ids: real ids the user rated; unknown ones are ignored.
            scores: their stars, same length.

        Returns:
            The user; bias 0 and no neighbours when no movie is known.
        """
        ids = np.asarray(movie_ids, dtype=np.int64).reshape(-1)
        stars = np.asarray(scores, dtype=np.float64).reshape(-1)
        if ids.shape != stars.shape:
            raise ValueError(f"{len(ids)} movie ids but {len(stars)} scores")
        rows, known = id_rows(self.movie_ids, ids)
        rows, stars = rows[known], stars[known]
        offsets = stars - self.global_mean - self.item_bias[rows]
        bias = float(offsets.sum() / (self.params.reg_user + len(rows))) if len(rows) else 0.0
        return KNNUser(bias=bias, rows=rows, residuals=offsets - bias)

    def trained_user(self, row: int) -> KNNUser:
        """The user at ``row`` of ``user_ids`` with their training ratings and fitted bias."""
        start, stop = int(self.history_indptr[row]), int(self.history_indptr[row + 1])
        rows = np.asarray(self.history_rows[start:stop], dtype=np.intp)
        bias = float(self.user_bias[row])
        residuals = np.asarray(self.history_scores[start:stop], dtype=np.float64) - (
            self.global_mean + bias + self.item_bias[rows]
        )
        return KNNUser(bias=bias, rows=rows, residuals=residuals)

    # ------------------------------------------------------------------ scoring

    def predict(self, user: KNNUser | None, movie_ids: Collection[int] | np.ndarray) -> np.ndarray:
        """Predicted stars in [0.5, 5], NaN for unknown movies; None scores the baseline μ + b_i."""
        ids = np.asarray(movie_ids, dtype=np.int64).reshape(-1)
        rows, known = id_rows(self.movie_ids, ids)
        out = np.full(len(ids), np.nan)
        out[known] = np.clip(self.raw_scores(user, rows[known]), MIN_SCORE, MAX_SCORE)
        return out

    def raw_scores(self, user: KNNUser | None, rows: np.ndarray) -> np.ndarray:
        """Unclipped predictions for catalogue rows."""
        if user is None:
            return self.baseline(None, rows)
        return self.baseline(user, rows) + self._neighbourhood(user, np.asarray(rows, dtype=np.intp))

    def baseline(self, user: KNNUser | None, rows: np.ndarray) -> np.ndarray:
        """The baseline ``μ + b_u + b_i`` alone for catalogue rows (unclipped; b_u = 0 without a user)."""
        return self.global_mean + np.asarray(self.item_bias)[rows] + (user.bias if user is not None else 0.0)

    def baseline_known(self, user_ids: np.ndarray, movie_ids: np.ndarray) -> np.ndarray:
        """``μ + b_u + b_i`` for (user, movie) pairs, 0 bias for an unknown side (unclipped)."""
        u_rows, u_known = id_rows(self.user_ids, np.asarray(user_ids, dtype=np.int64).reshape(-1))
        i_rows, i_known = id_rows(self.movie_ids, np.asarray(movie_ids, dtype=np.int64).reshape(-1))
        return (self.global_mean + np.where(u_known, np.asarray(self.user_bias)[u_rows], 0.0)
                + np.where(i_known, np.asarray(self.item_bias)[i_rows], 0.0))

    def predict_known(self, user_ids: np.ndarray, movie_ids: np.ndarray) -> np.ndarray:
        """Predict with trained users (their training ratings as neighbours), for evaluation.

        Unknown users get the baseline (bias 0, no neighbours); unknown movies μ + b_u.

        Returns:
            float64 stars in [0.5, 5], aligned with the inputs.
        """
        users = np.asarray(user_ids, dtype=np.int64).reshape(-1)
        movies = np.asarray(movie_ids, dtype=np.int64).reshape(-1)
        if users.shape != movies.shape:
            raise ValueError(f"{len(users)} user ids but {len(movies)} movie ids")
        u_rows, u_known = id_rows(self.user_ids, users)
        i_rows, i_known = id_rows(self.movie_ids, movies)
        est = np.full(len(users), self.global_mean)
        est[u_known] += self.user_bias[u_rows[u_known]]
        est[i_known] += self.item_bias[i_rows[i_known]]
        both = np.flatnonzero(u_known & i_known)
        order = both[np.argsort(u_rows[both], kind="stable")]
        starts = np.flatnonzero(np.r_[True, np.diff(u_rows[order]) != 0]) if len(order) else np.array([], int)
        for chunk in np.split(order, starts[1:]) if len(order) else []:
            user = self.trained_user(int(u_rows[chunk[0]]))
            est[chunk] += self._neighbourhood(user, i_rows[chunk])
        return np.clip(est, MIN_SCORE, MAX_SCORE)

    def _neighbourhood(self, user: KNNUser, targets: np.ndarray) -> np.ndarray:
        """Similarity-weighted mean residual of each target's k most similar rated movies."""
        out = np.zeros(len(targets))
        if len(user.rows) == 0 or len(targets) == 0:
            return out
        position = np.full(len(self.movie_ids), -1, dtype=np.intp)
        position[user.rows] = np.arange(len(user.rows))
        owner, flat = csr_segments(self.indptr, targets)
        neighbour = position[np.asarray(self.indices)[flat]]
        rated = neighbour >= 0
        owner, sims, neighbour = owner[rated], np.asarray(self.similarity)[flat][rated], neighbour[rated]
        # CSR rows are stored by column; rank each target's rated neighbours by similarity.
        order = np.lexsort((-sims, owner))
        owner, sims, neighbour = owner[order], sims[order], neighbour[order]
        rank = np.arange(len(owner)) - np.searchsorted(owner, owner, side="left")
        keep = (rank < self.params.k) & (sims > 0)
        owner, sims, neighbour = owner[keep], sims[keep].astype(np.float64), neighbour[keep]
        weight = np.bincount(owner, weights=sims, minlength=len(targets))
        total = np.bincount(owner, weights=sims * user.residuals[neighbour], minlength=len(targets))
        weight = weight + self.params.neighbour_prior
        np.divide(total, weight, out=out, where=weight > 0)
        return out

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> None:
        """Write one ``.npy`` per array plus ``meta.json``."""
        meta = {"format": "knn-baseline", "format_version": FORMAT_VERSION, "global_mean": self.global_mean,
                "params": asdict(self.params)}
        save_arrays(directory, {name: getattr(self, name) for name in _ARRAYS}, meta)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> KNNBaseline:
        """Read a model written by :meth:`save` (memory-mapped by default)."""
        require_format(directory, "knn-baseline", FORMAT_VERSION)
        arrays, meta = load_arrays(directory, _ARRAYS, mmap=mmap)
        arrays = plain_views(arrays)
        return cls(global_mean=float(meta["global_mean"]), params=KNNBaselineParams(**meta["params"]), **arrays)


def _als_baselines(
    u: np.ndarray, i: np.ndarray, offsets: np.ndarray, n_users: int, n_items: int, params: KNNBaselineParams
) -> tuple[np.ndarray, np.ndarray]:
    """Surprise's ``baseline_als``: alternate item then user biases, each a ridge mean."""
    user_n = np.bincount(u, minlength=n_users)
    item_n = np.bincount(i, minlength=n_items)
    bu, bi = np.zeros(n_users), np.zeros(n_items)
    for _ in range(params.n_epochs):
        bi = np.bincount(i, weights=offsets - bu[u], minlength=n_items) / (params.reg_item + item_n)
        bu = np.bincount(u, weights=offsets - bi[i], minlength=n_users) / (params.reg_user + user_n)
    return bu, bi


def _pearson_baseline(residuals: sparse.csr_matrix, *, k: int, shrinkage: float) -> sparse.csr_matrix:
    """Shrunk Pearson correlation of residuals over common raters; top-k positive per row."""
    n_users, n = residuals.shape
    watched = residuals.copy()
    watched.data = np.ones_like(watched.data)
    squared = residuals.multiply(residuals).tocsr()
    # Sparse products cost Σ (ratings per user)², far below the dense n² × users.
    res, seen, sq = residuals.tocsr(), watched.tocsr(), squared.tocsr()
    res_t, seen_t, sq_t = res.T.tocsr(), seen.T.tocsr(), sq.T.tocsr()
    block_rows = max(1, min(1000, MAX_BLOCK_CELLS // max(n, 1)))
    rows, cols, vals = [], [], []
    for start in range(0, n, block_rows):
        stop = min(start + block_rows, n)
        prods, freq, sq_i, sq_j = (
            _dense(a[start:stop] @ b) for a, b in ((res_t, res), (seen_t, seen), (sq_t, seen), (seen_t, sq))
        )
        denominator = np.sqrt(sq_i * sq_j)
        with np.errstate(divide="ignore", invalid="ignore"):
            block = np.where((freq > 0) & (denominator > 0), prods / denominator, 0.0)
            block *= np.where(freq > 1, (freq - 1) / (freq - 1 + shrinkage), 0.0)
        local = np.arange(stop - start)
        block[local, start + local] = 0.0
        top_rows, top_cols, top_values = top_k_positive(block, k)
        rows.append(top_rows + start)
        cols.append(top_cols)
        vals.append(top_values)
    result = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n), dtype=np.float32
    )
    result.sort_indices()
    return result


def _dense(product) -> np.ndarray:
    return product.toarray() if sparse.issparse(product) else np.asarray(product)
