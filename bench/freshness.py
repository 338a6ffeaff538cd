"""Freshness: how long after a rating POST returns do the user's recommendations reflect it?

Each trial takes the user's current top pick, rates it through the API and then polls every
20 ms. Rated movies are never recommended, so the list reflects the rating once that movie has
left it. Two series, 10 users × 10 ratings each:

- API: poll GET /api/recommendations/ — what a client sees. On the cache miss the rating left
  behind, the web process recomputes the list itself, so this is usually the first poll.
- worker: poll only Redis for the user's cache entry — how long the Celery worker's background
  refresh takes to put a fresh list back (what the home page of a later visit gets).

With `retrain=True` a retrain is kept running on the batch worker throughout (a new one is queued as
soon as the last one ends), and each trial records whether a training was running when it began and
when it ended: the figures that count are those of trials with a retrain running at both ends. The
site is started with ACTIVATION_TOLERANCE=-1 so those retrains never activate: the served version (and
so each trial's cache key) stays put, and what is measured is the queues, not a model switch.
"""
from __future__ import annotations

import contextlib
import json
import random
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import psycopg

from bench import stack
from bench.report import say, table
from bench.site import Site

POLL_SECONDS = 0.02
GIVE_UP_SECONDS = 10.0
HALF_STARS = [x / 2 for x in range(1, 11)]


def _call(url: str, token: str, *, body: dict | None = None) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"},
                                     data=json.dumps(body).encode() if body else None,
                                     method="POST" if body else "GET")
    if body:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _top_pick(site: Site, token: str) -> tuple[int, int] | None:
    """(movie id, model version) of the user's first recommendation, or None if not personalised."""
    listing = _call(f"{site.server.url}/api/recommendations/", token)
    if not listing["personalized"] or not listing["results"]:
        return None
    return listing["results"][0]["movie"]["id"], listing["model_version"]


def training_running(site: Site) -> bool:
    with psycopg.connect(site.bench.database_url, connect_timeout=3) as conn:
        row = conn.execute("SELECT count(*) FROM recommendations_modelversion WHERE status = 'running'").fetchone()
    return row[0] > 0


class RetrainLoop:
    """Keeps a retrain queued or running on the batch worker until stopped; counts the trainings that ran."""

    def __init__(self, site: Site) -> None:
        self.site, self.stopped = site, threading.Event()
        self.thread = threading.Thread(target=self._run, name="retrain-loop", daemon=True)

    def _busy(self) -> bool:
        with psycopg.connect(self.site.bench.database_url, connect_timeout=3) as conn:
            row = conn.execute("SELECT count(*) FROM recommendations_modelversion "
                               "WHERE status IN ('queued', 'running')").fetchone()
        return row[0] > 0

    def _run(self) -> None:
        while not self.stopped.is_set():
            if not self._busy():
                stack.job(self.site.bench, "retrain-request", "--out", str(self.site.bench.data_dir / "retrain.json"),
                          timeout=120)
            self.stopped.wait(0.5)

    def trainings(self) -> dict:
        with psycopg.connect(self.site.bench.database_url, connect_timeout=3) as conn:
            rows = conn.execute("SELECT status, count(*), avg(duration_seconds) FROM recommendations_modelversion "
                                "GROUP BY status").fetchall()
        return {status: {"count": n, "mean_seconds": float(mean) if mean else None} for status, n, mean in rows}

    def __enter__(self) -> RetrainLoop:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not training_running(self.site) and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=130)


def trial(site: Site, person: dict, *, via: str, rng: random.Random) -> dict | None:
    """Rate the user's top pick; seconds until `via` ("api" or "worker") shows a list without it."""
    pick = _top_pick(site, person["token"])
    if pick is None:
        return None
    movie, version = pick
    started = time.perf_counter()
    _call(f"{site.server.url}/api/ratings/", person["token"], body={"movie": movie, "score": rng.choice(HALF_STARS)})
    posted = time.perf_counter()
    client = stack.redis_client(site.bench)
    key = f"{site.bench.prefix}:1:recs:{version}:{person['id']}"
    polls = 0
    while time.perf_counter() - posted < GIVE_UP_SECONDS:
        polls += 1
        if via == "api":
            listing = _call(f"{site.server.url}/api/recommendations/", person["token"])
            fresh = movie not in [r["movie"]["id"] for r in listing["results"]]
        else:
            fresh = bool(client.exists(key))
        if fresh:
            return {"seconds": time.perf_counter() - posted, "post_seconds": posted - started, "polls": polls}
        time.sleep(POLL_SECONDS)
    return {"seconds": None, "post_seconds": posted - started, "polls": polls}


def run(site: Site, *, users: int = 10, per_user: int = 10, retrain: bool = False) -> dict:
    people = site.fixtures["readers"][:users]
    rng = random.Random(5)
    series = {}
    loop = RetrainLoop(site) if retrain else contextlib.nullcontext()
    with loop:
        for via in ("worker", "api"):  # worker first: API polls would refill the cache themselves
            trials = []
            for _ in range(per_user):
                for person in people:
                    running_before = training_running(site) if retrain else None
                    try:
                        outcome = trial(site, person, via=via, rng=rng)
                    except urllib.error.URLError as exc:
                        outcome = {"seconds": None, "error": str(exc)}
                    if outcome is not None:
                        if retrain:
                            outcome["during_retrain"] = running_before and training_running(site)
                        trials.append({"user": person["id"], **outcome})
            if not retrain:
                stack.queue_drain(site.bench, timeout=120)
            series[via] = {"trials": trials, **summary(trials)}
            if retrain:
                series[via]["during_retrain"] = summary([t for t in trials if t.get("during_retrain")])
            say(f"  freshness via {via}: median {series[via]['median_ms']} ms, p95 {series[via]['p95_ms']} ms, "
                f"{series[via]['not_reflected']} not reflected within {GIVE_UP_SECONDS:.0f} s")
    if retrain:
        series["trainings"] = loop.trainings()
    return series


def summary(trials: list[dict]) -> dict:
    done = [t["seconds"] * 1000 for t in trials if t.get("seconds") is not None]
    posts = [t["post_seconds"] * 1000 for t in trials if t.get("post_seconds") is not None]
    return {
        "ratings": len(trials),
        "median_ms": round(float(np.median(done)), 1) if done else None,
        "p95_ms": round(float(np.percentile(done, 95)), 1) if done else None,
        "max_ms": round(max(done), 1) if done else None,
        "not_reflected": len(trials) - len(done),
        "post_median_ms": round(float(np.median(posts)), 1) if posts else None,
        "polls_median": float(np.median([t["polls"] for t in trials if "polls" in t])) if trials else None,
    }


def print_table(result: dict) -> None:
    retrain = "trainings" in result
    say("\nFreshness: rating POST returned → recommendations reflect it (polled every 20 ms)"
        + (", a retrain kept running on the batch worker" if retrain else ""))
    rows = []
    for via, r in result.items():
        if via == "trainings":
            continue
        rows.append([via, r["ratings"], r["median_ms"], r["p95_ms"], r["max_ms"], r["not_reflected"],
                     r["post_median_ms"]])
        if retrain:
            d = r["during_retrain"]
            rows.append([f"{via}, retrain running", d["ratings"], d["median_ms"], d["p95_ms"], d["max_ms"],
                         d["not_reflected"], d["post_median_ms"]])
    say(table(["seen through", "ratings", "median ms", "p95 ms", "max ms", "not reflected", "POST median ms"], rows))
    if retrain:
        say(f"trainings: {result['trainings']}")
