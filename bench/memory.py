"""Memory of gunicorn workers serving a model of the full 59k-movie catalogue.

Two sync workers are measured from /proc (smaps_rollup: RSS, PSS, shared and private pages)
after anonymous traffic that never loads the model, then again after cache-miss
recommendation requests have made each worker load and score with it. The model's arrays are
memory-mapped `.npy` files, so their pages sit in the page cache once and are shared: per-file
figures from /proc/<pid>/smaps show how much of the artifact each worker maps, and PSS (each
shared page divided among the processes that map it) shows it is not copied per worker.
"""
from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import stack
from bench.report import mib, say, table

ROLLUP_FIELDS = ("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty", "Anonymous")


def rollup(pid: int) -> dict[str, int]:
    """/proc/<pid>/smaps_rollup in bytes."""
    figures = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        if name.rstrip(":") in ROLLUP_FIELDS:
            figures[name.rstrip(":")] = int(value) * 1024
    return figures


def mapped_files(pid: int, folder: str) -> dict[str, int]:
    """Size, RSS, PSS and shared/private pages of the mappings of files under `folder`, summed."""
    totals = {"files": 0, "Size": 0, "Rss": 0, "Pss": 0, "Shared_Clean": 0, "Shared_Dirty": 0, "Private_Clean": 0,
              "Private_Dirty": 0}
    inside = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        first = line.split(maxsplit=1)[0]
        if "-" in first and not first.endswith(":"):  # a mapping's header line
            inside = line.rstrip().endswith(".npy") and folder in line
            totals["files"] += int(inside)
        elif inside and first.rstrip(":") in totals:
            totals[first.rstrip(":")] += int(line.split()[1]) * 1024
    return totals


def _get(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        return response.status


def drive(urls: list[tuple[str, str | None]], *, concurrency: int = 4) -> list[int]:
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda pair: _get(*pair), urls))


def measure(bench: stack.Stack, *, users: int = 200) -> dict:
    """Start gunicorn (2 sync workers) on a database with an active model and measure its workers."""
    fixtures_file = bench.data_dir / "memory-fixtures.json"
    stack.job(bench, "site-fixtures", "--out", str(fixtures_file), "--users", str(users), "--sessions", "0",
              "--raters", "0", "--no-warm", timeout=900)
    fixtures = json.loads(fixtures_file.read_text())
    stack.redis_forget(bench)  # no cached picks: every request below computes with the model
    result: dict = {}
    with stack.gunicorn(bench, workers=2) as server:
        pids = server.worker_pids()
        anonymous = [(f"{server.url}/api/recommendations/", None)] * 100 + [(f"{server.url}/movies/", None)] * 20
        statuses = drive(anonymous)
        result["without_model"] = {pid: rollup(pid) for pid in pids}
        personal = [(f"{server.url}/api/recommendations/", r["token"]) for r in fixtures["readers"]]
        statuses += drive(personal)
        artifact = _artifact_folder(bench)
        result["with_model"] = {pid: {**rollup(pid), "model_files": mapped_files(pid, artifact)} for pid in pids}
        result["artifact"] = {"folder": artifact, "bytes": {
            str(p.relative_to(artifact)): p.stat().st_size for p in Path(artifact).rglob("*.npy")
        }}
        result["bad_statuses"] = sum(status != 200 for status in statuses)
        result["workers"] = pids
    return result


def _artifact_folder(bench: stack.Stack) -> str:
    models = bench.data_dir / "models"
    versions = sorted((p for p in models.glob("v*") if (p / "meta.json").exists()), key=lambda p: p.stat().st_mtime)
    if not versions:
        raise RuntimeError(f"no model artifact under {models}")
    return str(versions[-1])


def run_standalone(*, ratings: int, seed: int = 42) -> dict:
    """A synthetic 59k-movie dataset, imported and trained quickly, then measured.

    The model is what serves large data (predictor SVD, as above RECOMMENDER_LARGE_DATA_RATINGS),
    trained for 3 epochs only: memory depends on the arrays' shapes, not on how well they fit.
    """
    with stack.stack("memory", SVD_EPOCHS="3", RECOMMENDER_PREDICTOR="svd") as bench:
        folder = bench.data_dir / "synthetic"
        say(f"\nSetting up {bench.database}: {ratings:,} synthetic ratings, quick SVD-predictor model…")
        stack.run_measured([stack.PYTHON, "-m", "bench.synthetic", "--ratings", str(ratings), "--seed", str(seed),
                            "--out", str(folder)], env=bench.env(), timeout=1800)
        stack.manage(bench, "import_movielens", "ml-25m", "--path", str(folder), "-v", "0", timeout=3600)
        stack.manage(bench, "train", timeout=3600)
        return measure(bench)


def print_table(result: dict) -> None:
    files = result["artifact"]["bytes"]
    biggest = sorted(files.items(), key=lambda kv: -kv[1])[:4]
    say(f"\nMemory: gunicorn workers (2, sync); artifact {result['artifact']['folder']}: "
        f"{mib(sum(files.values())):.0f} MiB of .npy on disk "
        f"(largest: {', '.join(f'{name} {mib(size):.0f}' for name, size in biggest)} MiB)")
    rows = []
    for pid in result["workers"]:
        before, after = result["without_model"][pid], result["with_model"][pid]
        model = after["model_files"]
        rows.append([pid, mib(before["Rss"]), mib(before["Pss"]), mib(after["Rss"]), mib(after["Pss"]),
                     mib(after["Rss"] - before["Rss"]), mib(model["Rss"]), mib(model["Pss"]),
                     mib(model["Shared_Clean"] + model["Shared_Dirty"]),
                     mib(model["Private_Clean"] + model["Private_Dirty"])])
    say(table(["worker", "RSS no model", "PSS no model", "RSS model", "PSS model", "RSS growth", "model RSS",
               "model PSS", "model shared", "model private"], rows))
    say("(MiB; model columns: the artifact's .npy mappings in that worker, from /proc/<pid>/smaps)")
