"""The fault scenarios: each breaks one thing, probes the site as a client would, repairs it, checks recovery.

A scenario returns report rows and leaves the stack whole for the next one. Database and cache state
is read through this process's own Django, pointed at the same throwaway database and private Redis.
"""
from __future__ import annotations

import logging
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chaos.report import Outcome, check
from chaos.seed import World
from chaos.stack import Reply, Stack, wait_for

logger = logging.getLogger(__name__)

FAST = 5.0  # seconds: a degraded answer still comes within this
PAGES = ["/", "/movies/", "/movies/{movie}/", "/accounts/login/"]


def _labels(replies: dict[str, Reply]) -> str:
    return "; ".join(f"{path} {reply.label}" for path, reply in replies.items())


def _pages(stack: Stack, world: World) -> dict[str, Reply]:
    movie = world.movie_ids[0]
    return {path.format(movie=movie): stack.http("GET", path.format(movie=movie)) for path in PAGES}


def _api(stack: Stack, world: World) -> dict[str, Reply]:
    movie = world.movie_ids[0]
    return {
        "/api/movies/?search=picture": stack.http("GET", "/api/movies/?search=picture"),
        f"/api/movies/{movie}/similar/": stack.http("GET", f"/api/movies/{movie}/similar/"),
        "/api/recommendations/ (viewer)": stack.http("GET", "/api/recommendations/", token=world.viewer_token),
    }


def _all(replies: dict[str, Reply], statuses: tuple[int, ...], within: float = FAST) -> bool:
    return all(r.status in statuses and r.seconds <= within for r in replies.values())


def _health(stack: Stack) -> Reply:
    return stack.http("GET", "/healthz")


def _drop_cached_picks(user_ids: list[int]) -> None:
    """So the next request computes the picks in the web process, with the model it has loaded."""
    from recommendations import cache as rec_cache
    from recommendations.models import ModelVersion

    for version_id in ModelVersion.objects.values_list("pk", flat=True):
        for user_id in user_ids:
            rec_cache.user_recommendations_delete(version_id=version_id, user_id=user_id)


def _fresh_picks(stack: Stack, user_id: int, token: str) -> Reply:
    _drop_cached_picks([user_id])
    return stack.http("GET", "/api/recommendations/", token=token)


def _fresh_picks_for_many(stack: Stack, probes: list[tuple[int, str]]) -> list[Reply]:
    """Several users' picks at once (4 in flight), so both gunicorn workers get some."""
    _drop_cached_picks([user_id for user_id, _ in probes])
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda probe: stack.http("GET", "/api/recommendations/", token=probe[1]), probes))


def _picks_label(reply: Reply) -> str:
    if reply.status != 200:
        return reply.label
    return f"personalized={reply.body['personalized']} version={reply.body['model_version']}"


def _active_version_id() -> int | None:
    from django.db import connection

    from recommendations.models import ModelVersion

    connection.close_if_unusable_or_obsolete()
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("pk", flat=True).first()


# --- Scenarios ---------------------------------------------------------------------------------


def baseline(stack: Stack, world: World) -> list[Outcome]:
    healthy = wait_for(lambda: (r := _health(stack)).status == 200 and r.body["status"] == "ok" and r, timeout=60,
                       what="/healthz ok")
    pages, api = _pages(stack, world), _api(stack, world)
    picks = api["/api/recommendations/ (viewer)"]
    return [
        check("baseline: all up", "pages and API answer 200", _all(pages, (200,)) and _all(api, (200,)),
              _labels({**pages, **api})),
        check("baseline: /healthz", "200, status ok (worker heartbeat seen)", bool(healthy),
              f"status {healthy.body['status']}" if healthy else _health(stack).label),
        check("baseline: personal picks", "personalized by the active model",
              picks.status == 200 and picks.body["personalized"], _picks_label(picks)),
    ]


def redis_stopped(stack: Stack, world: World) -> list[Outcome]:
    from ratings.models import Rating

    movie = world.movie_ids[3]
    Rating.objects.filter(user_id=world.viewer_id, movie_id=movie).delete()
    log_offset = stack.log_size("web.log")
    stack.redis_stop()
    try:
        pages, api = _pages(stack, world), _api(stack, world)
        rating = stack.http("PUT", f"/api/ratings/{movie}/", token=world.viewer_token, data={"score": 4.5})
        saved = Rating.objects.filter(user_id=world.viewer_id, movie_id=movie, score=4.5).exists()
        retrain = stack.http("POST", "/api/staff/retrain/", token=world.staff_token)
        health = _health(stack)
        log = stack.log_since("web.log", log_offset)
    finally:
        stack.redis_start()
    logged = [line for line in log.splitlines() if "redis" in line.lower() or "could not queue" in line]
    recovered = wait_for(lambda: (r := _health(stack)).status == 200 and r, timeout=60, what="/healthz after Redis")
    picks = _api(stack, world)["/api/recommendations/ (viewer)"]
    down = health.body.get("down", []) if isinstance(health.body, dict) else []
    return [
        check("Redis stopped: pages", f"200 within {FAST:.0f}s each", _all(pages, (200,)), _labels(pages)),
        check("Redis stopped: API", f"200 within {FAST:.0f}s each, picks still personal",
              _all(api, (200,)) and api["/api/recommendations/ (viewer)"].body["personalized"],
              _labels(api) + "; " + _picks_label(api["/api/recommendations/ (viewer)"])),
        check("Redis stopped: rating saved", "PUT rating 200/201 and the row is written",
              rating.status in (200, 201) and rating.seconds <= FAST and saved, f"{rating.label}, row saved={saved}"),
        check("Redis stopped: retrain request", f"202 within {FAST:.0f}s (kept queued for the beat sweep)",
              retrain.status == 202 and retrain.seconds <= FAST, retrain.label),
        check("Redis stopped: /healthz", "503 naming cache and broker", health.status == 503 and
              {"cache", "broker"} <= set(down), f"{health.label}, down={down}"),
        check("Redis stopped: logged", "the web log names the Redis failure", bool(logged),
              f"{len(logged)} log lines, e.g. {logged[0][:120]!r}" if logged else "nothing logged"),
        check("Redis back: recovers", "/healthz 200 again, picks served, no restart", bool(recovered)
              and picks.status == 200 and stack.web is not None and stack.web.poll() is None,
              (f"healthz {recovered.body['status']}; " if recovered else "healthz not back in 60s; ")
              + _picks_label(picks)),
    ]


HUNG = 3.0  # seconds: with a hung dependency every answer, degraded or not, comes within this
RECOVERY = 10.0  # seconds after the dependency answers again


def _health_pair(stack: Stack) -> list[Reply]:
    """Two /healthz calls at once, as two load balancers would: both gunicorn workers answer one."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda _: _health(stack), range(2)))


def _recovery(stack: Stack, world: World) -> tuple[float | None, Reply | None]:
    """Seconds until /healthz is 200 and the pages answer 200 again (None: not within RECOVERY * 3)."""
    started = time.monotonic()
    recovered = wait_for(lambda: (r := _health(stack)).status == 200 and _all(_pages(stack, world), (200,),
                                                                              within=HUNG) and r,
                         timeout=RECOVERY * 3, interval=0.25, what="recovery")
    return (time.monotonic() - started if recovered else None), recovered


def redis_frozen(stack: Stack, world: World) -> list[Outcome]:
    """Redis accepts connections but never answers (SIGSTOP: a hung server or a dropped network).

    Timeouts, not hangs: pages and API answer (degraded) within HUNG seconds, /healthz says 503 within HUNG
    seconds even when polled twice at once, and everything is back within RECOVERY seconds of Redis answering.
    """
    from recommendations.models import ModelVersion

    movie = world.movie_ids[4]
    stack.redis_freeze(True)
    try:
        health = _health_pair(stack)
        pages, api = _pages(stack, world), _api(stack, world)
        # Writes that leave the training data as it was: later scenarios compare models trained on it.
        saved = stack.http("PUT", f"/api/watchlist/{movie}/", token=world.viewer_token)
        retrain = stack.http("POST", "/api/staff/retrain/", token=world.staff_token)
        health += _health_pair(stack)
        # The publish timed out, but a frozen Redis still holds the bytes and queues the task once it wakes:
        # that request is dropped here, so no extra training runs into the next scenario.
        if retrain.status == 202:
            ModelVersion.objects.filter(pk=retrain.body["version"]).update(
                status=ModelVersion.Status.FAILED, error="chaos: requested while Redis was frozen")
    finally:
        stack.redis_freeze(False)
    seconds, recovered = _recovery(stack, world)
    downs = [set(r.body.get("down", [])) if isinstance(r.body, dict) else set() for r in health]
    slowest = max(r.seconds for r in health)
    return [
        check("Redis frozen: /healthz", f"503 naming cache and broker within {HUNG:.0f}s, 4 calls (2 at once)",
              all(r.status == 503 and r.seconds <= HUNG for r in health) and all({"cache", "broker"} <= d
                                                                                 for d in downs),
              f"{', '.join(r.label for r in health)}; slowest {slowest:.2f}s"),
        check("Redis frozen: pages", f"200 within {HUNG:.0f}s each (1 s cache timeouts)",
              _all(pages, (200,), within=HUNG), _labels(pages)),
        check("Redis frozen: API", f"200 within {HUNG:.0f}s each", _all(api, (200,), within=HUNG), _labels(api)),
        check("Redis frozen: writes", f"watchlist saved and retrain accepted, each within {HUNG:.0f}s",
              saved.status in (200, 201) and retrain.status == 202 and max(saved.seconds, retrain.seconds) <= HUNG,
              f"watchlist {saved.label}; retrain {retrain.label}"),
        check("Redis thawed: recovers", f"/healthz 200 and pages 200 within {RECOVERY:.0f}s",
              seconds is not None and seconds <= RECOVERY,
              f"back after {seconds:.1f}s" if seconds is not None else f"not back in {RECOVERY * 3:.0f}s"),
    ]


def postgres_down(stack: Stack, world: World) -> list[Outcome]:
    """The throwaway database refuses connections and its sessions are killed (the shared cluster stays up)."""
    from django.db import connection

    stack.database_allow_connections(False)
    try:
        pages = _pages(stack, world)
        api = _api(stack, world)
        health = _health(stack)
    finally:
        stack.database_allow_connections(True)
        connection.close()
    recovered = wait_for(lambda: _all(_pages(stack, world), (200,)) and _all(_api(stack, world), (200,)),
                         timeout=30, what="pages after PostgreSQL")
    failing = {**pages, **api}
    down = health.body.get("down", []) if isinstance(health.body, dict) else []
    return [
        check("PostgreSQL down: requests", f"each answers within {FAST:.0f}s: 5xx error page where the database "
              "is needed (200 where not), no hang",
              all(r.status is not None and (r.status >= 500 or r.status == 200) and r.seconds <= FAST
                  for r in failing.values()) and any(r.status >= 500 for r in failing.values() if r.status),
              _labels(failing)),
        check("PostgreSQL down: /healthz", "503 naming the database", health.status == 503 and "database" in down,
              f"{health.label}, down={down}"),
        check("PostgreSQL back: recovers", "pages and API 200 within 30s, app not restarted",
              bool(recovered) and stack.web is not None and stack.web.poll() is None,
              "recovered" if recovered else "still failing after 30s"),
    ]


def postgres_hung(stack: Stack, world: World) -> list[Outcome]:
    """PostgreSQL stops answering the web (connections accepted, nothing answered): /healthz says so in time.

    Pages needing the database wait for it (gunicorn's timeout ends them): a load balancer that polls
    /healthz takes the instance out instead of waiting with them.
    """
    stack.database_freeze(True)
    try:
        health = _health_pair(stack) + _health_pair(stack)
    finally:
        stack.database_freeze(False)
    seconds, _ = _recovery(stack, world)
    downs = [set(r.body.get("down", [])) if isinstance(r.body, dict) else set() for r in health]
    slowest = max(r.seconds for r in health)
    return [
        check("PostgreSQL hung: /healthz", f"503 naming the database within {HUNG:.0f}s, 4 calls (2 at once)",
              all(r.status == 503 and r.seconds <= HUNG for r in health) and all("database" in d for d in downs),
              f"{', '.join(r.label for r in health)}; slowest {slowest:.2f}s"),
        check("PostgreSQL answers again: recovers", f"/healthz 200 and pages 200 within {RECOVERY:.0f}s",
              seconds is not None and seconds <= RECOVERY,
              f"back after {seconds:.1f}s" if seconds is not None else f"not back in {RECOVERY * 3:.0f}s"),
    ]


def postgres_restarted(stack: Stack, world: World) -> list[Outcome]:
    """Opt-in (--restart-postgres): restarts the machine's shared cluster, so other people's tests may fail."""
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    logger.warning("restarting the shared PostgreSQL cluster %s/main", version)
    result = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                            capture_output=True, text=True, timeout=120)
    ready = wait_for(lambda: subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0,
                     timeout=60, what="pg_isready")
    first = _pages(stack, world)
    recovered = wait_for(lambda: _all(_pages(stack, world), (200,)) and _all(_api(stack, world), (200,)),
                         timeout=30, what="pages after restart")
    return [
        check("PostgreSQL restarted: cluster", "restart succeeds and pg_isready within 60s",
              result.returncode == 0 and bool(ready), f"exit {result.returncode}, ready={bool(ready)}"),
        check("PostgreSQL restarted: app", "pages and API 200 within 30s, app not restarted",
              bool(recovered) and stack.web is not None and stack.web.poll() is None,
              "first requests: " + _labels(first) + ("; recovered" if recovered else "; still failing")),
    ]


def worker_killed_mid_training(stack: Stack, world: World) -> list[Outcome]:
    from recommendations.models import ModelVersion

    active = _active_version_id()
    probe_id, probe_token = world.probes[0]
    queued = stack.http("POST", "/api/staff/retrain/", token=world.staff_token)
    if queued.status != 202:
        return [check("worker killed: setup", "retrain accepted", False, queued.label)]
    task_url = f"/api/staff/tasks/{queued.body['task_id']}/"

    def training_now() -> Reply | None:
        reply = stack.http("GET", task_url, token=world.staff_token)
        body = reply.body if reply.status == 200 else {}
        return reply if body.get("status") == "running" and body.get("stage") in ("evaluate", "fit") else None

    running = wait_for(training_now, timeout=90, interval=0.2, what="training to run")
    if not running:
        return [check("worker killed: setup", "catch the training running", False,
                      f"task never seen running: {stack.http('GET', task_url, token=world.staff_token).body}")]
    stage = f"{running.body['stage']} {running.body['progress']:.0%}"
    stack.worker_kill()
    picks = _fresh_picks(stack, probe_id, probe_token)
    killed = ModelVersion.objects.get(pk=queued.body["version"])
    status_after_kill = killed.status

    stack.worker_start()
    # No waiting for the lock to lapse: the retrain request itself finds the killed run's process gone.
    status = stack.http("GET", task_url, token=world.staff_token)
    again = stack.http("POST", "/api/staff/retrain/", token=world.staff_token)
    finished = None
    if again.status == 202:
        def done() -> Reply | None:
            reply = stack.http("GET", f"/api/staff/tasks/{again.body['task_id']}/", token=world.staff_token)
            final = reply.status == 200 and reply.body["status"] in ("active", "succeeded", "failed")
            return reply if final else None

        finished = wait_for(done, timeout=300, interval=1, what="second training")
    killed.refresh_from_db()
    after = _fresh_picks(stack, probe_id, probe_token)
    new_status = finished.body["status"] if finished else "not finished in 300s"
    return [
        check("worker killed mid-training: serving", f"picks still personal from active v{active}",
              picks.status == 200 and picks.body["personalized"] and picks.body["model_version"] == active,
              f"killed during {stage}; {_picks_label(picks)}"),
        check("worker killed: found dead at once", "the task status reads failed (stale) right after the kill",
              status_after_kill == "running" and status.status == 200 and status.body["status"] == "failed"
              and killed.status == "failed" and "stale" in killed.error,
              f"right after kill: {status_after_kill}; task status then: {status.body.get('status')}; "
              f"now {killed.status} ({killed.error[:60]})"),
        check("worker killed: next retrain succeeds", "accepted at once (no lock to wait for); new version active "
              "and serving", again.status == 202 and new_status == "active" and after.status == 200
              and after.body["model_version"] == again.body.get("version"),
              f"{again.label}; v{again.body.get('version') if again.body else '?'} {new_status}; "
              f"{_picks_label(after)}"),
    ]


def artifact_deleted(stack: Stack, world: World) -> list[Outcome]:
    from recommendations.artifacts import artifact_discard
    from recommendations.models import ModelVersion

    active = ModelVersion.objects.get(pk=_active_version_id())
    # Both gunicorn workers must have the model in memory before it vanishes: load it through probes until
    # the access log shows each worker pid answering one.
    offset = stack.log_size("access.log")
    for _ in range(15):
        _fresh_picks_for_many(stack, world.probes[:8])
        if len(stack.web_pids_seen("/api/recommendations/", offset)) >= 2:
            break
    warmed = len(stack.web_pids_seen("/api/recommendations/", offset))

    artifact_discard(version=active)
    offset = stack.log_size("access.log")
    replies = _fresh_picks_for_many(stack, world.probes[:16])
    answered_by = len(stack.web_pids_seen("/api/recommendations/", offset))
    serving = [r for r in replies if r.status == 200 and r.body["personalized"]
               and r.body["model_version"] == active.pk]
    health = _health(stack)
    model = health.body["checks"]["model"] if isinstance(health.body, dict) else {}

    retrain = stack.http("POST", "/api/staff/retrain/", token=world.staff_token)
    restored = None
    if retrain.status == 202:
        restored = wait_for(lambda: (r := _health(stack)).status == 200 and r.body["status"] == "ok" and r,
                            timeout=300, interval=1, what="a new model after the deletion")
    return [
        check("artifact deleted: serving", f"all picks personal from v{active.pk} (in memory)",
              len(serving) == len(replies), f"{len(serving)}/{len(replies)} personal from v{active.pk}, answered by "
              f"{answered_by} gunicorn workers ({warmed} had loaded it)"),
        check("artifact deleted: /healthz", "200 degraded, artifact_stored false, says memory serves",
              health.status == 200 and health.body["status"] == "degraded" and model.get("artifact_stored") is False
              and "memory" in model.get("detail", ""), f"{health.label}, model={model}"),
        check("artifact deleted: next retrain", "a new version trains and /healthz is ok again", bool(restored),
              f"v{retrain.body.get('version')} ok" if restored else f"{retrain.label}; not ok in 300s"),
    ]


SCENARIOS = [baseline, redis_stopped, redis_frozen, postgres_down, postgres_hung, worker_killed_mid_training,
             artifact_deleted]
