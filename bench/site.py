"""A running site in service mode for the HTTP and freshness benches.

PostgreSQL + Redis + a Celery worker + gunicorn (DEBUG off), with MovieLens ml-latest-small
imported (from ../shared/datasets when present, else downloaded), content similarities computed
and a model trained, plus API tokens, logged-in sessions and warm caches for the readers.
"""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench import stack
from bench.report import say

SHARED_DATASETS = Path(os.environ.get("SHARED_DATASETS", stack.ROOT.parent / "shared" / "datasets"))


@dataclass
class Site:
    bench: stack.Stack
    fixtures: dict
    setup: dict = field(default_factory=dict)
    server: stack.Server | None = None


def dataset_arguments() -> list[str]:
    local = SHARED_DATASETS / "ml-latest-small"
    return ["--path", str(local)] if (local / "ratings.csv").exists() else []


@contextlib.contextmanager
def running_site(*, name: str = "site", readers: int = 400, sessions: int = 100,
                 raters: int = 100, **extra_env: str) -> Iterator[Site]:
    """The database, data and the Celery workers (viewers and batch, as the Procfile runs them); serve it with
    `served`."""
    with stack.stack(name, **extra_env) as bench:
        setup = {}
        say(f"Setting up {bench.database}: ml-latest-small, similarities, model, fixtures…")
        setup["import_seconds"] = stack.manage(bench, "import_movielens", "ml-latest-small", *dataset_arguments(),
                                               "-v", "0", timeout=900).seconds
        setup["train_seconds"] = stack.manage(bench, "train", "--similarities", timeout=1800).seconds
        with prepared_site(bench, readers=readers, sessions=sessions, raters=raters, setup=setup) as site:
            yield site


@contextlib.contextmanager
def prepared_site(bench: stack.Stack, *, readers: int = 400, sessions: int = 100, raters: int = 100,
                  setup: dict | None = None) -> Iterator[Site]:
    """Fixtures and a Celery worker on a database that already has its data and an active model."""
    setup = {} if setup is None else setup
    out = bench.data_dir / "fixtures.json"
    setup["fixtures_seconds"] = stack.job(
        bench, "site-fixtures", "--out", str(out), "--users", str(readers), "--sessions", str(sessions),
        "--raters", str(raters), timeout=900,
    ).seconds
    fixtures = json.loads(out.read_text())
    setup["warm_seconds"] = fixtures["warm_seconds"]
    with (stack.celery_worker(bench, queues="viewers", name="viewers"),
          stack.celery_worker(bench, queues="batch,celery", concurrency=1, name="batch")):
        yield Site(bench=bench, fixtures=fixtures, setup=setup)


@contextlib.contextmanager
def served(site: Site, *, worker_class: str = "sync", threads: int = 1) -> Iterator[Site]:
    """The site behind gunicorn (2 workers of `worker_class`), stopped on exit."""
    with stack.gunicorn(site.bench, worker_class=worker_class, threads=threads) as server:
        yield replace(site, server=server)
