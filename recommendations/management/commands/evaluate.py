"""`manage.py evaluate`: measure the engine offline on MovieLens or on this site's ratings.

    manage.py evaluate --dataset ml-100k [--path DIR_OR_ZIP] [--algorithms ease,hybrid] [--protocol holdout]
    manage.py evaluate --from-db --protocol kfold,holdout

Prints one table per protocol, writes evaluation.json and evaluation.html (with plots) to
--output, and records the results on the active model version (ModelVersion.metrics["evaluation"]).
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone
from tqdm import tqdm

from catalog.download import DownloadError, movielens_archive
from catalog.movielens import DATASETS, MovieLensFormatError, read_movielens
from moviesite.progress import CommandProgressStream
from recommendations.engine.evaluation.runner import (
    PROTOCOLS,
    RANKING_ALGORITHMS,
    RATING_ALGORITHMS,
    evaluate,
    quality_targets,
    standard_protocols,
)
from recommendations.engine.report import format_table, write_report
from recommendations.models import ModelVersion


class Command(BaseCommand):
    help = "Evaluate rating predictors and rankers offline; print a table and write a JSON + HTML report."

    def add_arguments(self, parser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--dataset", choices=list(DATASETS), help="a MovieLens dataset (default ml-100k)")
        source.add_argument("--from-db", action="store_true", help="evaluate on this site's ratings and movies")
        parser.add_argument("--path", type=Path, help="the dataset folder, a folder containing it, or its zip")
        parser.add_argument(
            "--algorithms", default="",
            help=f"comma-separated, default all: {', '.join([*RATING_ALGORITHMS, *RANKING_ALGORITHMS])}",
        )
        parser.add_argument(
            "--protocol", default="standard",
            help=f"comma-separated, or 'standard' (default): {', '.join(PROTOCOLS)}",
        )
        parser.add_argument("--output", type=Path, help="report directory (default DATA_DIR/reports/<run>)")
        parser.add_argument("--k", type=int, default=10, help="list length for the ranking metrics")
        parser.add_argument("--no-attach", action="store_true", help="do not record results on the active model")

    def handle(self, *args, **options) -> None:
        name = "database" if options["from_db"] else options["dataset"] or "ml-100k"
        protocols = self._protocols(options["protocol"], name)
        ratings, movies, source = self._data(options, name)
        algorithms = [a for a in options["algorithms"].split(",") if a] or None
        started = time.monotonic()
        with tqdm(total=1000, desc="evaluating", file=CommandProgressStream(self.stderr), leave=False,
                  disable=options["verbosity"] == 0) as bar:

            def progress(label: str, fraction: float) -> None:
                bar.set_description(label)
                bar.update(max(0, round(fraction * 1000) - bar.n))

            try:
                with _quiet_engine(options["verbosity"] < 2):
                    results = evaluate(ratings, movies, protocols=protocols, algorithms=algorithms,
                                       source=source, k=options["k"], progress=progress)
            except (ValueError, FileNotFoundError) as exc:
                raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        self.stdout.write(format_table(results))
        targets = quality_targets(results) if name == "ml-100k" else []
        if targets:
            self.stdout.write("\nTargets (issue: recommendation quality)")
            for check in targets:
                self.stdout.write(f"  [{'met' if check['met'] else 'MISSED'}] {check['goal']}: {check['measured']}")
        meta = {"dataset": name, "protocols": protocols, "algorithms": algorithms or "all", "k": options["k"],
                "seconds": round(seconds, 1), "created": timezone.now().isoformat(), "targets": targets}
        output = options["output"] or settings.DATA_DIR / "reports" / f"{name}-{timezone.now():%Y%m%d-%H%M%S}"
        json_path, html_path = write_report(results, ratings, output, title=f"Recommendation quality: {name}",
                                            meta=meta)
        self.stdout.write(f"\nReport: {html_path} (data: {json_path}); {seconds:.0f} s")
        if not options["no_attach"]:
            try:
                version = _evaluation_attach(results={**meta, "report": str(html_path), "results": results})
            except DatabaseError as exc:
                # An offline run on a fresh checkout has no migrated database: the report is the result.
                self.stderr.write(f"Not recorded on a model version (database unavailable: {exc})")
                return
            if version is not None:
                self.stdout.write(f"Recorded on model version {version.pk}")

    def _data(self, options: dict[str, Any], name: str) -> tuple[pd.DataFrame, pd.DataFrame | None, Path | None]:
        if options["from_db"]:
            from recommendations.export import movies_export, ratings_export

            ratings = ratings_export()
            if ratings.empty:
                raise CommandError("there are no ratings in the database to evaluate on")
            return ratings, movies_export(), None
        try:
            source = options["path"] or _dataset_source(name, CommandProgressStream(self.stderr))
            data = read_movielens(name, source)
        except (MovieLensFormatError, DownloadError) as exc:
            raise CommandError(str(exc)) from exc
        movies = data.movies.merge(data.tags, on="movie_id", how="left")
        ratings = data.ratings.astype({"user_id": "int64", "movie_id": "int64"})
        return ratings, movies, source

    def _protocols(self, value: str, name: str) -> list[str]:
        chosen: list[str] = []
        for item in (p.strip() for p in value.split(",") if p.strip()):
            chosen.extend(standard_protocols(name) if item == "standard" else [item])
        unknown = [p for p in chosen if p not in PROTOCOLS]
        if unknown:
            raise CommandError(f"unknown protocol(s) {', '.join(unknown)}; known: {', '.join(PROTOCOLS)}, standard")
        if "u1-u5" in chosen and name != "ml-100k":
            raise CommandError("the u1-u5 protocol exists only for ml-100k; use kfold")
        return list(dict.fromkeys(chosen))


@contextlib.contextmanager
def _quiet_engine(quiet: bool) -> Iterator[None]:
    """Hold back the engine's per-fit INFO lines (hundreds per run) unless -v 2 asks for them."""
    engine = logging.getLogger("recommendations.engine")
    previous = engine.level
    if quiet:
        engine.setLevel(logging.WARNING)
    try:
        yield
    finally:
        engine.setLevel(previous)


def _dataset_source(name: str, stream) -> Path:
    """A local copy of the dataset under MOVIELENS_DIR (folder or zip), downloading it if missing."""
    folder = settings.MOVIELENS_DIR / name
    if folder.is_dir():
        return folder
    return movielens_archive(name, mirror=settings.MOVIELENS_MIRROR, cache_dir=settings.MOVIELENS_DIR,
                             progress=stream)


def _evaluation_attach(*, results: dict[str, Any]) -> ModelVersion | None:
    """Store the results under metrics["evaluation"] of the active model version, if there is one."""
    version = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    if version is None:
        return None
    version.metrics = {**(version.metrics or {}), "evaluation": results}
    version.save(update_fields=["metrics"])
    return version
