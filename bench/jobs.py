"""Django-side steps of the benchmarks, each run in a process of its own against a bench database.

    python -m bench.jobs <job> --out FILE [options]

bench.stack.job runs them with the bench's DATABASE_URL/REDIS_URL/DATA_DIR, so they never see the
developer's data. Each writes one JSON object to --out.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import threading
import time
from pathlib import Path

import django
import numpy as np

SAMPLE_SEED = 7


def _rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class StageClock:
    """Wall time and peak RSS per named stage; a thread samples this process's RSS every 50 ms."""

    def __init__(self) -> None:
        self.stages: list[dict] = []
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> StageClock:
        self._sampler.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()
        self._stop.set()
        self._sampler.join()

    def start(self, name: str) -> None:
        if self.stages and self.stages[-1]["name"] == name:
            return
        self.end()
        self.stages.append({"name": name, "started": time.perf_counter(), "peak_rss_bytes": _rss_bytes()})

    def end(self) -> None:
        if self.stages and "seconds" not in self.stages[-1]:
            stage = self.stages[-1]
            stage["seconds"] = round(time.perf_counter() - stage.pop("started"), 3)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            if self.stages and "seconds" not in self.stages[-1]:
                stage = self.stages[-1]
                stage["peak_rss_bytes"] = max(stage["peak_rss_bytes"], _rss_bytes())


def _instrument_training(clock: StageClock) -> dict[str, list[float]]:
    """Name the pipeline's steps on the clock and time every engine fit, by patching this process only.

    model_train reports coarse progress ("export", "evaluate", "fit", "save"); the hybrid's own
    steps (predictor, EASE, item-kNN, content) and the held-out evaluation are marked by wrapping
    them, and so is the compiled SVD trainer used on large data. Returns component name →
    durations of each of its fits (nested fits count in both).
    """
    from recommendations.engine import BlendModel, HybridModel, SVDModel
    from recommendations.engine.content_ranker import ContentRanker
    from recommendations.engine.ease import EASE
    from recommendations.engine.itemknn import ItemKNN
    from recommendations.engine.knn_baseline import KNNBaseline
    from recommendations.services import training

    fits: dict[str, list[float]] = {}
    for component in (SVDModel, KNNBaseline, BlendModel, EASE, ItemKNN, ContentRanker):
        _time_fits(component, fits)
    original_evaluate = training.evaluate_predictions

    def evaluate(*args, **kwargs):
        clock.start("evaluate held-out RMSE")
        return original_evaluate(*args, **kwargs)

    class Hybrid(HybridModel):
        @classmethod
        def fit(cls, *args, progress=None, **kwargs):
            def spy(stage: str, fraction: float) -> None:
                if stage != "done":
                    clock.start(f"fit full: {stage}")
                if progress:
                    progress(stage, fraction)

            return HybridModel.fit(*args, progress=spy, **kwargs)

    original_fast_trainer = training._fast_svd_trainer

    def fast_trainer():
        fit = original_fast_trainer()

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fit(*args, **kwargs)
            finally:
                fits.setdefault("fit_fast_svd", []).append(time.perf_counter() - started)

        return timed

    training.evaluate_predictions = evaluate
    training.HybridModel = Hybrid
    training._fast_svd_trainer = fast_trainer
    return fits


def _time_fits(component: type, fits: dict[str, list[float]]) -> None:
    original = component.fit.__func__

    def fit(cls, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original(cls, *args, **kwargs)
        finally:
            fits.setdefault(component.__name__, []).append(time.perf_counter() - started)

    component.fit = classmethod(fit)


def _pipeline_stage(stage: str) -> str | None:
    """The clock's name for one of model_train's progress stages (None: named elsewhere)."""
    return {"export": "export", "evaluate": "fit held-out predictor", "save": "save + activate",
            "done": "save + activate"}.get(stage)


def percentiles(seconds: list[float]) -> dict:
    ms = np.asarray(seconds) * 1000
    return {"n": len(ms), "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max()), "mean_ms": float(ms.mean())}


def pipeline(*, warm_limit: int, request_users: int) -> dict:
    """Time the retrain pipeline stage by stage, warm the cache, then time cache-miss recommendations."""
    from ratings.models import Rating
    from recommendations import services, serving
    from recommendations.services.user_recommendations import user_recommendations_compute

    result: dict = {}
    with StageClock() as clock:
        fits = _instrument_training(clock)

        def progress(stage: str, fraction: float) -> None:
            if name := _pipeline_stage(stage):
                clock.start(name)

        clock.start("export")
        version = services.model_train(progress=progress)
        clock.start("cache warm")
        # MovieLens timestamps are years old: the default 30-day window would warm nobody.
        warmed = services.user_recommendations_warm(days=365 * 100, limit=warm_limit)
        clock.end()
    result["stages"] = clock.stages
    result["component_fits"] = {name: {"calls": len(times), "seconds": round(sum(times), 2)}
                                for name, times in fits.items()}
    result["warmed_users"] = warmed
    artifact = Path(version.artifact_path)
    result["model"] = {
        "version": version.pk, "algorithm": version.algorithm, "status": version.status, "rmse": version.rmse,
        "mae": version.mae, "n_ratings": version.n_ratings, "n_users": version.n_users,
        "n_movies": version.n_movies, "parameters": version.parameters,
        "artifact_bytes": sum(p.stat().st_size for p in artifact.rglob("*") if p.is_file()),
        "artifact_meta": json.loads((artifact / "meta.json").read_text()),
    }
    result["pipeline_peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    started = time.perf_counter()
    loaded = serving.active_model()
    result["model_load_seconds"] = time.perf_counter() - started
    model = loaded.model
    supported = int((np.asarray(model.support) >= model.params.min_support).sum())
    result["model"].update(movies_in_model=len(model.movie_ids), well_supported=supported)
    users = _sample_users(request_users)
    result["request"] = recommendation_cost(user_ids=users, compute=user_recommendations_compute)
    result["request"]["ratings_per_user_mean"] = float(np.mean(
        [Rating.objects.filter(user_id=u).count() for u in users[:100]]
    ))
    return result


def _sample_users(n: int) -> list[int]:
    from ratings.models import Rating

    users = sorted(Rating.objects.order_by().values_list("user_id", flat=True).distinct())
    return random.Random(SAMPLE_SEED).sample(users, min(n, len(users)))


def recommendation_cost(*, user_ids: list[int], compute) -> dict:
    """Cache-miss cost: the whole service call, and its engine part (the hybrid's recommend) alone."""
    from django.conf import settings

    from ratings.selectors import user_scores_and_hidden_ids
    from recommendations import serving

    total, engine = [], []
    loaded = serving.active_model()
    for user_id in user_ids:
        started = time.perf_counter()
        compute(user_id=user_id)
        total.append(time.perf_counter() - started)
        scores, exclude = user_scores_and_hidden_ids(user_id=user_id,
                                                     watchlist=settings.RECOMMENDER["EXCLUDE_WATCHLIST"])
        started = time.perf_counter()  # the engine's part of the service call, with the same arguments
        loaded.model.recommend(scores, n=20, exclude=exclude, newest_first=True)
        engine.append(time.perf_counter() - started)
    return {"service": percentiles(total), "engine_only": percentiles(engine)}


def bulk_compare(*, sample: int, repeats: int = 3) -> dict:
    """Import ratings/s of the COPY path against Django's bulk_create, on the same sample of rows.

    Two cases, each inside a transaction that is rolled back (the database ends unchanged):
    "empty": the ratings table is truncated first, as for a first import (the importer then loads
    with its indexes dropped and rebuilds them; bulk_create inserts with them in place);
    "populated": only the sample's rows are deleted and put back, into a table that keeps every
    other rating (the importer's COPY + INSERT … ON CONFLICT; bulk_create with ignore_conflicts).
    Figures are medians of `repeats` runs, the two methods alternated, with each repeat's own ratio
    (min and max) as the spread. bulk_create's rate is the best it gets: into an empty table its
    indexes are small, and it slows as they grow, so the ratio understates a whole import's.
    """
    import pandas as pd
    from django.db import connection

    from ratings.models import Rating

    table = Rating._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        total = cursor.fetchone()[0]
        percent = min(100.0, 100.0 * sample * 1.2 / max(total, 1))
        cursor.execute(
            f"SELECT id, user_id, movie_id, score, EXTRACT(EPOCH FROM rated_at)::bigint FROM {table} "
            f"TABLESAMPLE BERNOULLI (%s) REPEATABLE (7) LIMIT %s", [percent, sample]
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT pg_total_relation_size(%s)", [table])
        table_bytes = cursor.fetchone()[0]
    ids = [r[0] for r in rows]
    frame = pd.DataFrame([r[1:] for r in rows], columns=["user_id", "movie_id", "score", "timestamp"])
    result: dict = {"table_ratings": total, "table_bytes": table_bytes, "sample": len(frame), "repeats": repeats}
    clear = {"empty": (f"TRUNCATE {table}", []), "populated": (f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])}
    for case, statement in clear.items():
        result[case] = _bulk_compare_case(frame, statement, repeats)
    # The headline pair (first import): kept under the old keys for the report.
    result["bulk_create"], result["copy"] = result["empty"]["bulk_create"], result["empty"]["copy"]
    return result


def _bulk_compare_case(frame, clear: tuple[str, list], repeats: int) -> dict:
    from django.db import connection, transaction

    from catalog import services as catalog_services

    runs: dict[str, list[float]] = {"bulk_create": [], "copy": []}
    for _ in range(repeats):  # alternated, so load from other processes falls on both alike
        for name, insert in (("bulk_create", _ratings_bulk_create), ("copy", _ratings_copy)):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(*clear)
                started = time.perf_counter()
                added = insert(frame, catalog_services)
                runs[name].append(time.perf_counter() - started)
                transaction.set_rollback(True)
            if added != len(frame):
                raise RuntimeError(f"{name} added {added} of {len(frame)} ratings")
    result = {}
    for name, seconds in runs.items():
        result[name] = {"seconds": float(np.median(seconds)), "runs": seconds,
                        "ratings_per_second": len(frame) / float(np.median(seconds)),
                        "ratings_per_second_min": len(frame) / max(seconds),
                        "ratings_per_second_max": len(frame) / min(seconds)}
    result["ratio"] = result["copy"]["ratings_per_second"] / result["bulk_create"]["ratings_per_second"]
    # Each repeat ran both methods back to back, under the same load: its own ratio shows the spread.
    ratios = [orm / copy for orm, copy in zip(runs["bulk_create"], runs["copy"], strict=True)]
    result["ratio_runs"], result["ratio_min"], result["ratio_max"] = ratios, min(ratios), max(ratios)
    return result


def _ratings_bulk_create(frame, catalog_services) -> int:
    """What the importer does without COPY (its SQLite path): Rating objects in batches, bulk_create."""
    import pandas as pd

    from ratings.models import Rating

    rated_at = pd.to_datetime(frame["timestamp"], unit="s", utc=True)
    batch = catalog_services.BATCH
    added = 0
    for start in range(0, len(frame), batch):
        stop = start + batch
        ratings = [
            Rating(user_id=u, movie_id=m, score=s, rated_at=t)
            for u, m, s, t in zip(
                frame["user_id"].iloc[start:stop].tolist(), frame["movie_id"].iloc[start:stop].tolist(),
                frame["score"].iloc[start:stop].tolist(), rated_at.iloc[start:stop].dt.to_pydatetime(), strict=True,
            )
        ]
        added += len(Rating.objects.bulk_create(ratings, ignore_conflicts=True))
    return added


def _ratings_copy(frame, catalog_services) -> int:
    """The importer's own PostgreSQL path (direct COPY into an empty table, else COPY + INSERT … ON CONFLICT)."""
    from catalog.postgres_copy import ratings_copy

    return ratings_copy(frame, None)


def site_fixtures(*, users: int, sessions: int, raters: int, warm: bool) -> dict:
    """Tokens, logged-in sessions, warm caches, search words and movies for the HTTP and freshness benches.

    The first `users` imported raters read (tokens, browser cookies for the first `sessions` of them, their
    recommendations cached when `warm`); the next `raters` ones write ratings, so reads stay cache hits.
    """
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from catalog.models import Movie
    from recommendations import services, serving

    people = list(get_user_model().objects.filter(username__startswith="ml_").order_by("pk")[: users + raters])
    readers, writers = people[:users], people[users:]
    tokens = {u.pk: Token.objects.get_or_create(user=u)[0].key for u in people}
    session_cookies = []  # what a browser sends back: the session and the CSRF cookie its first page set
    browsers = []
    for person in readers[:sessions]:
        client = Client()
        browsers.append(client)
        client.force_login(person)
        client.get("/start/")  # a page with forms sets the CSRF cookie
        session_cookies.append("; ".join(f"{name}={client.cookies[name].value}" for name in ("sessionid", "csrftoken")))
    warm_seconds = None
    if warm:
        started = time.perf_counter()
        for person in readers:
            services.user_recommendations_refresh(user_id=person.pk)
        for client in browsers:  # each reader has seen their home page once, as the API readers' picks are cached
            client.get("/")
        warm_seconds = time.perf_counter() - started
    popular = list(
        Movie.objects.filter(rating_count__gte=10).order_by("-rating_count").values_list("pk", "title")[:2000]
    )
    rng = random.Random(SAMPLE_SEED)
    words = [w for _, title in popular[:300] for w in title.split()[:2] if len(w) >= 4 and w.isalpha()]
    queries = rng.sample(words, min(60, len(words)))
    queries += [_typo(w, rng) for w in queries[:20]]  # search forgives typos: the slower path
    return {
        "readers": [{"id": u.pk, "token": tokens[u.pk]} for u in readers],
        "writers": [{"id": u.pk, "token": tokens[u.pk]} for u in writers],
        "sessions": session_cookies,
        "movies": [pk for pk, _ in popular],
        "queries": queries,
        "warm_seconds": warm_seconds,
        "active_version": serving.active_version_id(),
    }


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def retrain_request() -> dict:
    """Queue a retrain as the staff button does: a queued row now, the task on the batch queue after commit."""
    from django.db import transaction

    from recommendations import services

    with transaction.atomic():
        version = services.model_train_request()
    return {"version": version.pk}


def _rss_split() -> dict[str, int]:
    """This process's resident memory: anonymous (its own) and file-backed (mapped files, shareable) bytes."""
    figures = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile"):
                figures[name] = int(value.split()[0]) * 1024
    return figures


def artifact_roundtrip(*, users: int = 100) -> dict:
    """The active model as a fresh host meets it: fetch + verify into an empty cache, load, serve; then store.

    Run with MODEL_CACHE_DIR pointing at an empty folder. The store is timed on a copy of the fetched files under
    a throwaway version, in a transaction that is rolled back (the database ends unchanged).
    """
    import shutil

    from django.db import transaction

    from recommendations import artifacts, serving
    from recommendations.engine import HybridModel
    from recommendations.engine.arrays import artifact_checksum
    from recommendations.models import ModelVersion
    from recommendations.services.user_recommendations import user_recommendations_compute

    active = ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE)
    result: dict = {"version": active.pk, "store": active.artifact_store, "artifact_bytes": active.artifact_bytes,
                    "chunks": active.artifact_chunks.count(), "rss_start": _rss_split()}
    started = time.perf_counter()
    directory = artifacts.artifact_fetch(version=active)
    result["fetch_verify_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    artifact_checksum(directory)
    result["checksum_only_seconds"] = time.perf_counter() - started
    before = _rss_split()
    started = time.perf_counter()
    HybridModel.load(directory, mmap=True)
    result["load_seconds"] = time.perf_counter() - started
    result["rss_after_load"] = _rss_split()
    result["rss_anon_load_delta"] = result["rss_after_load"]["RssAnon"] - before["RssAnon"]
    user_ids = _sample_users(users)
    started = time.perf_counter()
    loaded = serving.active_model()
    result["serving_load_seconds"] = time.perf_counter() - started  # from the local copy now
    cost = recommendation_cost(user_ids=user_ids, compute=user_recommendations_compute)
    result["refresh"] = cost
    result["rss_after_requests"] = _rss_split()
    result["loaded_version"] = loaded.version_id if loaded else None

    staging = directory.with_name(f".partial-bench-{os.getpid()}")
    shutil.copytree(directory, staging)
    with transaction.atomic():
        throwaway = ModelVersion.objects.create(status=ModelVersion.Status.FAILED, note="bench: store timing")
        started = time.perf_counter()
        artifacts.artifact_store(version=throwaway, directory=staging)
        throwaway.save()
        result["store_seconds"] = time.perf_counter() - started
        transaction.set_rollback(True)
    shutil.rmtree(throwaway.artifact_path, ignore_errors=True)
    result["total_fresh_host_seconds"] = result["fetch_verify_seconds"] + result["load_seconds"]
    return result


JOBS = {"pipeline": pipeline, "bulk-compare": bulk_compare, "site-fixtures": site_fixtures,
        "retrain-request": retrain_request, "artifact-roundtrip": artifact_roundtrip}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs")
    parser.add_argument("job", choices=list(JOBS))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--warm-limit", type=int, default=5000)
    parser.add_argument("--request-users", type=int, default=500)
    parser.add_argument("--sample", type=int, default=500_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--raters", type=int, default=100)
    parser.add_argument("--no-warm", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moviesite.settings.dev")
    django.setup()
    arguments = {
        "pipeline": lambda: pipeline(warm_limit=args.warm_limit, request_users=args.request_users),
        "bulk-compare": lambda: bulk_compare(sample=args.sample, repeats=args.repeats),
        "site-fixtures": lambda: site_fixtures(users=args.users, sessions=args.sessions, raters=args.raters,
                                               warm=not args.no_warm),
        "retrain-request": retrain_request,
        "artifact-roundtrip": lambda: artifact_roundtrip(users=args.request_users),
    }
    args.out.write_text(json.dumps(arguments[args.job](), indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
