"""Freshness: how long after a rating POST returns do the user's recommendations reflect it?

Each trial takes the user's current top pick, rates it through the API and then polls every
20 ms. Rated movies are never recommended, so the list reflects the rating once that movie has
left it. Two series, 10 users × 10 ratings each:

- API: poll GET /api/recommendations/ — what a client sees. On the cache miss the rating left
  behind, the web process recomputes the list itself, so this is usually the first poll.
- worker: poll only Redis for the user's cache entry — how long the Celery worker's background
  refresh takes to put a fresh list back (what the home page of a later visit gets).
"""
from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request

import numpy as np

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


def run(site: Site, *, users: int = 10, per_user: int = 10) -> dict:
    people = site.fixtures["readers"][:users]
    rng = random.Random(5)
    series = {}
    for via in ("worker", "api"):  # worker first: API polls would refill the cache themselves
        trials = []
        for _ in range(per_user):
            for person in people:
                try:
                    outcome = trial(site, person, via=via, rng=rng)
                except urllib.error.URLError as exc:
                    outcome = {"seconds": None, "error": str(exc)}
                if outcome is not None:
                    trials.append({"user": person["id"], **outcome})
        stack.queue_drain(site.bench, timeout=120)
        series[via] = {"trials": trials, **summary(trials)}
        say(f"  freshness via {via}: median {series[via]['median_ms']} ms, p95 {series[via]['p95_ms']} ms, "
            f"{series[via]['not_reflected']} not reflected within {GIVE_UP_SECONDS:.0f} s")
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
    say("\nFreshness: rating POST returned → recommendations reflect it (polled every 20 ms)")
    say(table(["seen through", "ratings", "median ms", "p95 ms", "max ms", "not reflected", "POST median ms"],
              [[via, r["ratings"], r["median_ms"], r["p95_ms"], r["max_ms"], r["not_reflected"],
                r["post_median_ms"]] for via, r in result.items()]))
