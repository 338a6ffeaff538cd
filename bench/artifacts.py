"""Artifacts across hosts: what a fresh host pays to serve the active model, and what each viewer costs Redis.

For each dataset (ml-latest-small, or synthetic sizes through the scale pipeline) a model is trained and
stored in PostgreSQL as the site does it; then a new process with an empty MODEL_CACHE_DIR (a host that has
never seen the model) fetches it, verifying the sha256 as the bytes arrive, loads it memory-mapped and
computes picks for sampled viewers; the store is timed on a copy, rolled back. Redis MEMORY USAGE of cached
picks keys gives the memory per cached viewer.

The trainer wrote the rows moments before, so PostgreSQL reads them from memory: a host fetching from a
server whose cache has cooled also waits for the disk.
"""
from __future__ import annotations

import json

from bench import scale, stack
from bench.report import mib, say, table
from bench.site import dataset_arguments


def viewer_cache_bytes(bench: stack.Stack, *, sample: int = 200) -> dict:
    """Redis MEMORY USAGE of up to `sample` cached picks keys (recs:<version>:<user>)."""
    client = stack.redis_client(bench)
    sizes = []
    for key in client.scan_iter(f"{bench.prefix}:1:recs:*", count=1000):
        version, user = key.decode().split(":")[-2:]
        if version.isdigit() and user.isdigit():
            sizes.append(int(client.memory_usage(key, samples=0)))
            if len(sizes) >= sample:
                break
    return {"keys": len(sizes), "mean_bytes": sum(sizes) / len(sizes) if sizes else None,
            "max_bytes": max(sizes, default=None)}


def measure(bench: stack.Stack, *, users: int = 100) -> dict:
    """Run the fresh-host round trip in its own process and read the viewers' cache memory."""
    out = bench.data_dir / "artifact.json"
    ran = stack.job(bench, "artifact-roundtrip", "--out", str(out), "--request-users", str(users),
                    MODEL_CACHE_DIR=str(bench.data_dir / "fresh-host-cache"), timeout=1800)
    result = json.loads(out.read_text())
    result["process_peak_rss_bytes"] = ran.max_rss_bytes
    result["viewer_cache"] = viewer_cache_bytes(bench)
    return result


def run_movielens(*, users: int = 100) -> dict:
    """ml-latest-small, imported and trained as `make run` does (the blend predictor)."""
    with stack.stack("artifacts_small") as bench:
        say("\n== artifacts: ml-latest-small ==")
        stack.manage(bench, "import_movielens", "ml-latest-small", *dataset_arguments(), "-v", "0", timeout=900)
        trained = stack.manage(bench, "train", timeout=1800)
        stack.job(bench, "site-fixtures", "--out", str(bench.data_dir / "fixtures.json"), "--users", "200",
                  "--sessions", "0", "--raters", "0", timeout=900)  # caches 200 viewers' picks
        result = {"dataset": "ml-latest-small", "ratings": 100_836, "train_seconds": trained.seconds,
                  "artifact": measure(bench, users=users)}
    say(summary_line(result))
    return result


def run_synthetic(ratings: int, *, users: int = 100) -> dict:
    """A synthetic size through the scale pipeline (import, train with the SVD predictor, warm), then measure."""
    result = scale.run_size(ratings, bulk_sample=0, warm_limit=1000, request_users=users,
                            then=lambda bench: measure(bench, users=users), name=f"artifacts_{ratings}")
    pipeline = result.get("pipeline", {})
    result = {"dataset": f"synthetic {ratings:,}", "ratings": ratings,
              "train_seconds": pipeline.get("process_seconds"), "artifact": result["then"],
              "import_seconds": result["import"]["seconds"], "train_stages": pipeline.get("stages"),
              "train_peak_rss_bytes": pipeline.get("process_peak_rss_bytes")}
    say(summary_line(result))
    return result


def summary_line(result: dict) -> str:
    a = result["artifact"]
    return (f"  artifact {mib(a['artifact_bytes']):,.0f} MiB in {a['chunks']} chunks: "
            f"store {a['store_seconds']:.2f} s, fresh host fetch + verify {a['fetch_verify_seconds']:.2f} s "
            f"+ load {a['load_seconds']:.3f} s")


def print_table(results: list[dict]) -> None:
    say("\nArtifacts: a fresh host (empty MODEL_CACHE_DIR) fetches the active model from PostgreSQL")
    rows = []
    for r in results:
        a = r["artifact"]
        refresh = a["refresh"]["service"]
        rows.append([r["dataset"], mib(a["artifact_bytes"]), a["chunks"], a["store_seconds"],
                     a["fetch_verify_seconds"], a["checksum_only_seconds"], a["load_seconds"],
                     a["total_fresh_host_seconds"], mib(a["rss_anon_load_delta"]), refresh["p50_ms"],
                     refresh["p95_ms"], a["viewer_cache"]["mean_bytes"]])
    say(table(["dataset", "artifact MiB", "chunks", "store s", "fetch+verify s", "sha256 only s", "load s",
               "fresh host s", "RssAnon Δ load MiB", "refresh p50 ms", "refresh p95 ms", "Redis B/viewer"], rows))
