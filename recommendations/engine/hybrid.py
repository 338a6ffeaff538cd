"""The hybrid recommender the site serves: several rankers mixed by how much we know about the user.

Signals (each scores every catalogue movie from the user's ratings alone, so any user, new or
changed, is served without retraining):

- ``popularity``: damped mean × log count (``engine.popularity``);
- ``ease``: the closed-form item-item model (``engine.ease``), the best single top-N ranker;
- ``itemknn``: co-watching neighbours (``engine.itemknn``), covering movies EASE leaves out;
- ``content``: TF-IDF taste (``engine.content_ranker``), the only signal for unrated movies;
- ``coldstart``: a linear model fitted to guess liked films from a few ratings
  (``engine.coldstart``), the signal for viewers who have rated little so far;
- ``userknn``: what the viewers who rated the same films went on to like (``engine.userknn``),
  beside the cold-start model for new viewers;
- ``rating``: the rating predictor's stars, on movies with at least ``min_support`` ratings.

Per request each signal is min-max scaled over the allowed candidates to [0, 1] and the scaled
signals are summed with weights that slide from ``new_user`` to ``heavy_user`` as the number of
ratings n grows: ``w = (half·new + n·heavy) / (half + n)`` (``NEW_USER_MIX``, ``HEAVY_USER_MIX``).
A user with no ratings gets the ``new_user`` mix (popularity first); a heavy rater the
collaborative signals. Ratings are signed evidence (``engine.signals``): a disliked film pushes
its neighbours down. Ties go to the more popular movie.

The rating predictor (``engine.blend``) supplies each pick's predicted stars, and the list agrees
with them: among the best-scored ``pool`` candidates, films predicted below ``min_stars`` (or the
viewer's mean − ``below_mean``) come only when too few remain above. The signals' parts name the
reasons (``engine.explain``). The measurements behind all of it: docs/recommendation-quality.md.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .arrays import id_rows, load_arrays, min_max_part, one_blas_thread, plain_views, require_format, save_arrays
from .blend import BlendModel, BlendParams
from .coldstart import ColdStartModel, ColdStartParams
from .content_ranker import ContentRanker
from .data import require_rating_columns
from .discovery import NEUTRAL, discovery_order, familiarity
from .ease import EASE, EASEParams
from .explain import COLLABORATIVE, Reason, pick_reasons
from .itemknn import ItemKNN, ItemKNNParams
from .knn_baseline import KNNBaselineParams
from .popularity import DAMPING, popularity_ranking
from .prepare import Profile, seed_profile, user_profile
from .rerank import allowed_rows, genre_diverse, stars_floor, top_rows
from .signals import CoWatchSignal, Evidence, PopularitySignal, RatingSignal, Signal, StarsSignal, evidence_from
from .svd import Progress, SVDModel, SVDParams
from .userknn import UserKNN, UserKNNParams

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
SIGNALS = ("popularity", "ease", "itemknn", "content", "rating", "coldstart", "userknn")
PREDICTORS = ("blend", "svd", "none")
# What viewers at large like and watch together, more than what this viewer likes: the signals a
# viewer who gives the crowd's favourites 1★ should hear less of (``HybridParams.crowd_discount``).
CROWD = ("popularity", "coldstart", "userknn", "ease")
CROWD_PRIOR = 5.0
# Disagreement everyone shows: a heavy rater dislikes some well-known films too (ml-100k's holdout
# viewers average ~0.04); only what goes beyond it discounts the crowd.
CROWD_TOLERANCE = 0.05


# The two named mixes: signal → (weight, why). A viewer's weights slide from the first to the
# second as their ratings grow (``HybridParams.weights``); docs/recommendation-quality.md has the runs.
NEW_USER_MIX: dict[str, tuple[float, str]] = {
    "coldstart": (4.0, "fitted to guess liked films from a few ratings: the strongest signal at 1-10 ratings"),
    "popularity": (0.5, "with little known, what most viewers like is a safe part of the answer"),
    "content": (0.5, "keeps a new viewer's picks in the kinds of film they rated well (personas)"),
    "userknn": (0.75, "what viewers who rated the same films liked: +0.004 NDCG@10 at 5 ratings"),
    "ease": (0.3, "co-watching from the first liked films, pushed down by the disliked ones"),
    "itemknn": (0.0, "EASE says the same for new viewers and scored higher"),
    "rating": (0.0, "predicted stars of a five-rating fold-in rank worse than the signals above"),
}
HEAVY_USER_MIX: dict[str, tuple[float, str]] = {
    "ease": (2.5, "the best single top-N ranker once a viewer has rated dozens of films"),
    "itemknn": (0.3, "covers the films EASE leaves out (it models only the most-rated)"),
    "content": (0.2, "the only signal for films nobody has rated yet"),
    "popularity": (0.1, "breaks near-ties toward films viewers at large liked"),
    "rating": (0.1, "the factor model's stars: a little of what the viewer would rate highly"),
    "coldstart": (0.0, "a few-ratings model: EASE supersedes it"),
    "userknn": (0.0, "bounded to new viewers (it reads at most 50 rated films)"),
}


def _new_user_weights() -> dict[str, float]:
    return {name: weight for name, (weight, _) in NEW_USER_MIX.items()}


def _heavy_user_weights() -> dict[str, float]:
    return {name: weight for name, (weight, _) in HEAVY_USER_MIX.items()}


@dataclass(frozen=True)
class HybridParams:
    """How the hybrid is trained and mixed.

    Chosen on validation splits inside ml-100k's training part (never its test); the runs and what
    else was tried are in docs/recommendation-quality.md.

    Attributes:
        new_user, heavy_user: signal → weight for a user with no ratings / very many.
        half: ratings at which the two mixes count equally (10: after onboarding's ten ratings the
            picks should visibly follow the viewer's taste).
        min_support: ratings a movie needs before the ``rating`` signal scores it.
        diversity: genre diversity re-ranking strength (0 = off).
        liked: stars at or above which a rated movie may be cited as a reason.
        seed_min_stars: a rated film counts *for* its neighbours from these stars up (``engine.signals``).
        disliked, dislike_weight: a film rated at or below ``disliked`` counts *against* its
            neighbours, with this weight (a 1★ film pushes "more like it" down).
        max_seeds: ratings the signals start from for a heavy rater: the newest half and the
            best-rated rest (``prepare.seed_profile``); every rated movie is still excluded and
            the mix still follows the full count. Bounds a request's cost at 59k movies; 0 = all.
        min_stars, below_mean: a pick's predicted stars should be at least ``min_stars`` and the
            viewer's mean minus ``below_mean``; films below come only when too few remain above
            (``min_stars`` 0 turns this off).
        pool: best-scored candidates whose stars are checked against that floor.
        discover_pool, discover_strength: when a viewer turns the familiar ↔ discover dial away
            from the middle, the best ``discover_pool`` candidates are re-ranked with this strength
            (``engine.discovery``) before the stars floor.
        crowd_discount: the crowd's signals (``CROWD``) lose ``crowd_discount`` × the viewer's
            disagreement with the crowd (``_against_the_crowd``) of their weight (0 = off).
        predictor: rating predictor: ``"blend"`` (SVD + KNNBaseline), ``"svd"`` or ``"none"``.
        popularity_damping: pseudo-ratings of a typical rating (``popularity_ranking``).
        ease, itemknn, blend, coldstart, userknn: the components' hyper-parameters.
    """

    new_user: Mapping[str, float] = field(default_factory=_new_user_weights)
    heavy_user: Mapping[str, float] = field(default_factory=_heavy_user_weights)
    half: float = 10.0
    min_support: int = 10
    diversity: float = 0.0
    liked: float = 4.0
    seed_min_stars: float = 3.0
    disliked: float = 2.0
    dislike_weight: float = 0.25
    max_seeds: int = 300
    min_stars: float = 3.5
    below_mean: float = 0.5
    pool: int = 100
    discover_pool: int = 500
    discover_strength: float = 2.0
    crowd_discount: float = 10.0
    predictor: str = "blend"
    popularity_damping: float = DAMPING
    ease: EASEParams = field(default_factory=EASEParams)
    itemknn: ItemKNNParams = field(default_factory=ItemKNNParams)
    blend: BlendParams = field(default_factory=BlendParams)
    coldstart: ColdStartParams = field(default_factory=ColdStartParams)
    userknn: UserKNNParams = field(default_factory=UserKNNParams)

    def __post_init__(self) -> None:
        for weights in (self.new_user, self.heavy_user):
            unknown = set(weights) - set(SIGNALS)
            if unknown:
                raise ValueError(f"unknown signal(s) {sorted(unknown)}; known: {SIGNALS}")
            if any(w < 0 for w in weights.values()):
                raise ValueError("signal weights must be >= 0")
        if self.predictor not in PREDICTORS:
            raise ValueError(f"predictor must be one of {PREDICTORS}, got {self.predictor!r}")
        if self.half <= 0:
            raise ValueError(f"half must be > 0, got {self.half}")
        if self.max_seeds < 0:
            raise ValueError(f"max_seeds must be >= 0, got {self.max_seeds}")

    def weights(self, n_ratings: int) -> dict[str, float]:
        """Signal weights for a user with ``n_ratings`` known ratings."""
        return {
            name: (self.half * self.new_user.get(name, 0.0) + n_ratings * self.heavy_user.get(name, 0.0))
            / (self.half + n_ratings)
            for name in SIGNALS
        }

    def uses(self, name: str) -> bool:
        return self.new_user.get(name, 0.0) > 0 or self.heavy_user.get(name, 0.0) > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``from_dict`` reads it back)."""
        out = asdict(self)
        out["new_user"], out["heavy_user"] = dict(self.new_user), dict(self.heavy_user)
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> HybridParams:
        raw = dict(raw)
        blend = dict(raw.pop("blend"))
        blend_params = BlendParams(svd=SVDParams(**blend.pop("svd")), knn=KNNBaselineParams(**blend.pop("knn")),
                                   **blend)
        # Artifacts saved before the cold-start signal existed have no "coldstart" entry.
        coldstart = ColdStartParams(**raw.pop("coldstart", {}))
        userknn = UserKNNParams(**raw.pop("userknn", {}))  # likewise before user-kNN
        return cls(ease=EASEParams(**raw.pop("ease")), itemknn=ItemKNNParams(**raw.pop("itemknn")),
                   blend=blend_params, coldstart=coldstart, userknn=userknn, **raw)


@dataclass(frozen=True)
class Pick:
    """One recommended movie.

    Attributes:
        movie_id: real movie id.
        score: hybrid score (unitless, higher is better; comparable within one list only).
        predicted_rating: the rating predictor's stars (0.5-5), None when it cannot predict.
        reasons: one or two reasons, strongest first (word them with ``explain.reason_text``).
    """

    movie_id: int
    score: float
    predicted_rating: float | None
    reasons: tuple[Reason, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (for caches and APIs)."""
        return {"movie_id": self.movie_id, "score": self.score, "predicted_rating": self.predicted_rating,
                "reasons": [r.as_dict() for r in self.reasons]}


@dataclass(eq=False)
class _Scored:
    """One request's intermediate results, kept for the explanations."""

    evidence: Evidence
    total: np.ndarray
    parts: dict[str, np.ndarray]  # signal → weighted, scaled part of the total (n,)
    typical: dict[str, float]  # signal → its mean part over the allowed movies
    scales: dict[str, float]  # signal → weight / (max − min) applied to its raw scores


@dataclass(eq=False)
class HybridModel:
    """A fitted hybrid: a catalogue and the components that score it.

    Attributes:
        movie_ids: int64 (n,) sorted catalogue: every rated movie plus every movie in ``movies``.
        popularity: float64 (n,) popularity score (0 for unrated movies).
        support: int32 (n,) training ratings per movie.
        ease, itemknn, content, predictor, coldstart, userknn: the components (None when not used).
        params: how it was trained and how it mixes.
    """

    movie_ids: np.ndarray
    popularity: np.ndarray
    support: np.ndarray
    ease: EASE | None = None
    itemknn: ItemKNN | None = None
    content: ContentRanker | None = None
    predictor: BlendModel | SVDModel | None = None
    coldstart: ColdStartModel | None = None
    userknn: UserKNN | None = None
    params: HybridParams = field(default_factory=HybridParams)
    _rows: dict[str, np.ndarray] = field(init=False, repr=False)
    _signals: dict[str, Signal] = field(init=False, repr=False)
    _genre_counts: np.ndarray = field(init=False, repr=False)
    _top_popularity: float = field(init=False, repr=False)
    _familiarity: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Each signal behind one interface, and the catalogue rows of its movies so its scores
        # land in catalogue order.
        self._signals = {"popularity": PopularitySignal(self.movie_ids, self.popularity)}
        self._top_popularity = float(np.max(self.popularity)) if len(self.popularity) else 0.0
        self._familiarity = familiarity(self.support, floor=self.params.min_support)
        # Films per genre, so a reason names the rarer of two genres the viewer likes alike.
        self._genre_counts = (np.bincount(np.asarray(self.content.genre_indices), minlength=len(self.content.genres))
                              if self.content is not None else np.empty(0, dtype=np.int64))
        self._rows = {"popularity": np.arange(len(self.movie_ids))}
        for name, component in self._components().items():
            rows, known = id_rows(self.movie_ids, np.asarray(component.movie_ids))
            if not known.all():
                raise ValueError(f"{name} knows movies outside the catalogue")
            self._rows[name] = rows
            if name in ("ease", "itemknn"):
                self._signals[name] = CoWatchSignal(component)
            elif name == "rating":
                self._signals[name] = RatingSignal(component, np.asarray(self.support)[rows], self.params.min_support)
            else:
                self._signals[name] = StarsSignal(component, timed=name == "coldstart")

    # ------------------------------------------------------------------ training

    @classmethod
    def fit(
        cls,
        ratings: pd.DataFrame,
        movies: pd.DataFrame | None = None,
        *,
        params: HybridParams = HybridParams(),  # noqa: B008 -- frozen
        progress: Progress | None = None,
        svd_trainer: Callable[..., SVDModel] | None = None,
    ) -> HybridModel:
        """Train every component the params use.

        Args:
            ratings: ratings DataFrame (``engine.data``), not empty.
            movies: optional movies DataFrame (``movie_id``, ``title``, ``genres`` and optionally
                ``tags``, ``overview``) for the content signal; without it content is off.
            params: training and mixing parameters.
            progress: optional ``progress(stage, fraction)`` callback.
            svd_trainer: fits the ``"svd"`` predictor, ``(ratings, params, progress=...) -> SVDModel``;
                default Surprise (``SVDModel.fit``); large data passes ``fast_svd.fit_fast_svd``.

        Returns:
            The fitted model.
        """
        require_rating_columns(ratings)
        if ratings.empty:
            raise ValueError("cannot fit a model on no ratings")
        report = progress or (lambda stage, fraction: None)
        started = time.perf_counter()
        ids = [ratings["movie_id"].to_numpy(dtype=np.int64)]
        if movies is not None:
            ids.append(movies["movie_id"].to_numpy(dtype=np.int64))
        movie_ids = np.unique(np.concatenate(ids))
        ranking = popularity_ranking(ratings, damping=params.popularity_damping)
        popularity = ranking["score"].reindex(movie_ids, fill_value=0.0).to_numpy(dtype=np.float64)
        support = ranking["count"].reindex(movie_ids, fill_value=0).to_numpy(dtype=np.int32)
        components: dict[str, Any] = {}
        if params.predictor == "blend":
            report("predictor", 0.0)
            components["predictor"] = BlendModel.fit(ratings, params.blend,
                                                     progress=lambda s, f: report("predictor", 0.6 * f))
        elif params.predictor == "svd":
            report("predictor", 0.0)
            trainer = svd_trainer or SVDModel.fit
            components["predictor"] = trainer(ratings, params.blend.svd,
                                              progress=lambda s, f: report("predictor", 0.6 * f))
        if params.uses("ease"):
            report("ease", 0.6)
            components["ease"] = EASE.fit(ratings, params.ease)
        if params.uses("itemknn"):
            report("itemknn", 0.8)
            components["itemknn"] = ItemKNN.fit(ratings, params.itemknn)
        if params.uses("coldstart"):
            report("coldstart", 0.85)
            components["coldstart"] = ColdStartModel.fit(ratings, params.coldstart)
        if params.uses("userknn"):
            report("userknn", 0.88)
            components["userknn"] = UserKNN.fit(ratings, params.userknn)
        if params.uses("content") and movies is not None and len(movies):
            report("content", 0.9)
            components["content"] = ContentRanker.fit(movies)
        model = cls(movie_ids=movie_ids, popularity=popularity, support=support, params=params, **components)
        logger.info("hybrid fitted: %d movies, components %s in %.2f s", len(movie_ids),
                    sorted(model._components()), time.perf_counter() - started)
        report("done", 1.0)
        return model

    def with_params(self, **changes: Any) -> HybridModel:
        """The same fitted components mixed differently (e.g. one signal alone, for evaluation)."""
        return replace(self, params=replace(self.params, **changes))

    def only(self, signal: str, *, min_support: int | None = None) -> HybridModel:
        """A view ranking by one signal alone (the components are shared, not copied)."""
        if signal not in SIGNALS:
            raise ValueError(f"unknown signal {signal!r}; known: {SIGNALS}")
        weights = {signal: 1.0}
        # A single signal is the textbook baseline: it seeds from every rated movie, unsigned, and
        # its list is not filtered by predicted stars.
        changes: dict[str, Any] = {"new_user": weights, "heavy_user": weights, "seed_min_stars": 0.0,
                                   "disliked": -1.0, "max_seeds": 0, "min_stars": 0.0}
        if min_support is not None:
            changes["min_support"] = min_support
        return self.with_params(**changes)

    # ------------------------------------------------------------------ serving

    def recommend(
        self,
        user_ratings: Mapping[int, float],
        *,
        n: int = 10,
        exclude: Collection[int] = (),
        candidates: Collection[int] | np.ndarray | None = None,
        explain: bool = True,
        newest_first: bool = False,
        at: float | None = None,
        discover: float = NEUTRAL,
    ) -> list[Pick]:
        """The user's top ``n`` movies, with predicted stars and reasons.

        Args:
            user_ratings: movie id → stars (0.5-5) of everything the user rated; movies the model
                does not know are ignored for scoring but still never recommended.
            n: list length; shorter only when fewer allowed movies remain.
            exclude: movie ids never to show besides the rated ones (hidden, watch-listed, ...).
            candidates: if given, choose only among these movie ids.
            explain: compute predicted stars and reasons (offline evaluation turns it off).
            newest_first: ``user_ratings`` lists the newest rating first, so a heavy rater's
                capped seeds keep their newest ratings (``HybridParams.max_seeds``).
            at: when the user rates, epoch seconds (offline: their latest known rating); None
                means now. The cold-start signal weighs in what viewers of that time liked.
            discover: 0 (well-known films) to 1 (lesser-known); 0.5 keeps the hybrid's order
                (``engine.discovery``).

        Returns:
            Picks, best first.

        Raises:
            ValueError: ``discover`` outside [0, 1].
        """
        if not 0.0 <= discover <= 1.0:
            raise ValueError(f"discover must be between 0 and 1, got {discover}")
        with one_blas_thread():  # once per request: the products inside do not switch again
            profile = user_profile(self.movie_ids, user_ratings)
            allowed = allowed_rows(self.movie_ids, exclude=exclude, rated_rows=profile.rows, candidates=candidates)
            seeds = seed_profile(profile, limit=self.params.max_seeds, newest_first=newest_first)
            scored = self._score(profile, allowed, seeds=seeds, fold_in=explain, at=at)
            size = self.params.pool if discover == NEUTRAL else max(self.params.pool, self.params.discover_pool)
            pool = top_rows(scored.total, allowed, max(size, n), tie_break=self.popularity)
            if discover != NEUTRAL:
                pool = pool[discovery_order(scored.total[pool], self._familiarity[pool], discover=discover,
                                            strength=self.params.discover_strength)]
            stars = self._stars(scored, pool) if explain or self.params.min_stars > 0 else None
            if stars is not None and self.params.min_stars > 0:
                # Films the viewer is likely to like first: below the floor only when too few remain above it.
                floor = max(self.params.min_stars, profile.mean - self.params.below_mean)
                keep = stars_floor(stars, floor, n if self.params.diversity <= 0 else 5 * n)
                pool, stars = pool[keep], stars[keep]
            if self.params.diversity > 0 and self.content is not None:
                order = self._diverse(pool[: 5 * n], scored.total[pool[: 5 * n]], n)
            else:
                order = np.arange(min(n, len(pool)))
            rows = pool[order]
            if not explain:
                return [Pick(int(self.movie_ids[r]), float(scored.total[r]), None, ()) for r in rows]
            return self._picks(scored, rows, None if stars is None else stars[order])

    def recommend_ids(self, user_ratings: Mapping[int, float], *, n: int = 10, exclude: Collection[int] = (),
                      candidates: Collection[int] | np.ndarray | None = None, at: float | None = None) -> list[int]:
        """Only the movie ids of :meth:`recommend` (no stars, no reasons): the evaluation path."""
        return [p.movie_id for p in self.recommend(user_ratings, n=n, exclude=exclude, candidates=candidates,
                                                   explain=False, at=at)]

    def predict(self, user_ratings: Mapping[int, float], movie_ids: Collection[int] | np.ndarray) -> np.ndarray:
        """Predicted stars for some movies (NaN where the predictor cannot say)."""
        ids = np.asarray(list(movie_ids) if not isinstance(movie_ids, np.ndarray) else movie_ids, dtype=np.int64)
        if self.predictor is None:
            return np.full(len(ids), np.nan)
        user = self.predictor.fold_in(list(user_ratings), list(user_ratings.values()))
        return self.predictor.predict(user, ids)

    # ------------------------------------------------------------------ internals

    def _components(self) -> dict[str, Any]:
        found = {"ease": self.ease, "itemknn": self.itemknn, "content": self.content, "rating": self.predictor,
                 "coldstart": self.coldstart, "userknn": self.userknn}
        return {name: c for name, c in found.items() if c is not None}

    def _score(self, profile: Profile, allowed: np.ndarray, *, seeds: Profile, fold_in: bool,
               at: float | None = None) -> _Scored:
        # The mix and the predictor's fold-in (its stars) follow every rating; the signals, the seeds.
        weights = self.params.weights(profile.size)
        if self.params.crowd_discount > 0 and profile.size:
            # A viewer who gives well-known films low stars is telling us the crowd's taste is not theirs.
            against = self._against_the_crowd(profile)
            for name in CROWD:
                weights[name] *= max(0.0, 1.0 - self.params.crowd_discount * max(0.0, against - CROWD_TOLERANCE))
        predictor_user = None
        if self.predictor is not None and (fold_in or self.params.min_stars > 0 or weights["rating"] > 0):
            predictor_user = self.predictor.fold_in(profile.movie_ids, profile.scores)
        evidence = evidence_from(seeds, seed_min_stars=self.params.seed_min_stars, disliked=self.params.disliked,
                                 dislike_weight=self.params.dislike_weight, at=at, predictor_user=predictor_user)
        total = np.zeros(len(self.movie_ids))
        parts, typical, scales = {}, {}, {}
        n_allowed = int(np.count_nonzero(allowed))
        for name, weight in weights.items():
            signal = self._signals.get(name)
            if weight <= 0 or signal is None:
                continue
            scores = signal.score(evidence)
            if scores is None:
                continue
            rows = self._rows[name]
            if len(rows) == len(self.movie_ids):  # the whole catalogue, in order (ids are sorted and unique)
                raw = np.asarray(scores, dtype=np.float64)
            else:
                raw = np.full(len(self.movie_ids), np.nan)
                raw[rows] = scores
            scaled = min_max_part(raw, allowed, weight=weight, n_allowed=n_allowed)
            if scaled is None:
                continue
            part, scales[name], typical[name] = scaled
            total += part
            parts[name] = part
        return _Scored(evidence=evidence, total=total, parts=parts, typical=typical, scales=scales)

    def _against_the_crowd(self, profile: Profile) -> float:
        """How much the viewer disagrees with the crowd, in [0, 1): their dislikes of popular films
        (each weighted by its popularity relative to the most popular) per rating.

        Giving the crowd's favourites 1★ says what most viewers like is not for this viewer; a
        dislike of an obscure film says nothing of the kind.
        """
        top = self._top_popularity
        if top <= 0:
            return 0.0
        disliked = profile.rows[profile.scores <= self.params.disliked]
        # Per rating, with CROWD_PRIOR ratings that agree added: one dislike among three ratings is thin evidence.
        return float(np.sum(np.asarray(self.popularity)[disliked]) / top / (profile.size + CROWD_PRIOR))

    def _stars(self, scored: _Scored, rows: np.ndarray) -> np.ndarray | None:
        """Predicted stars of some catalogue rows (NaN where the predictor cannot say), None without a predictor."""
        if self.predictor is None or scored.evidence.predictor_user is None:
            return None
        return self.predictor.predict(scored.evidence.predictor_user, self.movie_ids[rows])

    def _diverse(self, pool: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
        """Re-rank a pool of rows for genre variety (scores scaled to [0, 1] first)."""
        content = self.content
        rows, known = id_rows(content.movie_ids, self.movie_ids[pool])
        genres = [np.asarray(content.genre_indices[content.genre_indptr[r]:content.genre_indptr[r + 1]])
                  if k else np.empty(0, dtype=np.int32) for r, k in zip(rows, known, strict=True)]
        indptr = np.r_[0, np.cumsum([len(g) for g in genres])].astype(np.int64)
        indices = np.concatenate(genres) if genres else np.empty(0, dtype=np.int32)
        top = float(scores.max()) if len(scores) and scores.max() > 0 else 1.0
        order = genre_diverse(np.arange(len(pool)), scores / top, indptr, indices, n=n,
                              strength=self.params.diversity)
        return order

    def _picks(self, scored: _Scored, rows: np.ndarray, stars: np.ndarray | None) -> list[Pick]:
        if len(rows) == 0:
            return []
        ids = self.movie_ids[rows]
        evidence = scored.evidence
        if stars is None:
            stars = np.full(len(rows), np.nan)
        collaborative = np.zeros((len(rows), evidence.size))
        for name in COLLABORATIVE:
            if name in scored.scales:
                found = self._signals[name].contributions(evidence, ids)
                if found is not None:
                    collaborative += found * scored.scales[name]
        content = np.zeros((len(rows), evidence.size))
        genre_taste, genre_counts = None, self._genre_counts
        if self.content is not None and evidence.size:
            content = self._signals["content"].contributions(evidence, ids)
            genre_taste = self.content.genre_taste(evidence.movie_ids, evidence.stars)
        picks = []
        for k, (row, movie_id) in enumerate(zip(rows, ids, strict=True)):
            # Credit each signal with how far it lifted this pick above a typical candidate: a
            # signal that scores every candidate alike explains nothing about this one.
            shares = {signal: float(part[row]) - scored.typical[signal] for signal, part in scored.parts.items()}
            reasons = pick_reasons(
                shares, collaborative=collaborative[k], content=content[k], rated_ids=evidence.movie_ids,
                rated_stars=evidence.stars, genre=self._liked_genre(int(movie_id), genre_taste, genre_counts),
                liked=self.params.liked,
            )
            predicted = None if np.isnan(stars[k]) else round(float(stars[k]), 2)
            picks.append(Pick(int(movie_id), float(scored.total[row]), predicted, tuple(reasons)))
        return picks

    def _liked_genre(self, movie_id: int, genre_taste: np.ndarray | None, counts: np.ndarray) -> str | None:
        """The pick's genre the viewer likes most; between genres liked alike, the rarer one, which
        says more ("Animation" rather than "Adventure" for a viewer of animated adventures)."""
        if genre_taste is None:
            return None
        best, best_key = None, (0.0, 0)
        for genre in self.content.movie_genres(movie_id):
            column = self.content.genres.index(genre)
            key = (round(float(genre_taste[column]), 6), -int(counts[column]))
            if key[0] > 0 and key > best_key:
                best, best_key = genre, key
        return best

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> None:
        """Write the catalogue arrays and ``meta.json``, each component in its own sub-directory.

        Args:
            directory: target directory, created if missing; use a new one per model version.
        """
        directory = Path(directory)
        for name, component in self._components().items():
            component.save(directory / ("predictor" if name == "rating" else name))
        predictor = {BlendModel: "blend", SVDModel: "svd"}.get(type(self.predictor), "none")
        meta = {
            "format": "hybrid", "format_version": FORMAT_VERSION, "params": self.params.to_dict(),
            "components": sorted(n for n in self._components() if n != "rating"), "predictor": predictor,
        }
        save_arrays(directory, {"movie_ids": self.movie_ids, "popularity": self.popularity,
                                "support": self.support}, meta)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> HybridModel:
        """Read a model written by :meth:`save` (arrays memory-mapped by default).

        Raises:
            ValueError: when the directory holds something else or a file's shape is off.
        """
        require_format(directory, "hybrid", FORMAT_VERSION)
        directory = Path(directory)
        arrays, meta = load_arrays(directory, ("movie_ids", "popularity", "support"), mmap=mmap)
        arrays = plain_views(arrays)
        loaders = {"ease": EASE.load, "itemknn": ItemKNN.load, "content": ContentRanker.load,
                   "coldstart": ColdStartModel.load, "userknn": UserKNN.load}
        components = {name: loaders[name](directory / name, mmap=mmap) for name in meta["components"]}
        if meta["predictor"] == "blend":
            components["predictor"] = BlendModel.load(directory / "predictor", mmap=mmap)
        elif meta["predictor"] == "svd":
            components["predictor"] = SVDModel.load(directory / "predictor", mmap=mmap)
        return cls(params=HybridParams.from_dict(meta["params"]), **arrays, **components)

