"""Biased matrix factorisation (Surprise's SVD) as a self-contained, servable model.

Training is delegated to scikit-surprise; the fitted biases and factors are then copied into
plain numpy arrays keyed by real ids, sorted ascending, so that

- a model saves as one ``.npy`` per array plus ``meta.json`` (no pickle) and loads memory-mapped,
  letting several web/worker processes share one copy through the page cache;
- a user who rated after training is scored by *folding in*: a small ridge regression against the
  frozen item factors (about a millisecond), instead of retraining;
- unknown users and movies get explicit fallbacks (baseline scores or NaN), never exceptions.

The predicted rating is ``global_mean + user_bias + item_bias + item_factors · user_factors``,
clipped to the star range [0.5, 5.0].
"""
from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
import time
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .arrays import id_rows, load_arrays, one_blas_thread, save_arrays
from .data import MAX_SCORE, MIN_SCORE, require_rating_columns

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
ARRAY_NAMES = ("movie_ids", "item_bias", "item_factors", "user_ids", "user_bias", "user_factors")
PREDICT_CHUNK = 200_000  # pairs scored at once by predict_known: at most ~320 MB of gathered factors (k=100)

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class SVDParams:
    """Hyper-parameters of the factorisation.

    Defaults tuned on ml-100k and ml-latest-small (docs/recommendation-quality.md): regularisation
    around 0.1 is the main lever.

    ``fold_in_prior`` and ``fold_in_bias_prior`` add that much ridge to a folded-in viewer's
    factors and bias on top of ``reg_all × n``: a viewer with five ratings otherwise gets a vector
    fitted to five numbers, and their stars swing to 0.5 or 5 (see docs/recommendation-quality.md, cold-user RMSE).
    """

    n_factors: int = 100
    n_epochs: int = 50
    lr_all: float = 0.01
    reg_all: float = 0.1
    random_state: int = 42
    fold_in_prior: float = 2.0
    fold_in_bias_prior: float = 5.0


@dataclass(frozen=True, eq=False)
class UserVector:
    """A user's position in the model's space: a rating bias (stars) and ``n_factors`` factors."""

    bias: float
    factors: np.ndarray


@dataclass(eq=False)
class SVDModel:
    """A fitted factorisation with arrays indexed by real ids.

    Attributes:
        global_mean: mean training score, in stars.
        movie_ids: int64 (n_items,), sorted ascending; row ``i`` of the item arrays is movie
            ``movie_ids[i]``.
        item_bias: float64 (n_items,), stars above/below ``global_mean``.
        item_factors: float64 or float32 (n_items, n_factors): the compiled large-data trainer
            (``engine.fast_svd``) trains and keeps float32, which halves the bytes that scoring
            the whole catalogue reads (59k movies: ~1 ms instead of ~4 ms).
        user_ids: int64 (n_users,), sorted ascending; row order of the user arrays.
        user_bias: float64 (n_users,).
        user_factors: (n_users, n_factors), the dtype of ``item_factors``.
        params: the hyper-parameters it was trained with.
    """

    global_mean: float
    movie_ids: np.ndarray
    item_bias: np.ndarray
    item_factors: np.ndarray
    user_ids: np.ndarray
    user_bias: np.ndarray
    user_factors: np.ndarray
    params: SVDParams = field(default_factory=SVDParams)

    # ------------------------------------------------------------------ training

    @classmethod
    def fit(
        cls,
        ratings: pd.DataFrame,
        params: SVDParams = SVDParams(),  # noqa: B008 -- frozen, so sharing the default is safe
        *,
        progress: Progress | None = None,
    ) -> SVDModel:
        """Train on a ratings DataFrame.

        Args:
            ratings: ratings DataFrame (see ``engine.data``); must not be empty.
            params: hyper-parameters.
            progress: optional ``progress(stage, fraction)`` callback, fraction in [0, 1];
                stages are ``"trainset"``, ``"epoch"`` (once per epoch), ``"export"``, ``"done"``.

        Returns:
            The fitted model.
        """
        from surprise import SVD, Dataset, Reader  # heavy import, only needed to train

        require_rating_columns(ratings)
        if ratings.empty:
            raise ValueError("cannot fit a model on no ratings")
        report = progress or (lambda stage, fraction: None)
        started = time.perf_counter()

        report("trainset", 0.0)
        frame = pd.DataFrame(
            {
                "user_id": ratings["user_id"].to_numpy(dtype=np.int64),
                "movie_id": ratings["movie_id"].to_numpy(dtype=np.int64),
                "score": ratings["score"].to_numpy(dtype=np.float64),
            }
        )
        reader = Reader(rating_scale=(MIN_SCORE, MAX_SCORE))
        trainset = Dataset.load_from_df(frame, reader).build_full_trainset()

        algo = SVD(
            n_factors=params.n_factors,
            n_epochs=params.n_epochs,
            lr_all=params.lr_all,
            reg_all=params.reg_all,
            random_state=params.random_state,
            verbose=progress is not None,
        )
        if progress is None:
            algo.fit(trainset)
        else:
            with contextlib.redirect_stdout(_EpochListener(report, params.n_epochs)):
                algo.fit(trainset)

        report("export", _EPOCHS_END)
        raw_movie_ids = np.fromiter(
            (trainset.to_raw_iid(i) for i in range(trainset.n_items)), dtype=np.int64, count=trainset.n_items
        )
        raw_user_ids = np.fromiter(
            (trainset.to_raw_uid(u) for u in range(trainset.n_users)), dtype=np.int64, count=trainset.n_users
        )
        items = np.argsort(raw_movie_ids)
        users = np.argsort(raw_user_ids)
        model = cls(
            global_mean=float(trainset.global_mean),
            movie_ids=raw_movie_ids[items],
            item_bias=np.asarray(algo.bi)[items],
            item_factors=np.ascontiguousarray(np.asarray(algo.qi)[items]),
            user_ids=raw_user_ids[users],
            user_bias=np.asarray(algo.bu)[users],
            user_factors=np.ascontiguousarray(np.asarray(algo.pu)[users]),
            params=params,
        )
        logger.info(
            "SVD fitted: %d ratings, %d users, %d movies in %.2f s",
            len(frame), trainset.n_users, trainset.n_items, time.perf_counter() - started,
        )
        report("done", 1.0)
        return model

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> None:
        """Write the model as ``<name>.npy`` per array plus ``meta.json`` (see ``engine.arrays``).

        Args:
            directory: target directory, created if missing; use a new one per model version.
        """
        meta = {
            "format": "svd",
            "format_version": FORMAT_VERSION,
            "global_mean": self.global_mean,
            "params": asdict(self.params),
        }
        save_arrays(directory, {name: getattr(self, name) for name in ARRAY_NAMES}, meta)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> SVDModel:
        """Read a model written by :meth:`save`.

        Args:
            directory: the model's directory.
            mmap: map the arrays read-only instead of reading them into memory.

        Returns:
            The model; its arrays are read-only memory maps when ``mmap`` is true.
        """
        arrays, meta = load_arrays(directory, ARRAY_NAMES, mmap=mmap)
        if meta.get("format") != "svd" or meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{directory} holds no SVD model of format version {FORMAT_VERSION}")
        return cls(global_mean=float(meta["global_mean"]), params=SVDParams(**meta["params"]), **arrays)

    # ------------------------------------------------------------------ scoring

    @property
    def n_factors(self) -> int:
        return int(self.item_factors.shape[1])

    def user_vector(self, user_id: int) -> UserVector | None:
        """The trained vector of a user seen in training.

        Args:
            user_id: real user id.

        Returns:
            The user's vector, or None when the user was not in the training data.
        """
        rows, known = id_rows(self.user_ids, np.array([user_id], dtype=np.int64))
        if not known[0]:
            return None
        row = rows[0]
        return UserVector(bias=float(self.user_bias[row]), factors=np.array(self.user_factors[row]))

    def fold_in(self, movie_ids: Collection[int] | np.ndarray, scores: Collection[float] | np.ndarray) -> UserVector:
        """Fit one user's bias and factors to their ratings, keeping the items frozen.

        Solves the ridge problem ``min Σ (r - μ - b_i - b - q_i·p)² + λ (b² + |p|²)`` with
        ``λ = reg_all × n_ratings + fold_in_prior`` (``fold_in_bias_prior`` for the bias): Surprise's
        SGD applies ``reg_all`` at every rating of a user, so for a heavy rater this is the objective
        training minimised (their own ratings give back nearly their trained vector); the prior
        keeps a viewer with a handful of ratings near the film's known average instead of fitting
        those few numbers exactly.

        Args:
            movie_ids: real ids of the movies the user rated; unknown movies are ignored.
            scores: the user's stars for those movies, same length.

        Returns:
            The user's vector; the zero vector when none of the movies is known
            (predictions are then the baseline).
        """
        ids = np.asarray(movie_ids, dtype=np.int64).reshape(-1)
        stars = np.asarray(scores, dtype=np.float64).reshape(-1)
        if ids.shape != stars.shape:
            raise ValueError(f"{len(ids)} movie ids but {len(stars)} scores")
        rows, known = id_rows(self.movie_ids, ids)
        rows, stars = rows[known], stars[known]
        k = self.n_factors
        if len(rows) == 0:
            return UserVector(bias=0.0, factors=np.zeros(k))
        # Products in the factors' own dtype (float32 from the large-data trainer: a heavy rater's
        # 3,000 × 101 gram matrix in 0.7 ms instead of 1.5), the small system solved in float64.
        design = np.empty((len(rows), k + 1), dtype=self.item_factors.dtype)
        design[:, 0] = 1.0
        design[:, 1:] = self.item_factors[rows]
        target = (stars - self.global_mean - self.item_bias[rows]).astype(design.dtype)
        with one_blas_thread():
            gram = np.asarray(design.T @ design, dtype=np.float64)
            gram[np.diag_indices_from(gram)] += self.params.reg_all * len(rows) + self.params.fold_in_prior
            gram[0, 0] += self.params.fold_in_bias_prior - self.params.fold_in_prior
            solution = np.linalg.solve(gram, np.asarray(design.T @ target, dtype=np.float64))
        return UserVector(bias=float(solution[0]), factors=solution[1:])

    def predict(self, user: UserVector | None, movie_ids: Collection[int] | np.ndarray) -> np.ndarray:
        """Predict a user's stars for some movies.

        Args:
            user: a vector from :meth:`fold_in` or :meth:`user_vector`; None scores the baseline
                (global mean + item bias), e.g. for an anonymous visitor.
            movie_ids: real movie ids, any order, repeats allowed.

        Returns:
            float64 array aligned with ``movie_ids``: stars in [0.5, 5.0], NaN for movies the
            model does not know.
        """
        ids = np.asarray(movie_ids, dtype=np.int64).reshape(-1)
        rows, known = id_rows(self.movie_ids, ids)
        out = np.full(len(ids), np.nan)
        out[known] = np.clip(self._raw_scores(user, rows[known]), MIN_SCORE, MAX_SCORE)
        return out

    def recommend(
        self,
        user: UserVector | None,
        *,
        n: int = 10,
        exclude: Collection[int] = (),
        candidates: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """The user's ``n`` best-predicted movies.

        Ranking uses the unclipped prediction (so several movies predicted above 5 stars still
        keep an order); ties go to the lower movie id.

        Args:
            user: the user's vector; None ranks by baseline.
            n: how many to return; fewer only when fewer candidates remain after exclusion.
            exclude: movie ids never to return (typically the ones the user rated).
            candidates: restrict to these movie ids (unknown ones are ignored); default all movies.

        Returns:
            ``[(movie_id, predicted_stars), ...]`` best first, stars clipped to [0.5, 5.0].
        """
        if candidates is None:
            rows = np.arange(len(self.movie_ids))
        else:
            wanted = np.unique(np.asarray(candidates, dtype=np.int64))
            rows, known = id_rows(self.movie_ids, wanted)
            rows = rows[known]
        excluded = np.fromiter(exclude, dtype=np.int64) if len(exclude) else None
        if excluded is not None:
            rows = rows[~np.isin(self.movie_ids[rows], excluded)]
        if n <= 0 or len(rows) == 0:
            return []
        scores = self._raw_scores(user, rows)
        ids = self.movie_ids[rows]
        if n < len(rows):
            # Keep everything tied with the n-th best so the tie-break below sees all of them.
            threshold = np.partition(scores, len(scores) - n)[len(scores) - n]
            keep = scores >= threshold
            scores, ids = scores[keep], ids[keep]
        order = np.lexsort((ids, -scores))[:n]
        stars = np.clip(scores[order], MIN_SCORE, MAX_SCORE)
        return [(int(i), float(s)) for i, s in zip(ids[order], stars, strict=True)]

    def predict_known(
        self, user_ids: Collection[int] | np.ndarray, movie_ids: Collection[int] | np.ndarray
    ) -> np.ndarray:
        """Predict with trained user vectors, for offline evaluation.

        Fallbacks follow Surprise and never give NaN: an unknown user counts as bias 0 and zero
        factors (global mean + item bias); an unknown movie likewise (global mean + user bias);
        both unknown give the global mean.

        Args:
            user_ids: real user ids.
            movie_ids: real movie ids, same length.

        Returns:
            float64 array of stars in [0.5, 5.0], aligned with the inputs.
        """
        users = np.asarray(user_ids, dtype=np.int64).reshape(-1)
        movies = np.asarray(movie_ids, dtype=np.int64).reshape(-1)
        if users.shape != movies.shape:
            raise ValueError(f"{len(users)} user ids but {len(movies)} movie ids")
        est = np.empty(len(users), dtype=np.float64)
        # In chunks: the gathered factor rows cost n × factors × 8 bytes twice (2.5M pairs: 3.9 GB at once).
        for start in range(0, len(users), PREDICT_CHUNK):
            stop = start + PREDICT_CHUNK
            est[start:stop] = self._predict_known_chunk(users[start:stop], movies[start:stop])
        return np.clip(est, MIN_SCORE, MAX_SCORE)

    def _predict_known_chunk(self, users: np.ndarray, movies: np.ndarray) -> np.ndarray:
        u_rows, u_known = id_rows(self.user_ids, users)
        i_rows, i_known = id_rows(self.movie_ids, movies)
        est = np.full(len(users), self.global_mean)
        est[u_known] += self.user_bias[u_rows[u_known]]
        est[i_known] += self.item_bias[i_rows[i_known]]
        both = u_known & i_known
        est[both] += np.einsum(
            "ij,ij->i", self.user_factors[u_rows[both]], self.item_factors[i_rows[both]]
        )
        return est

    def _raw_scores(self, user: UserVector | None, rows: np.ndarray) -> np.ndarray:
        scores = self.global_mean + self.item_bias[rows]
        if user is not None:
            with one_blas_thread():
                # The user's factors in the items' dtype: a float64 vector would make numpy convert
                # the whole float32 matrix first (59k movies: 11 ms instead of 1 ms).
                factors = np.asarray(user.factors, dtype=self.item_factors.dtype)
                if len(rows) * 4 > len(self.item_factors):
                    # Most of the catalogue: scoring every movie and picking beats copying the rows out
                    # first (30k of 59k movies: 3 ms against 7 ms).
                    products = (self.item_factors @ factors)[rows]
                else:
                    products = self.item_factors[rows] @ factors
                scores = scores + user.bias + products
        return np.asarray(scores, dtype=np.float64)


# Share of the progress bar before and after the SGD epochs (building the trainset, exporting).
_EPOCHS_START = 0.1
_EPOCHS_END = 0.95


class _EpochListener(io.TextIOBase):
    """Turns Surprise's verbose "Processing epoch N" lines into progress calls.

    Surprise's SGD loop is compiled and offers no callback; its verbose print is the only
    per-epoch signal, and costs one line per epoch. ``redirect_stdout`` swaps ``sys.stdout`` for
    the whole process while a fit runs, so any other text written meanwhile goes on to the
    real stdout.
    """

    _EPOCH = re.compile(r"Processing epoch (\d+)")

    def __init__(self, report: Progress, n_epochs: int) -> None:
        super().__init__()
        self._report = report
        self._n_epochs = max(n_epochs, 1)
        self._stdout = sys.stdout
        self._after_epoch_line = False

    def write(self, text: str) -> int:
        match = self._EPOCH.fullmatch(text.strip())
        if match:
            done = int(match.group(1)) / self._n_epochs
            self._report("epoch", _EPOCHS_START + (_EPOCHS_END - _EPOCHS_START) * done)
        elif not (self._after_epoch_line and text == "\n"):  # print() sends the newline apart
            self._stdout.write(text)
        self._after_epoch_line = bool(match)
        return len(text)
