"""Content-based "similar movies": TF-IDF over metadata, cosine similarity, top-k per movie.

Each field (genres, tags, title words, overview) gets its own TF-IDF vocabulary, so a genre
never counts as the same token as a word and a tag word does not dilute a title word. The
similarity of two movies is the weighted mean of their per-field cosines; a field a movie lacks
contributes 0. (Renormalising the joined vector instead would make a movie with nothing but
genres look closer to everything than a richly described one.)

Similarities are computed a block of rows at a time and only the top k per movie are kept,
since a dense n × n matrix would not fit (9.7k movies: ~760 MB; 60k movies: ~29 GB).
"""
from __future__ import annotations

import logging
import math
import re
import time
import unicodedata
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import sparse

from .data import NO_GENRES

logger = logging.getLogger(__name__)

# How much each field counts in the similarity (relative weights). Genres, tags and overview
# describe what a movie is like; title words find sequels and franchises but also false friends
# ("Heat" and "The Heat"), so they count half.
DEFAULT_FIELD_WEIGHTS: Mapping[str, float] = {"genres": 1.0, "tags": 1.0, "title": 0.5, "overview": 1.0}

# Largest block of the similarity matrix held at once (cells); bounds memory whatever the
# catalogue size: about 100 MB of sparse product plus 32 MB dense float32.
MAX_BLOCK_CELLS = 8_000_000

_YEAR_SUFFIX = re.compile(r"\s*\(\d{4}(?:\s*-\s*\d{0,4})?\)\s*$")
_WORD = re.compile(r"[a-z0-9]+")


def content_neighbours(
    movies: pd.DataFrame,
    *,
    k: int = 20,
    weights: Mapping[str, float] = DEFAULT_FIELD_WEIGHTS,
    block_rows: int = 2000,
    features: sparse.csr_matrix | None = None,
) -> pd.DataFrame:
    """The k most similar movies of every movie, by metadata.

    Args:
        movies: one row per movie with ``movie_id`` (int), ``title`` (str, a trailing "(1995)"
            is ignored), ``genres`` (list[str]) and optionally ``tags`` (list[str], may be
            empty) and ``overview`` (str); missing values count as empty.
        k: neighbours to keep per movie (>= 1).
        weights: relative weight of the fields ``genres``, ``tags``, ``title``, ``overview``;
            a field weighted 0 (or absent from the mapping) is ignored.
        block_rows: most rows of the similarity matrix computed at once; lowered further for
            large catalogues so a block stays under ``MAX_BLOCK_CELLS`` cells.
        features: ``movie_features(movies, weights=weights)`` when the caller has it already.

    Returns:
        DataFrame with ``movie_id``, ``similar_id`` (int64), ``score`` (weighted mean cosine in
        (0, 1], float64) and ``rank`` (int64, 1 = most similar), sorted by movie_id then rank.
        A movie is never its own neighbour; movies sharing no token are not neighbours, so a
        movie may have fewer than k rows. Equal scores rank the lower movie id first; when more
        movies tie at the k-th place than fit, which are kept is deterministic but unspecified.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    missing = [c for c in ("movie_id", "title", "genres") if c not in movies.columns]
    if missing:
        raise ValueError(f"movies DataFrame lacks column(s) {missing}")
    movie_ids = movies["movie_id"].to_numpy(dtype=np.int64)
    if len(np.unique(movie_ids)) != len(movie_ids):
        raise ValueError("movies DataFrame has repeated movie_id values")
    started = time.perf_counter()
    if features is None:
        features = movie_features(movies, weights=weights)
    rows_per_block = max(1, min(block_rows, MAX_BLOCK_CELLS // max(len(movie_ids), 1)))
    transposed = features.T.tocsr()
    parts = [
        _block_neighbours(features, transposed, movie_ids, start, min(start + rows_per_block, len(movie_ids)), k)
        for start in range(0, len(movie_ids), rows_per_block)
    ]
    rows = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, dtype=np.int64)
    cols = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, dtype=np.int64)
    scores = np.concatenate([p[2] for p in parts]) if parts else np.empty(0, dtype=np.float32)
    ranks = np.concatenate([p[3] for p in parts]) if parts else np.empty(0, dtype=np.int64)
    result = pd.DataFrame(
        {
            "movie_id": movie_ids[rows],
            "similar_id": movie_ids[cols],
            "score": np.minimum(scores.astype(np.float64), 1.0),
            "rank": ranks,
        }
    )
    result = result.sort_values(["movie_id", "rank"], kind="stable", ignore_index=True)
    logger.info(
        "content neighbours: %d movies, %d features, %d pairs in %.2f s",
        len(movie_ids), features.shape[1], len(result), time.perf_counter() - started,
    )
    return result


def movie_features(movies: pd.DataFrame, *, weights: Mapping[str, float] = DEFAULT_FIELD_WEIGHTS) -> sparse.csr_matrix:
    """TF-IDF feature rows of movies whose dot product is the weighted mean of per-field cosines.

    Args:
        movies: as for :func:`content_neighbours`.
        weights: as for :func:`content_neighbours`.

    Returns:
        float32 CSR matrix, one row per input row (all-zero for a movie with no tokens); a row's
        norm is at most 1, so dot products lie in [0, 1].
    """
    # scikit-learn is imported here so that processes which only serve models never load it.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    def words(text: object) -> list[str]:
        found = _WORD.findall(_fold(text)) if isinstance(text, str) else []
        return [w for w in found if len(w) > 1 and w not in ENGLISH_STOP_WORDS]

    documents = {
        "genres": [_genre_tokens(v) for v in _column(movies, "genres")],
        "tags": [words(" ".join(_as_list(v))) for v in _column(movies, "tags")],
        "title": [words(_YEAR_SUFFIX.sub("", v) if isinstance(v, str) else v) for v in _column(movies, "title")],
        "overview": [words(v) for v in _column(movies, "overview")],
    }
    used = {name: weights.get(name, 0.0) for name, docs in documents.items() if any(docs)}
    used = {name: weight for name, weight in used.items() if weight > 0}
    if not used:
        return sparse.csr_matrix((len(movies), 0), dtype=np.float32)
    total = sum(used.values())
    blocks = []
    for name, weight in used.items():
        vectorizer = TfidfVectorizer(analyzer=_tokens, sublinear_tf=True, dtype=np.float32)
        # TF-IDF rows are L2-normalised; scaling a block by sqrt(w / total) makes its cosine
        # count w / total in the dot product of joined rows.
        blocks.append(vectorizer.fit_transform(documents[name]) * np.float32(math.sqrt(weight / total)))
    return sparse.hstack(blocks, format="csr", dtype=np.float32)


def _block_neighbours(
    features: sparse.csr_matrix,
    transposed: sparse.csr_matrix,
    movie_ids: np.ndarray,
    start: int,
    stop: int,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Top-k neighbours of rows start..stop-1: (row, column, score, rank) arrays."""
    n = features.shape[0]
    block = (features[start:stop] @ transposed).toarray()
    local = np.arange(stop - start)
    block[local, start + local] = 0.0  # never one's own neighbour
    if n - 1 > k:
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]
    else:
        top = np.broadcast_to(np.arange(n), (stop - start, n))
    scores = np.take_along_axis(block, top, axis=1)
    rows = np.broadcast_to(local[:, None], top.shape)
    keep = scores > 0
    rows, cols, scores = rows[keep], top[keep], scores[keep]
    order = np.lexsort((movie_ids[cols], -scores, rows))
    rows, cols, scores = rows[order], cols[order], scores[order]
    # rank = position within the row's run: index minus the index where the row's run starts
    run_start = np.searchsorted(rows, rows, side="left")
    ranks = np.arange(len(rows)) - run_start + 1
    return rows + start, cols.astype(np.int64), scores, ranks.astype(np.int64)


def _column(movies: pd.DataFrame, name: str) -> Iterable[object]:
    return movies[name].tolist() if name in movies.columns else [None] * len(movies)


def _as_list(value: object) -> list[str]:
    if value is None or isinstance(value, float):  # None or NaN from a missing cell
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _genre_tokens(value: object) -> list[str]:
    return [
        "genre_" + "_".join(_WORD.findall(_fold(genre)))
        for genre in _as_list(value)
        if genre and genre not in NO_GENRES
    ]


def _fold(text: str) -> str:
    """Lower case without accents, so "Amélie" and "Amelie" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(document: list[str]) -> list[str]:
    """Analyzer for TfidfVectorizer: documents arrive already tokenised."""
    return document
