"""Run named algorithms through named protocols and collect every metric in one plain dict.

Rating predictors are judged on RMSE/MAE with ``predict_known`` (trained user vectors), the way
Surprise reports them. Rankers are judged by the serving call itself, ``HybridModel.recommend``,
fed each test user's known ratings exactly as the site feeds a visitor's, with the time of their
latest known rating as the request's time (the site's is now): what is measured is what is
served. All rankers of a split share one fitted hybrid (views that weight one signal).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recommendations.engine.blend import BlendModel
from recommendations.engine.hybrid import HybridModel, HybridParams
from recommendations.engine.knn_baseline import KNNBaseline
from recommendations.engine.metrics import evaluate_predictions
from recommendations.engine.surprise_options import SurprisePredictor
from recommendations.engine.svd import SVDModel, SVDParams

from .cold_rmse import cold_user_rmse
from .personas import discover_spread, persona_report, personas_build
from .protocols import Split, cold_start_movies, cold_start_users, kfold, ml100k_folds, temporal, user_holdout
from .ranking import METRICS, TASTE_METRICS, catalog_coverage, novelty, popularity_ranks, ranking_metrics, taste_shares

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

# Surprise's SVD with its own defaults: the tutorial's model, the baseline to beat.
SURPRISE_DEFAULT_SVD = SVDParams(n_factors=100, n_epochs=20, lr_all=0.005, reg_all=0.02, random_state=42)

RATING_ALGORITHMS: dict[str, Callable[[pd.DataFrame], Any]] = {
    "svd-default": lambda train: SVDModel.fit(train, SURPRISE_DEFAULT_SVD),
    "svd": lambda train: SVDModel.fit(train),
    "knn-baseline": lambda train: KNNBaseline.fit(train),
    "svdpp": lambda train: SurprisePredictor.fit(train, "svdpp"),
    "blend": lambda train: BlendModel.fit(train),
}


class RandomRanker:
    """Uniformly random picks (seeded): the floor every ranker must clear."""

    def __init__(self, movie_ids: np.ndarray, *, seed: int = 42) -> None:
        self.movie_ids = np.asarray(movie_ids)
        self.rng = np.random.default_rng(seed)

    def recommend_ids(
        self, user_ratings: Mapping[int, float], *, n: int = 10, candidates: np.ndarray | None = None,
        at: float | None = None,
    ) -> list[int]:
        pool = self.movie_ids if candidates is None else np.intersect1d(self.movie_ids, candidates)
        pool = pool[~np.isin(pool, np.fromiter(user_ratings, dtype=np.int64, count=len(user_ratings)))]
        return [int(m) for m in self.rng.permutation(pool)[:n]]


# Ranker name → the hybrid view that produces it.
RANKING_ALGORITHMS: dict[str, Callable[[HybridModel], Any]] = {
    "random": lambda model: RandomRanker(model.movie_ids),
    "popularity": lambda model: model.only("popularity"),
    "svd-rating": lambda model: model.only("rating", min_support=0),
    "svd-supported": lambda model: model.only("rating"),
    "content": lambda model: model.only("content"),
    "itemknn": lambda model: model.only("itemknn"),
    "ease": lambda model: model.only("ease"),
    "coldstart": lambda model: model.only("coldstart"),
    "userknn": lambda model: model.only("userknn"),
    "hybrid": lambda model: model,
}
# Movies nobody rated leave every collaborative signal and popularity blank: their lists would
# only show the tie-break order (movie id), so the cold-movie protocol judges these alone.
COLD_MOVIE_RANKERS = ("random", "content", "hybrid")
RATING_PROTOCOLS = ("u1-u5", "kfold")
RANKING_PROTOCOLS = ("holdout", "temporal", "cold-users-1", "cold-users-5", "cold-users-10", "cold-movies")
# Taste fidelity: synthetic one-genre viewers (needs movies) and new viewers' rating error.
TASTE_PROTOCOLS = ("personas", "cold-rmse")
PERSONA_RANKERS = ("popularity", "ease", "hybrid")
PROTOCOLS = RATING_PROTOCOLS + RANKING_PROTOCOLS + TASTE_PROTOCOLS
ACTIVITY_BUCKETS = ((0, 10), (10, 30), (30, 100), (100, 300), (300, None))


def standard_protocols(dataset: str | None) -> list[str]:
    """The benchmark's protocols: u1..u5 on ml-100k (5-fold elsewhere), then every ranking protocol."""
    return ["u1-u5" if dataset == "ml-100k" else "kfold", *RANKING_PROTOCOLS, *TASTE_PROTOCOLS]


def protocol_splits(protocol: str, ratings: pd.DataFrame, *, source: Path | None = None) -> list[Split]:
    """The splits of a named protocol (``u1-u5`` needs the ml-100k ``source``)."""
    if protocol == "u1-u5":
        if source is None:
            raise ValueError("the u1-u5 protocol needs the ml-100k files (a --path or the dataset)")
        return ml100k_folds(source)
    if protocol == "kfold":
        return kfold(ratings, k=5, seed=0)
    if protocol == "holdout":
        return [user_holdout(ratings, fraction=0.2, seed=42)]
    if protocol == "temporal":
        return [temporal(ratings, fraction=0.2)]
    if protocol.startswith("cold-users-"):
        return [cold_start_users(ratings, known=int(protocol.rsplit("-", 1)[1]), seed=42)]
    if protocol == "cold-movies":
        return [cold_start_movies(ratings, seed=42)]
    raise ValueError(f"unknown protocol {protocol!r}; known: {PROTOCOLS}")


def evaluate(
    ratings: pd.DataFrame,
    movies: pd.DataFrame | None,
    *,
    protocols: Sequence[str],
    algorithms: Sequence[str] | None = None,
    source: Path | None = None,
    k: int = 10,
    threshold: float = 4.0,
    hybrid_params: HybridParams | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Evaluate algorithms under protocols.

    Args:
        ratings: the whole ratings DataFrame.
        movies: movies DataFrame for the content signal (None turns content off).
        protocols: names from ``PROTOCOLS``.
        algorithms: names from ``RATING_ALGORITHMS`` / ``RANKING_ALGORITHMS``; default all.
            Each runs under the protocols of its kind.
        source: the dataset files, for ``u1-u5``.
        k: list length for the ranking metrics.
        threshold: stars at or above which a held-out rating counts as relevant.
        hybrid_params: the hybrid's parameters (default ``HybridParams()``).
        progress: optional ``progress(label, fraction)``.

    Returns:
        ``{"rating": {protocol: {algorithm: {...}}}, "ranking": {protocol: {algorithm: {...}}}}``;
        each entry holds means over splits plus ``fit_seconds``, and ranking entries
        ``by_activity`` (NDCG@k by the user's number of known ratings).
    """
    chosen = list(algorithms) if algorithms else [*RATING_ALGORITHMS, *RANKING_ALGORITHMS]
    unknown = [a for a in chosen if a not in RATING_ALGORITHMS and a not in RANKING_ALGORITHMS]
    if unknown:
        raise ValueError(f"unknown algorithm(s) {unknown}; known: {[*RATING_ALGORITHMS, *RANKING_ALGORITHMS]}")
    bad = [p for p in protocols if p not in PROTOCOLS]
    if bad:
        raise ValueError(f"unknown protocol(s) {bad}; known: {PROTOCOLS}")
    report = progress or (lambda label, fraction: None)
    raters = [a for a in chosen if a in RATING_ALGORITHMS]
    rankers = [a for a in chosen if a in RANKING_ALGORITHMS]
    plan = [(p, s) for p in protocols if p not in TASTE_PROTOCOLS
            for s in protocol_splits(p, ratings, source=source)
            if (p in RATING_PROTOCOLS and raters) or (p in RANKING_PROTOCOLS and rankers)]
    results: dict[str, Any] = {"rating": {}, "ranking": {}}
    for step, (protocol, split) in enumerate(plan):
        label = f"{protocol} {split.name}" if split.name != protocol else protocol
        report(label, step / max(len(plan), 1))
        if protocol in RATING_PROTOCOLS:
            for name in raters:
                _add(results["rating"].setdefault(protocol, {}), name, _rating_run(name, split))
        else:
            params = hybrid_params or HybridParams()
            for name, entry in _ranking_runs(rankers, split, movies, params, k=k, threshold=threshold).items():
                _add(results["ranking"].setdefault(protocol, {}), name, entry)
    params = hybrid_params or HybridParams()
    out: dict[str, Any] = {
        kind: {p: {a: _mean(runs) for a, runs in by_alg.items()} for p, by_alg in by_protocol.items()}
        for kind, by_protocol in results.items()
    }
    if "personas" in protocols and movies is not None:
        report("personas", 0.95)
        out["personas"] = persona_runs(ratings, movies, params, [r for r in PERSONA_RANKERS if r in rankers])
    if "cold-rmse" in protocols:
        report("cold-rmse", 0.97)
        out["cold_rmse"] = cold_user_rmse(ratings, lambda train: BlendModel.fit(train, params.blend))
    report("done", 1.0)
    return out


def persona_runs(ratings: pd.DataFrame, movies: pd.DataFrame, params: HybridParams, rankers: Sequence[str]
                 ) -> dict[str, Any]:
    """Each ranker's top 10 for one-genre personas (``personas``), fitted on all ratings as served.

    Returns:
        ranker → summary (mean and least in-genre share, least and mean predicted stars, rated films
        shown, reasons citing a film rated below 4★) with the per-persona rows under ``personas``.
    """
    model = HybridModel.fit(ratings, movies, params=params)
    personas = personas_build(ratings, movies)
    out = {}
    for name in rankers:
        rows = persona_report(RANKING_ALGORITHMS[name](model), personas, movies)
        out[name] = {
            "in_genre": float(np.mean([r["in_genre"] for r in rows])),
            "least_in_genre": float(np.min([r["in_genre"] for r in rows])),
            "min_stars": float(np.nanmin([r["min_stars"] for r in rows])),
            "mean_stars": float(np.nanmean([r["mean_stars"] for r in rows])),
            "rated_shown": int(sum(r["rated_shown"] for r in rows)),
            "bad_reasons": int(sum(r["bad_reasons"] for r in rows)),
            "personas": rows,
        }
    if "hybrid" in out:  # the familiar ↔ discover dial, on the served mix
        out["hybrid"].update(discover_spread(model, personas))
    return out


def _rating_run(name: str, split: Split) -> dict[str, Any]:
    started = time.perf_counter()
    model = RATING_ALGORITHMS[name](split.train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    scores = evaluate_predictions(model, split.test)
    logger.info("%s on %s: rmse %.4f in %.1f s", name, split.name, scores["rmse"], fit_seconds)
    return {**scores, "fit_seconds": fit_seconds, "predict_seconds": time.perf_counter() - started,
            "split": split.name}


def _ranking_runs(
    names: Sequence[str], split: Split, movies: pd.DataFrame | None, params: HybridParams, *, k: int, threshold: float
) -> dict[str, dict[str, Any]]:
    # The served predictor: its stars decide which candidates clear the stars floor.
    started = time.perf_counter()
    model = HybridModel.fit(split.train, movies, params=params)
    fit_seconds = time.perf_counter() - started
    known = pd.concat([split.train, split.known]) if len(split.known) else split.train
    histories = _histories(known, set(split.test["user_id"].unique()))
    latest = known.groupby("user_id")["timestamp"].max().to_dict() if "timestamp" in known.columns else {}
    relevant = split.test[split.test["score"] >= threshold]
    if split.candidates is not None:
        relevant = relevant[relevant["movie_id"].isin(split.candidates)]
    relevant_by_user = relevant.groupby("user_id")["movie_id"].agg(list).to_dict()
    held_out = _histories(split.test, set(relevant_by_user))
    counts = split.train["movie_id"].value_counts()
    ranks = popularity_ranks(counts.to_dict())
    catalogue = len(split.candidates) if split.candidates is not None else len(model.movie_ids)
    out = {}
    for name in names:
        if split.candidates is not None and name not in COLD_MOVIE_RANKERS:
            continue
        view = RANKING_ALGORITHMS[name](model)
        started = time.perf_counter()
        per_user, lists = [], []
        for user, liked in relevant_by_user.items():
            history = histories.get(user, {})
            picks = view.recommend_ids(history, n=k, candidates=split.candidates, at=latest.get(user))
            lists.append(picks)
            per_user.append({"n_known": len(history), **ranking_metrics(picks, liked, k=k),
                             **taste_shares(picks, held_out.get(user, {}), liked=threshold)})
        frame = pd.DataFrame(per_user, columns=["n_known", *METRICS, *TASTE_METRICS])
        out[name] = {
            **{metric: float(frame[metric].mean()) for metric in METRICS},
            # Mean over the viewers with at least one rated pick (NaN shares are theirs without).
            **{metric: float(frame[metric].mean()) if frame[metric].notna().any() else float("nan")
               for metric in TASTE_METRICS},
            "coverage": catalog_coverage(lists, catalogue),
            "novelty": novelty(lists, ranks),
            "users": len(frame),
            "fit_seconds": fit_seconds,
            "recommend_ms": 1000 * (time.perf_counter() - started) / max(len(frame), 1),
            "by_activity": _by_activity(frame),
            "split": split.name,
        }
        logger.info("%s on %s: ndcg@%d %.4f", name, split.name, k, out[name]["ndcg"])
    return out


def _histories(ratings: pd.DataFrame, users: set[int]) -> dict[int, dict[int, float]]:
    mine = ratings[ratings["user_id"].isin(users)]
    return {int(user): dict(zip(group["movie_id"].astype(int), group["score"].astype(float), strict=True))
            for user, group in mine.groupby("user_id")}


def _by_activity(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    out = {}
    for low, high in ACTIVITY_BUCKETS:
        mask = (frame["n_known"] >= low) & ((frame["n_known"] < high) if high else True)
        if mask.any():
            label = f"{low}-{high - 1}" if high else f"{low}+"
            out[label] = {"ndcg": float(frame.loc[mask, "ndcg"].mean()), "users": int(mask.sum())}
    return out


def _add(table: dict[str, list[dict[str, Any]]], name: str, entry: dict[str, Any]) -> None:
    table.setdefault(name, []).append(entry)


def _mean(runs: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Mean of numeric fields over splits; per-split values kept under ``splits``."""
    numeric = [key for key, value in runs[0].items() if isinstance(value, int | float)]
    out: dict[str, Any] = {key: float(np.mean([r[key] for r in runs])) for key in numeric}
    if "by_activity" in runs[0]:  # ranking protocols have one split each
        out["by_activity"] = runs[0]["by_activity"]
    out["splits"] = [{key: r[key] for key in (*numeric, "split")} for r in runs]
    return out


def quality_targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The issue's ml-100k goals checked against a result (only those the result can answer).

    Returns:
        ``[{"goal": str, "measured": str, "met": bool}]``.
    """
    checks = []
    rating = results.get("rating", {}).get("u1-u5", {})
    if "blend" in rating:
        blend = rating["blend"]
        checks.append({"goal": "blend RMSE (u1..u5) <= 0.915, aim 0.905",
                       "measured": f"{blend['rmse']:.4f}", "met": blend["rmse"] <= 0.915})
        checks.append({"goal": "blend fit <= 10 s per fold", "measured": f"{blend['fit_seconds']:.1f} s",
                       "met": blend["fit_seconds"] <= 10})
    holdout = results.get("ranking", {}).get("holdout", {})
    if {"hybrid", "ease"} <= set(holdout):
        checks.append({"goal": "hybrid NDCG@10 >= EASE (holdout)",
                       "measured": f"{holdout['hybrid']['ndcg']:.4f} vs {holdout['ease']['ndcg']:.4f}",
                       "met": holdout["hybrid"]["ndcg"] >= holdout["ease"]["ndcg"]})
    if {"hybrid", "popularity"} <= set(holdout):
        ratio = holdout["hybrid"]["coverage"] / max(holdout["popularity"]["coverage"], 1e-12)
        checks.append({"goal": "hybrid coverage >= 3x popularity (holdout)", "measured": f"{ratio:.1f}x",
                       "met": ratio >= 3})
    cold = results.get("ranking", {}).get("cold-users-5", {})
    if {"hybrid", "popularity"} <= set(cold):
        ratio = cold["hybrid"]["ndcg"] / max(cold["popularity"]["ndcg"], 1e-12)
        checks.append({"goal": "cold-start (5 ratings) NDCG@10 >= 1.3x popularity",
                       "measured": f"{ratio:.4f}x ({cold['hybrid']['ndcg']:.4f} vs {cold['popularity']['ndcg']:.4f})",
                       "met": ratio >= 1.3})
    temporal = results.get("ranking", {}).get("temporal", {})
    if {"hybrid", "ease"} <= set(temporal):
        checks.append({"goal": "hybrid NDCG@10 >= EASE (temporal)",
                       "measured": f"{temporal['hybrid']['ndcg']:.4f} vs {temporal['ease']['ndcg']:.4f}",
                       "met": temporal["hybrid"]["ndcg"] >= temporal["ease"]["ndcg"]})
    if {"hybrid", "ease", "popularity"} <= set(holdout):
        mine, ease, popular = (holdout[n]["disliked_share"] for n in ("hybrid", "ease", "popularity"))
        checks.append({"goal": "disliked share (holdout) <= half of popularity's and <= EASE's",
                       "measured": f"{mine:.4f} vs popularity {popular:.4f}, EASE {ease:.4f}",
                       "met": mine <= popular / 2 and mine <= ease})
        checks.append({"goal": "liked share (holdout) >= EASE's",
                       "measured": f"{holdout['hybrid']['liked_share']:.4f} vs {holdout['ease']['liked_share']:.4f}",
                       "met": holdout["hybrid"]["liked_share"] >= holdout["ease"]["liked_share"]})
    personas = results.get("personas", {}).get("hybrid")
    if personas:
        checks.append({"goal": "personas: >= 5 of 10 in the loved genre, every pick >= 3.5 stars, mean >= 3.8",
                       "measured": f"least {personas['least_in_genre']:.1f} "
                                   f"(mean {personas['in_genre']:.2f}) in genre, "
                                   f"stars min {personas['min_stars']:.2f} mean {personas['mean_stars']:.2f}",
                       "met": personas["least_in_genre"] >= 0.5 and personas["min_stars"] >= 3.5
                       and personas["mean_stars"] >= 3.8})
        checks.append({"goal": "personas: no rated film shown, no reason citing a film rated below 4 stars",
                       "measured": f"{personas['rated_shown']} rated, {personas['bad_reasons']} bad reasons",
                       "met": personas["rated_shown"] == 0 and personas["bad_reasons"] == 0})
    for row in results.get("cold_rmse", []):
        checks.append({"goal": f"cold users with {row['known']} ratings: RMSE below the bias baseline",
                       "measured": f"{row['rmse']:.4f} vs {row['baseline_rmse']:.4f}",
                       "met": row["rmse"] < row["baseline_rmse"]})
    return checks
