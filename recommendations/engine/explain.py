"""Why a movie was picked, as structured reasons the site words with its own titles.

The hybrid knows, for each pick, how much each signal (collaborative, content, popularity)
added, and for the collaborative signals which rated movie added most. The engine returns
:class:`Reason` values (ids, not titles: it has no titles and the site may localise them);
:func:`reason_text` turns one into a short sentence given a title lookup.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

RATED = "rated"  # "Because you rated Alien 5★"
GENRE = "genre"  # "Matches your taste for Sci-Fi"
POPULAR = "popular"  # "Popular with viewers"
SIMILAR = "similar"  # "Similar to Alien, which you liked" (content signal)
KINDS = (RATED, SIMILAR, GENRE, POPULAR)
COLLABORATIVE = ("ease", "itemknn", "rating", "coldstart", "userknn")
MAX_REASONS = 2
# A second reason is only given when its signal added at least this share of the score.
SECOND_REASON_SHARE = 0.25
# A rated film is cited only when it added at least this share of what all rated films added:
# "Because you rated X" must name what drove the pick, not the largest of many crumbs.
CITED_SHARE = 0.2


@dataclass(frozen=True)
class Reason:
    """One reason for a pick.

    Attributes:
        kind: one of ``KINDS``.
        movie_id: the rated movie behind a ``rated`` or ``similar`` reason.
        genre: the genre behind a ``genre`` reason.
        stars: the user's stars for ``movie_id``.
    """

    kind: str
    movie_id: int | None = None
    genre: str | None = None
    stars: float | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready form (for caches and APIs)."""
        return {"kind": self.kind, "movie_id": self.movie_id, "genre": self.genre, "stars": self.stars}


def reason_text(reason: Reason, title: Callable[[int], str | None]) -> str:
    """Word a reason for a viewer.

    Args:
        reason: the reason.
        title: movie id → title (None when unknown; the sentence then avoids the title).

    Returns:
        A short sentence without a final period.
    """
    name = title(reason.movie_id) if reason.movie_id is not None else None
    if reason.kind == RATED:
        stars = f" {reason.stars:g}★" if reason.stars is not None else ""
        return f"Because you rated {name}{stars}" if name else "Because of films you rated"
    if reason.kind == SIMILAR:
        return f"Similar to {name}, which you liked" if name else "Similar to films you liked"
    if reason.kind == GENRE and reason.genre:
        return f"Matches your taste for {reason.genre}"
    return "Popular with viewers"


def pick_reasons(
    shares: Mapping[str, float],
    *,
    collaborative: np.ndarray,
    content: np.ndarray,
    rated_ids: np.ndarray,
    rated_stars: np.ndarray,
    genre: str | None,
    liked: float,
) -> list[Reason]:
    """Choose at most two reasons for one pick.

    Args:
        shares: signal name → contribution to the pick's score (any scale; negatives count 0).
        collaborative: float (r,) how much each rated movie added through the collaborative signals.
        content: float (r,) how much each rated movie added through the content signal.
        rated_ids, rated_stars: the user's rated movies and stars (r,).
        genre: the pick's genre the user likes most, if any.
        liked: stars at or above which a rated movie may be cited.

    Returns:
        Reasons, strongest signal first; ``[Reason("popular")]`` when nothing else applies.
    """
    positive = {name: max(float(value), 0.0) for name, value in shares.items()}
    groups = {
        RATED: sum(positive.get(name, 0.0) for name in COLLABORATIVE),
        SIMILAR: positive.get("content", 0.0),
        POPULAR: positive.get("popularity", 0.0),
    }
    total = sum(groups.values())
    reasons: list[Reason] = []
    for kind in sorted(groups, key=lambda k: -groups[k]):
        if len(reasons) >= MAX_REASONS or groups[kind] <= 0:
            break
        if reasons and groups[kind] < SECOND_REASON_SHARE * total:
            break
        reason = _reason(kind, collaborative if kind == RATED else content, rated_ids, rated_stars, genre, liked)
        if reason is not None and reason not in reasons:
            reasons.append(reason)
    return reasons or [Reason(POPULAR)]


def _reason(
    kind: str, added: np.ndarray, rated_ids: np.ndarray, rated_stars: np.ndarray, genre: str | None, liked: float
) -> Reason | None:
    if kind == POPULAR:
        return Reason(POPULAR)
    if kind == SIMILAR and genre:  # a genre is the plainer way to say "its content matches yours"
        return Reason(GENRE, genre=genre)
    if len(added):
        added = np.asarray(added, dtype=np.float64)
        eligible = np.where(np.asarray(rated_stars) >= liked, added, -np.inf)
        best = int(np.argmax(eligible))
        if np.isfinite(eligible[best]) and eligible[best] > 0 and eligible[best] >= CITED_SHARE * added.clip(0).sum():
            return Reason(kind, movie_id=int(rated_ids[best]), stars=float(rated_stars[best]))
    return Reason(GENRE, genre=genre) if genre else None
