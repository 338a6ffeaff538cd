"""HTTP throughput and latency: wrk against gunicorn (2 workers) on PostgreSQL + Redis.

Nine scenarios at 1, 8, 32 and 64 connections, each run `repeats` times for `duration` seconds,
interleaved (repeat → scenario → connections) so that load from other processes spreads over all of
them; figures are medians over the repeats. The trivial view is the baseline measured in the same
run; two DRF floors (the site's authentication and throttles with no work, and with one committed
UPDATE) show what DRF itself costs, so an API scenario can be read against them. wrk (Debian package
`wrk`) drives the load from a Lua script that spreads requests over many users' tokens, sessions,
search words and movies. After gunicorn starts, each read scenario runs unmeasured for a moment
first, so figures are steady-state (the first search in a worker builds its title index, ~2 s at
9.7k movies). After the rating scenarios a recount says whether the movies' incrementally kept
rating totals still match their ratings.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench import stack
from bench.report import median, say, table
from bench.site import Site

CONNECTIONS = (1, 8, 32, 64)
WRK_TIMEOUT = "5s"  # a request slower than this counts as a timeout error
WARM_UP_SECONDS = 2.0  # per read scenario, unmeasured, after gunicorn starts
HALF_STARS = [x / 2 for x in range(1, 11)]
BASELINES = ("trivial", "DRF floor")  # scenarios that run whatever `only` says

LUA = r"""
local items = {
%(items)s
}
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  math.randomseed(%(seed)d + (tid or 0))
end
function request()
  local it = items[math.random(#items)]
  local headers = {}
  if it[3] ~= "" then headers[it[3]] = it[4] end
  if it[5] ~= "" then
    headers["Content-Type"] = "application/json"
    return wrk.format(it[1], it[2], headers, it[5])
  end
  return wrk.format(it[1], it[2], headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\"requests\": %%d, \"duration_us\": %%d, \"connect\": %%d, \"read\": %%d, \"write\": %%d, " ..
    "\"status\": %%d, \"timeout\": %%d, \"p50_us\": %%d, \"p95_us\": %%d, \"p99_us\": %%d, \"max_us\": %%d}\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Scenario:
    name: str
    items: list[tuple[str, str, str, str, str]]  # method, path, header name, header value, JSON body


def wrk_path() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu), then run the bench again")
    return found


def scenarios(fixtures: dict) -> list[Scenario]:
    rng = random.Random(11)
    readers, writers = fixtures["readers"], fixtures["writers"]
    return [
        Scenario("trivial view (baseline)", [("GET", "/bench/ping", "", "", "")]),
        # DRF's own cost with the site's authentication and throttles, no work: the floor for the API scenario below.
        Scenario("DRF floor (auth, throttle)", [
            ("GET", "/bench/drf-floor", "Authorization", f"Token {r['token']}", "") for r in readers
        ]),
        Scenario("recommendations API, cached", [
            ("GET", "/api/recommendations/", "Authorization", f"Token {r['token']}", "") for r in readers
        ]),
        Scenario("home page, logged in", [
            ("GET", "/", "Cookie", cookies, "") for cookies in fixtures["sessions"]
        ]),
        Scenario("movie search", [("GET", f"/movies/?q={q}", "", "", "") for q in fixtures["queries"]]),
        # Signed-in pages are not page-cached: this is the search itself (trigram index, one page of cards).
        Scenario("movie search, logged in", [
            ("GET", f"/movies/?q={q}", "Cookie", cookies, "")
            for q in fixtures["queries"] for cookies in fixtures["sessions"][:20]
        ]),
        Scenario("DRF floor + one UPDATE", [
            ("POST", "/bench/drf-write-floor", "Authorization", f"Token {w['token']}", "{}") for w in writers
        ]),
        Scenario("rating POST (API)", [
            ("POST", "/api/ratings/", "Authorization", f"Token {w['token']}",
             json.dumps({"movie": rng.choice(fixtures["movies"]), "score": rng.choice(HALF_STARS)}))
            for w in writers for _ in range(20)
        ]),
        Scenario("rating PUT, one popular movie", [
            ("PUT", f"/api/ratings/{fixtures['movies'][0]}/", "Authorization", f"Token {w['token']}",
             json.dumps({"score": score}))
            for w in writers for score in HALF_STARS
        ]),
    ]


def lua_script(scenario: Scenario, folder: Path, seed: int) -> Path:
    rows = ",\n".join("{" + ", ".join(_lua_string(v) for v in item) + "}" for item in scenario.items)
    path = folder / f"{''.join(c if c.isalnum() else '-' for c in scenario.name)}.lua"
    path.write_text(LUA % {"items": rows, "seed": seed})
    return path


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_run(url: str, script: Path, *, connections: int, duration: float) -> dict:
    threads = min(2, connections)
    command = [wrk_path(), "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s",
               "--timeout", WRK_TIMEOUT, "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return {
        "requests": raw["requests"], "rps": raw["requests"] / seconds, "errors": errors,
        "error_kinds": {k: raw[k] for k in ("connect", "read", "write", "status", "timeout") if raw[k]},
        **{f"{p}_ms": raw[f"{p}_us"] / 1000 for p in ("p50", "p95", "p99", "max")},
    }


def smoke_check(site: Site, scenario: Scenario) -> int:
    """One request of the scenario, outside wrk: its HTTP status (to fail loudly on a broken setup)."""
    method, path, header, value, body = scenario.items[0]
    request = urllib.request.Request(site.server.url + path, method=method, data=body.encode() or None,
                                     headers={header: value} if header else {})
    if body:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def run(site: Site, *, duration: float, repeats: int, connections: tuple[int, ...] = CONNECTIONS,
        first_repeat: int = 0, only: tuple[str, ...] = ()) -> dict:
    """Scenarios × connections × repeats against the running site; returns runs and medians.

    `only`: words of the scenarios to run (e.g. "recommendations"); the baselines always run.
    """
    runs: list[dict] = []
    plan = [s for s in scenarios(site.fixtures)
            if not only or s.name.startswith(BASELINES) or any(word in s.name for word in only)]
    with tempfile.TemporaryDirectory() as folder:
        scripts = {s.name: lua_script(s, Path(folder), seed=7) for s in plan}
        checks = {s.name: smoke_check(site, s) for s in plan}
        if any(status >= 400 for status in checks.values()):
            raise RuntimeError(f"a scenario fails before any load: {checks}")
        for scenario in plan:  # steady state: both workers past their first requests and title index
            if scenario.items[0][0] == "GET":
                wrk_run(site.server.url, scripts[scenario.name], connections=4, duration=WARM_UP_SECONDS)
        for repeat in range(first_repeat, first_repeat + repeats):
            for scenario in plan:
                for conns in connections:
                    load = os.getloadavg()[0]  # other processes on the machine show up here
                    figures = wrk_run(site.server.url, scripts[scenario.name], connections=conns, duration=duration)
                    runs.append({"scenario": scenario.name, "connections": conns, "repeat": repeat,
                                 "load1_before": load, **figures})
                    say(f"  [{repeat + 1}] {scenario.name:<31} c={conns:<3} {figures['rps']:8.0f} req/s  "
                        f"p99 {figures['p99_ms']:7.1f} ms  errors {figures['errors']}  (load {load:.1f})")
                if scenario.name.startswith("rating"):
                    stack.queue_drain(site.bench, timeout=300)  # refresh tasks must not load the next runs
    if any(s.name.startswith("rating") for s in plan):  # incremental totals must match a full recount
        say("  " + stack.manage(site.bench, "recount_ratings", timeout=600).stdout.strip())
    return {"runs": runs, "medians": medians(runs), "smoke_status": checks}


def medians(runs: list[dict]) -> list[dict]:
    keys = sorted(dict.fromkeys((r["scenario"], r["connections"]) for r in runs),
                  key=lambda k: ([r["scenario"] for r in runs].index(k[0]), k[1]))
    out = []
    for scenario, conns in keys:
        group = [r for r in runs if r["scenario"] == scenario and r["connections"] == conns]
        row = {"scenario": scenario, "connections": conns, "repeats": len(group)}
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "max_ms"):
            row[key] = median([r[key] for r in group])
        row["errors"] = sum(r["errors"] for r in group)
        out.append(row)
    baseline = {r["connections"]: r["rps"] for r in out if r["scenario"].startswith("trivial")}
    for row in out:
        row["vs_trivial"] = row["rps"] / baseline[row["connections"]] if baseline.get(row["connections"]) else None
    return out


def print_table(result: dict, *, title: str) -> None:
    say(f"\n{title}")
    say(table(
        ["scenario", "conns", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "× trivial"],
        [[r["scenario"], r["connections"], r["rps"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["errors"],
          r["vs_trivial"]] for r in result["medians"]],
    ))
