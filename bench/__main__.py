"""`python -m bench [all|http|freshness|scale|memory|artifacts] [options]`: run benchmarks, print tables, keep JSON.

`all` (the default, `make bench`) runs every bench small enough to finish in about ten minutes
on a 2-core machine: scale at 200k ratings, memory with a 59k-movie model (1M ratings), HTTP with
2-second runs and freshness on one site. `python -m bench http` runs 10-second points;
`make bench-scale SCALE=1M,5M,25M` runs the big one.
Each bench writes bench/results/<name>-<timestamp>.json.

Needs PostgreSQL on 127.0.0.1:5432 reachable as the current user without a password
(BENCH_POSTGRES_URL overrides), Redis on 127.0.0.1:6379 (BENCH_REDIS_URL; database 13 is used),
and wrk for the HTTP bench (apt-get install -y wrk). Each bench creates and drops a database of its
own (moviesite_<name>) and starts and stops its own gunicorn and Celery worker.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import shutil
import sys
import time

from bench import artifacts, freshness, http, memory, scale, stack
from bench.report import results_write, say
from bench.site import Site, prepared_site, running_site, served
from bench.synthetic import parse_count


def _counts(text: str) -> list[int]:
    return [parse_count(part) for part in text.split(",") if part.strip()]


def _count_or_zero(text: str) -> int:
    return 0 if text.strip() == "0" else parse_count(text)


def _connections(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(","))


def http_bench(args: argparse.Namespace, site: Site | None = None) -> dict:
    """Each worker class in turn within every repeat (gunicorn restarted), so both meet the same load."""
    http.wrk_path()
    classes = args.worker_class.split(",")
    runs: dict[str, list[dict]] = {c: [] for c in classes}
    labels = {c: f"gunicorn 2 {c} workers{f' × {args.threads} threads' if c == 'gthread' else ''}" for c in classes}
    with contextlib.ExitStack() as stop:
        site = site or stop.enter_context(running_site(name="http"))
        for repeat in range(args.repeats):
            for worker_class in classes:
                threads = args.threads if worker_class == "gthread" else 1
                with served(site, worker_class=worker_class, threads=threads) as live:
                    say(f"HTTP: {labels[worker_class]}, repeat {repeat + 1} of {args.repeats}, "
                        f"{args.duration:g} s per point")
                    part = http.run(live, duration=args.duration, repeats=1, connections=args.connections,
                                    first_repeat=repeat, only=tuple(args.only))
                    runs[worker_class] += part["runs"]
    results = {}
    for worker_class in classes:
        results[worker_class] = {"server": labels[worker_class], "setup": site.setup, "runs": runs[worker_class],
                                 "medians": http.medians(runs[worker_class])}
        http.print_table(results[worker_class], title=f"HTTP ({labels[worker_class]}; medians of {args.repeats})")
    path = results_write("http", {"duration": args.duration, "repeats": args.repeats, "results": results})
    say(f"→ {path}")
    return results


def freshness_bench(args: argparse.Namespace, site: Site | None = None) -> dict:
    retrain = getattr(args, "retrain", False)
    with contextlib.ExitStack() as stop:
        # Retrains that never activate keep each trial's cache key put (see bench.freshness).
        extra = {"ACTIVATION_TOLERANCE": "-1"} if retrain else {}
        site = site or stop.enter_context(running_site(name="freshness", **extra))
        with served(site) as live:
            result = freshness.run(live, users=args.users, per_user=args.per_user, retrain=retrain)
    freshness.print_table(result)
    say(f"→ {results_write('freshness', {'retrain': retrain, 'results': result})}")
    return result


def scale_bench(args: argparse.Namespace) -> list[dict]:
    results = []
    sizes = args.ratings
    for i, size in enumerate(sizes):
        last = i == len(sizes) - 1
        then = memory.measure if args.memory and last else None
        if getattr(args, "http", False) and last:
            then = functools.partial(_scale_http, args=args, memory_too=then is not None)
        results.append(scale.run_size(size, seed=args.seed, pipeline=not args.no_pipeline,
                                      bulk_sample=args.bulk_sample, bulk_repeats=args.bulk_repeats,
                                      warm_limit=args.warm_limit,
                                      request_users=args.request_users, then=then,
                                      keep=getattr(args, "keep", False)))
        scale.print_tables(results[-1:])
    if len(results) > 1:
        scale.print_tables(results)
    for r in results:
        if "then" in r and "memory" in r["then"]:
            memory.print_table(r["then"]["memory"])
        elif "then" in r and "http" not in r["then"]:
            memory.print_table(r["then"])
    say(f"→ {results_write('scale', {'results': results})}")
    return results


def _scale_http(bench: stack.Stack, *, args: argparse.Namespace, memory_too: bool) -> dict:
    """The HTTP scenarios that a big database slows (search, rating writes) on the scale bench's database."""
    result = {"memory": memory.measure(bench)} if memory_too else {}
    with prepared_site(bench) as site:
        result["http"] = http_bench(argparse.Namespace(worker_class="sync", threads=1, duration=args.duration,
                                                       repeats=args.repeats, connections=(32,),
                                                       only=["search", "rating"]), site)
    return result


def artifacts_bench(args: argparse.Namespace) -> list[dict]:
    results = []
    if args.movielens:
        results.append(artifacts.run_movielens(users=args.request_users))
    for size in args.ratings:
        results.append(artifacts.run_synthetic(size, users=args.request_users))
    artifacts.print_table(results)
    say(f"→ {results_write('artifacts', {'results': results})}")
    return results


def memory_bench(args: argparse.Namespace) -> dict:
    result = memory.run_standalone(ratings=args.ratings, seed=args.seed)
    memory.print_table(result)
    say(f"→ {results_write('memory', {'results': result})}")
    return result


def all_benches(args: argparse.Namespace) -> None:
    """Every bench, small: scale at 200k ratings, memory at 59k movies, HTTP and freshness on one site."""
    started = time.perf_counter()
    scale_bench(argparse.Namespace(ratings=[args.ratings], seed=42, no_pipeline=False, bulk_sample=args.bulk_sample,
                                   bulk_repeats=3,
                                   warm_limit=args.warm_limit, request_users=300, memory=False))
    memory_bench(argparse.Namespace(ratings=parse_count("1M"), seed=42))
    with running_site(name="site") as site:
        if shutil.which("wrk"):
            http_bench(argparse.Namespace(worker_class="sync", threads=1, duration=args.duration,
                                          repeats=args.repeats, connections=http.CONNECTIONS, only=[]), site)
        else:
            say("wrk is not installed (apt-get install -y wrk): HTTP bench skipped")
        freshness_bench(argparse.Namespace(users=10, per_user=10), site)
    say(f"\nAll benches done in {(time.perf_counter() - started) / 60:.1f} min")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command")

    every = commands.add_parser("all", help="every bench, sized for ~10 minutes (the default)")
    every.add_argument("--ratings", type=parse_count, default=parse_count("200k"), help="scale bench size")
    every.add_argument("--bulk-sample", type=parse_count, default=parse_count("50k"))
    every.add_argument("--warm-limit", type=int, default=1000)
    every.add_argument("--duration", type=float, default=2.0, help="seconds per HTTP run")
    every.add_argument("--repeats", type=int, default=3)
    every.set_defaults(run=all_benches)

    web = commands.add_parser("http", help="throughput and latency under wrk")
    web.add_argument("--duration", type=float, default=10.0, help="seconds per run (default 10)")
    web.add_argument("--repeats", type=int, default=3)
    web.add_argument("--connections", type=_connections, default=http.CONNECTIONS, help="e.g. 1,8,32,64")
    web.add_argument("--only", nargs="*", default=[], metavar="WORD",
                     help="run only scenarios whose name holds a WORD (e.g. recommendations); the baselines always run")
    web.add_argument("--worker-class", default="sync", help="sync, gthread, or sync,gthread to compare")
    web.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    web.set_defaults(run=http_bench)

    fresh = commands.add_parser("freshness", help="rating POST → recommendations reflect it")
    fresh.add_argument("--users", type=int, default=10)
    fresh.add_argument("--per-user", type=int, default=10)
    fresh.add_argument("--retrain", action="store_true", help="keep a retrain running on the batch worker meanwhile")
    fresh.set_defaults(run=freshness_bench)

    big = commands.add_parser("scale", help="synthetic data through import and the retrain pipeline")
    big.add_argument("--ratings", type=_counts, default=[parse_count("1M")], help="sizes, e.g. 1M,5M,25M")
    big.add_argument("--seed", type=int, default=42)
    big.add_argument("--no-pipeline", action="store_true", help="generate and import only")
    big.add_argument("--bulk-sample", type=_count_or_zero, default=parse_count("500k"),
                     help="rows for the bulk_create comparison (0 skips it)")
    big.add_argument("--bulk-repeats", type=int, default=3, help="runs of each method (median reported)")
    big.add_argument("--warm-limit", type=int, default=5000, help="users warmed after training (project default)")
    big.add_argument("--request-users", type=int, default=500)
    big.add_argument("--memory", action="store_true", help="also measure gunicorn memory on the last size's model")
    big.add_argument("--keep", action="store_true", help="keep the bench database and data folder afterwards")
    big.add_argument("--http", action="store_true",
                     help="also run the search and rating HTTP scenarios (32 connections) on the last size's database")
    big.add_argument("--duration", type=float, default=10.0, help="seconds per HTTP run (with --http)")
    big.add_argument("--repeats", type=int, default=3, help="HTTP repeats (with --http)")
    big.set_defaults(run=scale_bench)

    art = commands.add_parser("artifacts", help="artifact size, store, and fetch + verify + load on a fresh host")
    art.add_argument("--movielens", action="store_true", help="also ml-latest-small (trained as make run does)")
    art.add_argument("--ratings", type=_counts, default=[], help="synthetic sizes, e.g. 1M,5M,25M")
    art.add_argument("--request-users", type=int, default=100, help="viewers whose picks are computed")
    art.set_defaults(run=artifacts_bench)

    mem = commands.add_parser("memory", help="gunicorn worker memory with the 59k-movie model")
    mem.add_argument("--ratings", type=parse_count, default=parse_count("1M"))
    mem.add_argument("--seed", type=int, default=42)
    mem.set_defaults(run=memory_bench)
    return root


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if args.command is None:
        args = parser().parse_args(["all", *argv])
    args.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
