"""Related movies for "Similar movies" and "Because you rated …": what it is like, what its viewers
also watched, and whether it is any good.

TF-IDF over metadata alone (``engine.content``) finds a film's sequels and namesakes, however poorly
they are rated: Halloween (1978) got six sequels averaging 1.5-2.4★ from a handful of ratings.
Here each film's candidates are its content neighbours and its co-rating neighbours (item-kNN,
``engine.itemknn``), scored by the product of both similarities (each scaled to the film's
best, so a film must be alike *and* watched by the same viewers), times a quality prior (the
damped mean stars). A film only co-watched, with nothing alike, is left out; films with fewer
than ``min_ratings`` ratings come after the rest; a list holds at most ``per_series`` films of
one series (``series_key``).
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from unidecode import unidecode

from .content import content_neighbours, movie_features
from .itemknn import ItemKNN, ItemKNNParams

logger = logging.getLogger(__name__)

_ARTICLE = re.compile(r"^(.*), (the|a|an|les|le|la|l'|il|el|die|der|das)$", re.IGNORECASE)
_SEQUEL = re.compile(r"\s+(?:part\s+)?(?:\d+|[ivx]+|h\d+)$", re.IGNORECASE)
_TITLE_YEAR = re.compile(r"\s*\(\d{4}\)\s*$")


@dataclass(frozen=True)
class RelatedParams:
    """How related movies are chosen.

    Attributes:
        content_weight, corating_weight: weights of the two similarities (each scaled to [0, 1]
            per film by its best neighbour).
        corating_floor, content_power: the score is ``content ** content_power × (corating_floor
            + corating)``: a neighbour nobody co-rated keeps ``corating_floor``, and likeness counts
            more than co-watching (else the most-watched films lead every list).
        candidates: neighbours of each kind considered per film.
        min_ratings: ratings a film needs to be listed before films with fewer.
        damping: pseudo-ratings at the global mean in the quality prior.
        quality_power: how strongly the damped mean scales the similarity.
        per_series: films of one series a list holds at most.
    """

    content_weight: float = 1.0
    corating_weight: float = 1.0
    corating_floor: float = 0.3
    content_power: float = 2.0
    candidates: int = 60
    min_ratings: int = 10
    damping: float = 10.0
    quality_power: float = 2.0
    per_series: int = 2


def series_key(title: str) -> str:
    """The name a film shares with its sequels: "Halloween 4: The Return…" → "halloween".

    Lower-cased, accents and a trailing "(1995)" dropped, "Godfather, The" read as "The Godfather",
    cut at a colon or dash, then trailing sequel numbers ("2", "II", "Part 3", "H20") and a
    leading article removed.
    """
    name = _TITLE_YEAR.sub("", unidecode(str(title))).strip()
    if found := _ARTICLE.match(name):
        name = f"{found.group(2)} {found.group(1)}"
    name = re.split(r"\s*(?::|\s-\s|\(|\.\.\.)", name.lower())[0]
    name = _SEQUEL.sub("", name.strip())
    name = re.sub(r"^(the|a|an)\s+", "", name)
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def related_movies(
    movies: pd.DataFrame,
    ratings: pd.DataFrame | None = None,
    *,
    k: int = 20,
    params: RelatedParams = RelatedParams(),  # noqa: B008 -- frozen
) -> pd.DataFrame:
    """The k most related movies of every movie.

    Args:
        movies: ``movie_id``, ``title``, ``genres`` and optionally ``tags``, ``overview``
            (``engine.content``).
        ratings: optional ratings DataFrame; without it (or for a film nobody rated) only content
            similarity counts and there is no quality prior.
        k: movies listed per movie.
        params: blending parameters.

    Returns:
        DataFrame ``movie_id``, ``similar_id``, ``score`` (float64, higher is more related) and
        ``rank`` (1 = first), sorted by movie_id then rank; a movie is never its own neighbour.
    """
    started = time.perf_counter()
    features = movie_features(movies).tocsr()  # built once: the shortlist and the co-rated pairs read it
    content = content_neighbours(movies, k=params.candidates, features=features)
    parts = [content.assign(kind="content")]
    quality = pd.Series(dtype=np.float64)
    counts = pd.Series(dtype=np.int64)
    if ratings is not None and len(ratings):
        parts.append(_corating_neighbours(ratings, params).assign(kind="corating"))
        stats = ratings.groupby("movie_id")["score"].agg(["sum", "count"])
        mean = float(ratings["score"].mean())
        damped = (stats["sum"] + params.damping * mean) / (stats["count"] + params.damping)
        quality = (damped / 5.0) ** params.quality_power
        counts = stats["count"]
    links = pd.concat(parts, ignore_index=True)
    # Each kind's similarity relative to the film's best neighbour of that kind.
    best = links.groupby(["movie_id", "kind"])["score"].transform("max")
    links["scaled"] = links["score"] / best
    weight = {"content": params.content_weight, "corating": params.corating_weight}
    links["scaled"] *= links["kind"].map(weight)
    table = links.pivot_table(index=["movie_id", "similar_id"], columns="kind", values="scaled",
                              aggfunc="max", fill_value=0.0).reset_index()
    if "corating" in table:
        # A co-rated film outside the content shortlist still gets its real likeness (The Shining
        # for Halloween), scaled like the shortlist's.
        missing = (table["content"] == 0).to_numpy()
        likeness = _content_similarity(movies, features, table["movie_id"].to_numpy()[missing],
                                       table["similar_id"].to_numpy()[missing])
        best_content = content.groupby("movie_id")["score"].max()
        scale = table["movie_id"].iloc[np.flatnonzero(missing)].map(best_content).to_numpy(dtype=np.float64)
        table.loc[missing, "content"] = params.content_weight * np.minimum(
            1.0, np.divide(likeness, scale, out=np.zeros_like(likeness), where=scale > 0))
    # Alike *and* watched by the same people: co-rating alone favours the most-watched films
    # (Toy Story → Forrest Gump), content alone a film's namesakes however poor.
    table["score"] = table["content"] ** params.content_power * (params.corating_floor + table.get("corating", 0.0))
    if len(quality):
        table["score"] *= table["similar_id"].map(quality).fillna(float(quality.min())).to_numpy()
        table["enough"] = table["similar_id"].map(counts).fillna(0).to_numpy() >= params.min_ratings
    else:
        table["enough"] = True
    # A film only co-watched (nothing alike) is not "similar", however popular.
    table = table[(table["movie_id"] != table["similar_id"]) & (table["score"] > 0)]
    table = table.sort_values(["movie_id", "enough", "score", "similar_id"], ascending=[True, False, False, True],
                              kind="stable")
    series = dict(zip(movies["movie_id"].to_numpy(dtype=np.int64), movies["title"].map(series_key), strict=True))
    table["series"] = table["similar_id"].map(series)
    # At most ``per_series`` of one series per film's list (the first, best-scored, ones).
    table = table[table.groupby(["movie_id", "series"]).cumcount() < params.per_series]
    table["rank"] = table.groupby("movie_id").cumcount() + 1
    table = table[table["rank"] <= k]
    logger.info("related movies: %d movies, %d links in %.2f s", table["movie_id"].nunique(), len(table),
                time.perf_counter() - started)
    return table[["movie_id", "similar_id", "score", "rank"]].astype(
        {"movie_id": np.int64, "similar_id": np.int64, "score": np.float64, "rank": np.int64}).reset_index(drop=True)


def _content_similarity(movies: pd.DataFrame, features: sparse.csr_matrix, first: np.ndarray,
                        second: np.ndarray) -> np.ndarray:
    """The content score (``engine.content``'s cosine) of each (first, second) pair of movie ids."""
    row_of = pd.Series(np.arange(len(movies)), index=movies["movie_id"].to_numpy(dtype=np.int64))
    a, b = row_of.reindex(first).to_numpy(), row_of.reindex(second).to_numpy()
    known = ~(np.isnan(a) | np.isnan(b))
    a, b = a[known].astype(np.intp), b[known].astype(np.intp)
    out = np.zeros(len(first))
    found = np.zeros(len(a))
    for start in range(0, len(a), 100_000):  # bounded memory at 59k movies × 60 neighbours
        part = slice(start, start + 100_000)
        found[part] = np.asarray(features[a[part]].multiply(features[b[part]]).sum(axis=1)).ravel()
    out[known] = found
    return out


def _corating_neighbours(ratings: pd.DataFrame, params: RelatedParams) -> pd.DataFrame:
    """Each rated film's ``candidates`` nearest films by who rated both (cosine, shrunk)."""
    model = ItemKNN.fit(ratings, ItemKNNParams(k=params.candidates))
    owner = np.repeat(np.arange(len(model.movie_ids)), np.diff(model.indptr))
    return pd.DataFrame({"movie_id": model.movie_ids[owner], "similar_id": model.movie_ids[model.indices],
                         "score": np.asarray(model.similarity, dtype=np.float64)})
