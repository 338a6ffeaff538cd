"""Scale: a synthetic MovieLens-25M-shaped dataset through import and the retrain pipeline.

For each size: generate the CSV files (bench.synthetic), import them into a fresh PostgreSQL
database with `manage.py import_movielens ml-25m --path` (the COPY path), compare COPY with
Django's bulk_create on the same sample of rows, then run the pipeline in one process —
export → fit on 90% → held-out RMSE → fit on all → save and activate → warm the cache for active
users — timing each stage and its peak RSS, and finally time cache-miss recommendation requests
with the model memory-mapped. Each step runs in its own process, so its peak RSS is its own
(PostgreSQL's server processes are not counted).
"""
from __future__ import annotations

import json
from collections.abc import Callable

from bench import stack
from bench.report import mib, say, table

# Progress lines of `import_movielens` that start each import phase, in order.
IMPORT_PHASES = (
    ("read + validate CSV", "Reading "),
    ("movies + genres", "Movies:"),
    ("users", "Users:"),
    ("ratings: binary COPY", "Ratings:"),
    ("ratings: INSERT … SELECT (table not empty)", "Inserting ratings"),
    ("ratings: rebuild indexes + FKs", "Rebuilding rating indexes"),
    ("movie rating summaries", "Refreshing rating counts"),
)


def import_phases(marks: dict[str, float], total: float) -> list[dict]:
    """Seconds per import phase from the times its progress lines first appeared."""
    seen = [("start-up (Django, settings, checks)", 0.0)]
    seen += [(name, marks[prefix]) for name, prefix in IMPORT_PHASES if prefix in marks]
    return [{"name": name, "seconds": round((seen[i + 1][1] if i + 1 < len(seen) else total) - at, 2)}
            for i, (name, at) in enumerate(seen)]


def run_size(ratings: int, *, seed: int = 42, pipeline: bool = True, bulk_sample: int = 500_000, bulk_repeats: int = 3,
             warm_limit: int = 5000, request_users: int = 500, timeout: float = 4 * 3600,
             then: Callable[[stack.Stack], dict] | None = None, keep: bool = False, name: str = "scale") -> dict:
    """One size, in a database of its own; `then(bench)` runs on the result before it is dropped (unless `keep`)."""
    result: dict = {"ratings": ratings}
    with stack.stack(name, keep=keep) as bench:
        folder = bench.data_dir / "synthetic"
        say(f"\n== scale {ratings:,} ratings ({bench.database}) ==")
        generated = stack.run_measured(
            [stack.PYTHON, "-m", "bench.synthetic", "--ratings", str(ratings), "--seed", str(seed), "--out",
             str(folder)], env=bench.env(), timeout=1800,
        )
        result["dataset"] = json.loads(generated.stdout)
        result["generate"] = {"seconds": generated.seconds, "peak_rss_bytes": generated.max_rss_bytes}
        say(f"  generated in {generated.seconds:.1f} s: {result['dataset']['users']:,} users, "
            f"{result['dataset']['movies']:,} movies")

        marks: dict[str, float] = {}

        def watch(line: str, at: float) -> None:
            for _, prefix in IMPORT_PHASES:
                if line.strip().startswith(prefix):
                    marks.setdefault(prefix, at)

        imported = stack.run_measured([stack.PYTHON, "manage.py", "import_movielens", "ml-25m", "--path", str(folder)],
                                      env=bench.env(), timeout=timeout, watch=watch)
        result["import"] = {
            "seconds": imported.seconds, "peak_rss_bytes": imported.max_rss_bytes,
            "ratings_per_second": ratings / imported.seconds, "phases": import_phases(marks, imported.seconds),
            "output": imported.stdout.strip(),
        }
        say(f"  imported in {imported.seconds:.1f} s ({ratings / imported.seconds:,.0f} ratings/s)")

        if bulk_sample:
            out = bench.data_dir / "bulk.json"
            stack.job(bench, "bulk-compare", "--out", str(out), "--sample", str(min(bulk_sample, ratings)),
                      "--repeats", str(bulk_repeats),
                      timeout=timeout)
            result["bulk_compare"] = json.loads(out.read_text())
            bulk = result["bulk_compare"]
            for case in ("empty", "populated"):
                say(f"  {case} table: bulk_create {bulk[case]['bulk_create']['ratings_per_second']:,.0f} ratings/s, "
                    f"COPY path {bulk[case]['copy']['ratings_per_second']:,.0f} ratings/s on the same "
                    f"{bulk['sample']:,} rows ({bulk[case]['ratio']:.1f}×, repeats {_spread(bulk[case])}×)")

        if pipeline:
            out = bench.data_dir / "pipeline.json"
            ran = stack.job(bench, "pipeline", "--out", str(out), "--warm-limit", str(warm_limit),
                            "--request-users", str(request_users), timeout=timeout)
            result["pipeline"] = json.loads(out.read_text())
            result["pipeline"]["process_peak_rss_bytes"] = ran.max_rss_bytes
            result["pipeline"]["process_seconds"] = ran.seconds
            say(f"  pipeline in {ran.seconds:.1f} s, peak RSS {mib(ran.max_rss_bytes):,.0f} MiB")
        if then is not None:
            result["then"] = then(bench)
    return result


def _spread(case: dict) -> str:
    """Lowest–highest of the repeats' own COPY ÷ bulk_create ratios (results before they were kept: "–")."""
    if "ratio_min" not in case:
        return "–"
    return f"{case['ratio_min']:.1f}–{case['ratio_max']:.1f}"


def print_tables(results: list[dict]) -> None:
    say("\nScale: import (COPY) against Django bulk_create")
    rows = []
    for r in results:
        bulk = r.get("bulk_compare", {})
        copy_rate = bulk.get("copy", {}).get("ratings_per_second")
        orm_rate = bulk.get("bulk_create", {}).get("ratings_per_second")
        rows.append([f"{r['ratings']:,}", r["generate"]["seconds"], r["import"]["seconds"],
                     r["import"]["ratings_per_second"], mib(r["import"]["peak_rss_bytes"]), orm_rate, copy_rate,
                     r["import"]["ratings_per_second"] / orm_rate if orm_rate else None,
                     copy_rate / orm_rate if orm_rate and copy_rate else None])
    say(table(["ratings", "generate s", "import s", "import ratings/s", "import RSS MiB", "bulk_create r/s",
               "COPY sample r/s", "import ÷ bulk", "COPY ÷ bulk (sample)"], rows))
    compared = [r for r in results if "empty" in r.get("bulk_compare", {})]
    if compared:
        say("\nSame sample of rows, COPY path vs bulk_create (ratings/s, medians)")
        rows = [[f"{r['ratings']:,}", case, f"{r['bulk_compare']['sample']:,}", r["bulk_compare"]["repeats"],
                 r["bulk_compare"][case]["bulk_create"]["ratings_per_second"],
                 r["bulk_compare"][case]["copy"]["ratings_per_second"], r["bulk_compare"][case]["ratio"],
                 _spread(r["bulk_compare"][case])]
                for r in compared for case in ("empty", "populated")]
        say(table(["ratings", "table", "rows", "repeats", "bulk_create r/s", "COPY path r/s", "ratio",
                   "ratio per repeat"], rows))
    for r in results:
        phases = r["import"]["phases"]
        if phases:
            say(f"\nImport phases at {r['ratings']:,} ratings")
            say(table(["phase", "seconds"], [[p["name"], p["seconds"]] for p in phases]))
    for r in results:
        if "pipeline" not in r:
            continue
        p = r["pipeline"]
        m = p["model"]
        meta = m.get("artifact_meta", {})
        say(f"\nPipeline at {r['ratings']:,} ratings: model v{m['version']} {m.get('algorithm', '')} "
            f"(predictor {meta.get('predictor', '?')}, components {', '.join(meta.get('components', []))}; "
            f"{m['status']}), held-out RMSE {m['rmse']:.4f}, {m['n_users']:,} users × {m['n_movies']:,} movies, "
            f"artifact {mib(m['artifact_bytes']):.0f} MiB, {p['warmed_users']:,} users warmed")
        stages = p["stages"]
        say(table(["stage", "seconds", "peak RSS MiB"],
                  [[s["name"], s["seconds"], mib(s["peak_rss_bytes"])] for s in stages]
                  + [["total", sum(s["seconds"] for s in stages), mib(p["pipeline_peak_rss_bytes"])]]))
        say(table(["engine fit (nested fits count in both)", "calls", "seconds"],
                  [[name, c["calls"], c["seconds"]] for name, c in p.get("component_fits", {}).items()]))
        req = p["request"]
        say(f"Cache-miss recommendation, {req['service']['n']} users "
            f"(mean {req['ratings_per_user_mean']:.0f} ratings), "
            f"{p['model']['well_supported']:,} of {p['model']['movies_in_model']:,} movies with ≥ min_support ratings:")
        say(table(["part", "p50 ms", "p95 ms", "p99 ms", "max ms"],
                  [[name, v["p50_ms"], v["p95_ms"], v["p99_ms"], v["max_ms"]]
                   for name, v in (("user_recommendations_compute", req["service"]),
                                   ("engine only (HybridModel.recommend)", req["engine_only"]))]))
