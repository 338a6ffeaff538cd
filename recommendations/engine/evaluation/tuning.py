"""A grid search you can rerun: every combination of hyper-parameters, scored on the same splits.

    python -m recommendations.engine.evaluation.tuning ../shared/datasets/ml-100k \\
        --grid n_factors=50,100 --grid reg_all=0.05,0.1,0.15

scores Surprise SVD (``SVDModel``) on ml-100k's u1..u5 and prints one line per combination,
best first; ``SVDParams``' defaults came from such a run.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from recommendations.engine.metrics import evaluate_predictions
from recommendations.engine.svd import SVDModel, SVDParams

from .protocols import Split, ml100k_folds


def grid_search(
    fit: Callable[[Any, Split], Any], base: Any, grid: Mapping[str, Sequence[Any]], splits: Sequence[Split]
) -> list[dict[str, Any]]:
    """Score every combination of ``grid`` values on every split (mean RMSE/MAE, fit time).

    Args:
        fit: ``fit(params, split)`` → a model with ``predict_known``.
        base: a frozen params dataclass; each combination is ``replace(base, **combination)``.
        grid: field name → values to try.
        splits: the splits to average over.

    Returns:
        One dict per combination (its fields plus ``rmse``, ``mae``, ``fit_seconds``), best RMSE first.
    """
    names = list(grid)
    rows = []
    for values in itertools.product(*(grid[name] for name in names)):
        params = replace(base, **dict(zip(names, values, strict=True)))
        scores, seconds = [], []
        for split in splits:
            started = time.perf_counter()
            model = fit(params, split)
            seconds.append(time.perf_counter() - started)
            scores.append(evaluate_predictions(model, split.test))
        rows.append({**dict(zip(names, values, strict=True)),
                     "rmse": float(np.mean([s["rmse"] for s in scores])),
                     "mae": float(np.mean([s["mae"] for s in scores])),
                     "fit_seconds": float(np.mean(seconds))})
    return sorted(rows, key=lambda row: row["rmse"])


def _value(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Grid-search SVD hyper-parameters on ml-100k's u1..u5.")
    parser.add_argument("source", type=Path, help="the ml-100k folder or zip")
    parser.add_argument("--grid", action="append", default=[], metavar="FIELD=V1,V2",
                        help="an SVDParams field and the values to try (repeatable)")
    args = parser.parse_args(argv)
    grid = {field: [_value(v) for v in values.split(",")]
            for field, values in (item.split("=", 1) for item in args.grid)}
    grid = grid or {"reg_all": [0.05, 0.1, 0.15]}
    rows = grid_search(lambda params, split: SVDModel.fit(split.train, params), SVDParams(), grid,
                       ml100k_folds(args.source))
    for row in rows:
        sys.stdout.write("  ".join(f"{key}={value:.4f}" if isinstance(value, float) else f"{key}={value}"
                                   for key, value in row.items()) + "\n")


if __name__ == "__main__":
    main()
