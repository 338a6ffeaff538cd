"""Evaluation reports: a plain-text table, a JSON file and a self-contained HTML page with plots.

Plots are drawn with matplotlib's Agg backend (no display needed) into PNGs embedded as base64,
so the HTML is one file that can be mailed, attached or served as is.
"""
from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RATING_COLUMNS = ("rmse", "mae", "fit_seconds")
RANKING_COLUMNS = ("ndcg", "precision", "recall", "map", "hit_rate", "liked_share", "disliked_share", "coverage",
                   "novelty", "fit_seconds", "recommend_ms")
PERSONA_COLUMNS = ("in_genre", "least_in_genre", "min_stars", "mean_stars", "rated_shown", "bad_reasons",
                   "rank_familiar", "rank_discover", "discover_min_stars")
COLD_RMSE_COLUMNS = ("known", "users", "ratings", "rmse", "baseline_rmse")


def dataset_summary(ratings: pd.DataFrame) -> dict[str, Any]:
    """Size, sparsity, star distribution and long tail of a ratings DataFrame."""
    n_users, n_movies = int(ratings["user_id"].nunique()), int(ratings["movie_id"].nunique())
    per_movie = ratings["movie_id"].value_counts().to_numpy()
    top = max(1, round(0.2 * len(per_movie)))
    stars = ratings["score"].value_counts().sort_index()
    return {
        "ratings": len(ratings), "users": n_users, "movies": n_movies,
        "density": len(ratings) / max(n_users * n_movies, 1),
        "stars": {f"{k:g}": int(v) for k, v in stars.items()},
        "top_20pct_movies_share": float(per_movie[:top].sum() / max(per_movie.sum(), 1)),
        "movies_with_under_5_ratings": int((per_movie < 5).sum()),
    }


def format_table(results: Mapping[str, Any]) -> str:
    """The results as fixed-width text tables, one per protocol."""
    blocks = []
    for kind, columns in (("rating", RATING_COLUMNS), ("ranking", RANKING_COLUMNS)):
        for protocol, by_algorithm in results.get(kind, {}).items():
            names = list(by_algorithm)
            width = max(len("algorithm"), *(len(n) for n in names))
            header = f"{'algorithm':<{width}}  " + "  ".join(f"{_label(c):>9}" for c in columns)
            lines = [f"[{kind}: {protocol}]", header, "-" * len(header)]
            for name in names:
                row = by_algorithm[name]
                lines.append(f"{name:<{width}}  " + "  ".join(f"{_cell(row.get(c)):>9}" for c in columns))
            blocks.append("\n".join(lines))
    if results.get("personas"):
        blocks.append(_rows_table("[personas: top 10 of one-genre viewers]", "ranker", results["personas"],
                                  PERSONA_COLUMNS))
    if results.get("cold_rmse"):
        rows = {f"{r['known']} known": r for r in results["cold_rmse"]}
        blocks.append(_rows_table("[cold users: rating RMSE, blend vs bias baseline]", "ratings", rows,
                                  COLD_RMSE_COLUMNS))
    return "\n\n".join(blocks)


def _rows_table(heading: str, first: str, rows: Mapping[str, Mapping[str, Any]], columns: tuple[str, ...]) -> str:
    width = max(len(first), *(len(n) for n in rows))
    header = f"{first:<{width}}  " + "  ".join(f"{_label(c):>9}" for c in columns)
    lines = [heading, header, "-" * len(header)]
    for name, row in rows.items():
        lines.append(f"{name:<{width}}  " + "  ".join(f"{_cell(row.get(c)):>9}" for c in columns))
    return "\n".join(lines)


def write_report(
    results: Mapping[str, Any], ratings: pd.DataFrame, directory: Path, *, title: str, meta: Mapping[str, Any]
) -> tuple[Path, Path]:
    """Write ``evaluation.json`` and ``evaluation.html`` into ``directory``.

    Args:
        results: output of ``evaluation.runner.evaluate``.
        ratings: the evaluated ratings (for the data plots).
        directory: created if missing.
        title: page title.
        meta: anything worth recording beside the results (dataset, protocols, timings).

    Returns:
        ``(json_path, html_path)``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    document = {"meta": dict(meta), "data": dataset_summary(ratings), "results": results}
    json_path = directory / "evaluation.json"
    json_path.write_text(json.dumps(document, indent=2, sort_keys=True, default=_jsonable))
    figures = _figures(results, ratings)
    html_path = directory / "evaluation.html"
    html_path.write_text(_page(title, document, figures))
    return json_path, html_path


def _figures(results: Mapping[str, Any], ratings: pd.DataFrame) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figures = []

    fig, ax = plt.subplots(figsize=(5, 3))
    stars = ratings["score"].value_counts().sort_index()
    ax.bar(np.arange(len(stars)), stars.to_numpy(), color="#4c72b0")
    ax.set_xticks(np.arange(len(stars)), [f"{s:g}" for s in stars.index])
    ax.set(title="Rating distribution", xlabel="stars", ylabel="ratings")
    figures.append(("Rating distribution", _png(fig, plt)))

    fig, ax = plt.subplots(figsize=(5, 3))
    per_movie = np.sort(ratings["movie_id"].value_counts().to_numpy())[::-1]
    ax.plot(np.arange(1, len(per_movie) + 1), per_movie, color="#dd8452")
    ax.set(title="Long tail: ratings per movie", xlabel="movie rank", ylabel="ratings", yscale="log")
    figures.append(("Sparsity and long tail", _png(fig, plt)))

    for protocol, by_algorithm in results.get("rating", {}).items():
        fig, ax = plt.subplots(figsize=(6, 3))
        names = list(by_algorithm)
        ax.barh(names, [by_algorithm[n]["rmse"] for n in names], color="#55a868")
        low = min(by_algorithm[n]["rmse"] for n in names)
        ax.set(title=f"RMSE ({protocol}; lower is better)", xlim=(low - 0.05, None))
        figures.append((f"RMSE, {protocol}", _png(fig, plt)))

    for protocol, by_algorithm in results.get("ranking", {}).items():
        fig, axes = plt.subplots(1, 2, figsize=(9, 3))
        names = list(by_algorithm)
        axes[0].barh(names, [by_algorithm[n]["ndcg"] for n in names], color="#4c72b0")
        axes[0].set(title=f"NDCG@10 ({protocol})")
        axes[1].barh(names, [by_algorithm[n]["coverage"] for n in names], color="#c44e52")
        axes[1].set(title="catalogue coverage")
        axes[1].set_yticklabels([])
        figures.append((f"Ranking, {protocol}", _png(fig, plt)))

    activity = results.get("ranking", {}).get("holdout") or next(iter(results.get("ranking", {}).values()), None)
    if activity:
        fig, ax = plt.subplots(figsize=(6, 3))
        labels: list[str] = []
        for row in activity.values():
            labels += [b for b in row.get("by_activity", {}) if b not in labels]
        for name, row in activity.items():
            buckets = row.get("by_activity", {})
            ax.plot([labels.index(b) for b in buckets], [b["ndcg"] for b in buckets.values()], marker="o", label=name)
        ax.set_xticks(np.arange(len(labels)), labels)
        ax.set(title="NDCG@10 by the user's number of ratings", xlabel="ratings known", ylabel="NDCG@10")
        ax.legend(fontsize=7, ncols=2)
        figures.append(("Metrics by user activity", _png(fig, plt)))
    return figures


def _png(fig: Any, plt: Any) -> str:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _page(title: str, document: Mapping[str, Any], figures: list[tuple[str, str]]) -> str:
    data = document["data"]
    facts = (f"{data['ratings']:,} ratings, {data['users']:,} users, {data['movies']:,} movies; "
             f"density {data['density']:.2%}; the top 20% of movies hold {data['top_20pct_movies_share']:.0%} "
             f"of the ratings")
    tables = "".join(_html_table(kind, protocol, rows)
                     for kind in ("rating", "ranking") for protocol, rows in document["results"].get(kind, {}).items())
    images = "".join(f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{png}">'
                     f"<figcaption>{html.escape(name)}</figcaption></figure>" for name, png in figures)
    meta = html.escape(json.dumps(document["meta"], default=_jsonable))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin: 0 0 1.5rem; }}
th, td {{ padding: .25rem .6rem; border-bottom: 1px solid #ddd; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
figure {{ display: inline-block; margin: 0 1rem 1rem 0; }}
code {{ font-size: 12px; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(facts)}</p>
{tables}
{images}
<p><code>{meta}</code></p>
</body></html>
"""


def _html_table(kind: str, protocol: str, rows: Mapping[str, Mapping[str, Any]]) -> str:
    columns = RATING_COLUMNS if kind == "rating" else RANKING_COLUMNS
    head = "".join(f"<th>{_label(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><td>{html.escape(name)}</td>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns) + "</tr>"
        for name, row in rows.items()
    )
    return f"<h2>{kind.title()}: {html.escape(protocol)}</h2><table><tr><th>algorithm</th>{head}</tr>{body}</table>"


def _label(column: str) -> str:
    return {"fit_seconds": "fit s", "recommend_ms": "rec ms", "hit_rate": "hit", "precision": "prec",
            "ndcg": "ndcg@10", "coverage": "coverage", "liked_share": "liked", "disliked_share": "disliked",
            "least_in_genre": "least in", "rank_familiar": "rank fam", "rank_discover": "rank disc",
            "discover_min_stars": "disc min ★", "in_genre": "in genre", "min_stars": "min ★", "mean_stars": "mean ★",
            "rated_shown": "rated", "bad_reasons": "bad why", "baseline_rmse": "baseline"}.get(column, column)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.4f}"
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
