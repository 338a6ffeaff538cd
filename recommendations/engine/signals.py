"""The hybrid's signals behind one interface: score a viewer's evidence, say what each rated film added.

Every signal reads the same :class:`Evidence` (the viewer's rated films, their stars, and what each
film counts for: for, against or nothing) and scores the movies it knows (``movie_ids``), or
returns None when it has nothing to say about this viewer. A signal whose score is a sum over
the rated films can also split a target's score by rated film (``contributions``), which is
what names a pick's reason. The hybrid mixes whatever signals it has in one loop.

A rating is *signed* evidence: a film rated at or above ``seed_min_stars`` counts for its
neighbours, one at or below ``disliked`` counts against them, one in between counts for
nothing. So a 1★ film never brings "more like it" (see docs/recommendation-quality.md).
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .prepare import Profile


@dataclass(frozen=True, eq=False)
class Evidence:
    """What a viewer's ratings say, as every signal reads it.

    Attributes:
        movie_ids: int64 (r,) rated movies the catalogue knows.
        stars: float64 (r,) their stars.
        weights: float64 (r,) what each counts for: 1 (liked or fine), -dislike_weight
            (disliked), 0 (lukewarm).
        at: when the viewer rates, epoch seconds (None: now).
        predictor_user: the rating predictor's fold-in of this viewer, or None.
    """

    movie_ids: np.ndarray
    stars: np.ndarray
    weights: np.ndarray
    at: float | None = None
    predictor_user: Any = None

    @property
    def size(self) -> int:
        return len(self.movie_ids)


def evidence_from(profile: Profile, *, seed_min_stars: float, disliked: float, dislike_weight: float,
                  at: float | None = None, predictor_user: Any = None) -> Evidence:
    """Sign a profile's ratings: for at or above ``seed_min_stars``, against at or below ``disliked``."""
    stars = profile.scores
    weights = np.where(stars >= seed_min_stars, 1.0, np.where(stars <= disliked, -dislike_weight, 0.0))
    return Evidence(movie_ids=profile.movie_ids, stars=stars, weights=weights, at=at, predictor_user=predictor_user)


class Signal(Protocol):
    """One way of scoring movies for a viewer."""

    movie_ids: np.ndarray  # the movies it scores, sorted

    def score(self, evidence: Evidence) -> np.ndarray | None:
        """float64 (len(movie_ids),) higher is better, NaN where it cannot say; None: nothing to say."""

    def contributions(self, evidence: Evidence, targets: Collection[int]) -> np.ndarray | None:
        """float64 (len(targets), evidence.size): each rated film's part of each target's score, or None."""


class PopularitySignal:
    """Damped mean × log count: the same for every viewer, the first thing a new one sees."""

    def __init__(self, movie_ids: np.ndarray, popularity: np.ndarray) -> None:
        self.movie_ids, self.popularity = movie_ids, np.asarray(popularity, dtype=np.float64)

    def score(self, evidence: Evidence) -> np.ndarray:
        return self.popularity

    def contributions(self, evidence: Evidence, targets: Collection[int]) -> None:
        return None


class CoWatchSignal:
    """EASE or item-kNN: the signed sum of the rated films' neighbour rows."""

    def __init__(self, model: Any) -> None:
        self.model, self.movie_ids = model, model.movie_ids

    def score(self, evidence: Evidence) -> np.ndarray | None:
        if not evidence.weights.any():
            return None
        return self.model.score(evidence.movie_ids, evidence.weights)

    def contributions(self, evidence: Evidence, targets: Collection[int]) -> np.ndarray:
        return self.model.contributions(evidence.movie_ids, targets) * evidence.weights[None, :]


class StarsSignal:
    """A component that reads the stars themselves (content, cold-start, user-kNN) and signs them its own way."""

    def __init__(self, model: Any, *, timed: bool = False) -> None:
        self.model, self.movie_ids, self.timed = model, model.movie_ids, timed

    def score(self, evidence: Evidence) -> np.ndarray | None:
        if evidence.size == 0:
            return None
        if self.timed:
            return self.model.score(evidence.movie_ids, evidence.stars, at=evidence.at)
        return self.model.score(evidence.movie_ids, evidence.stars)

    def contributions(self, evidence: Evidence, targets: Collection[int]) -> np.ndarray:
        return self.model.contributions(evidence.movie_ids, evidence.stars, targets)


class RatingSignal:
    """The rating predictor's stars, on movies with at least ``min_support`` training ratings."""

    def __init__(self, predictor: Any, support: np.ndarray, min_support: int) -> None:
        # The factor model scores every movie in one product (the blend's kNN half is too slow for that).
        self.svd = getattr(predictor, "svd", predictor)
        self.movie_ids = self.svd.movie_ids
        self.supported = np.flatnonzero(np.asarray(support) >= min_support)

    def score(self, evidence: Evidence) -> np.ndarray | None:
        if evidence.predictor_user is None:
            return None
        user = getattr(evidence.predictor_user, "svd", evidence.predictor_user)
        out = np.full(len(self.movie_ids), np.nan)
        out[self.supported] = self.svd._raw_scores(user, self.supported)
        return out

    def contributions(self, evidence: Evidence, targets: Collection[int]) -> None:
        return None
