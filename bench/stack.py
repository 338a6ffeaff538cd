"""The services a benchmark runs against, each started here and always stopped here.

A bench gets its own PostgreSQL database (created, then dropped), its own Redis database number
and key prefix, and its own DATA_DIR, all passed to Django processes through the environment:
the developer's data, cache and broker are never touched. Every process started here runs in its
own process group and is killed in a `finally`, and every wait is bounded.
"""
from __future__ import annotations

import contextlib
import logging
import os
import pickle
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://root@127.0.0.1:5432/postgres")
REDIS_BASE_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# Several people may bench on one machine: each can take their own database names and Redis database.
DATABASE_PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "moviesite_")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "13"))


@dataclass
class Stack:
    """One bench's database, Redis database, data folder and the environment Django processes get."""

    database: str
    redis_db: int
    data_dir: Path
    prefix: str
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"{REDIS_BASE_URL}/{self.redis_db}"

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "moviesite.settings.dev",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CACHE_PREFIX": self.prefix,
            "DATA_DIR": str(self.data_dir),
            "DEBUG": "0",
            "BENCH_VIEWS": "1",
            "LOG_LEVEL": "WARNING",
            "RETRAIN_HOUR": "-1",
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
            **overrides,
        }
        env.pop("MODEL_DIR", None)
        env.pop("MOVIELENS_DIR", None)
        return env


@contextlib.contextmanager
def stack(name: str, *, redis_db: int = REDIS_DB, keep: bool = False, **extra_env: str) -> Iterator[Stack]:
    """A fresh database `moviesite_<name>`, migrated, with a scratch DATA_DIR; all removed afterwards."""
    database = f"{DATABASE_PREFIX}{name}"
    if not SAFE_NAME.match(database):
        raise ValueError(f"bad bench database name {database!r}")
    data_dir = Path(tempfile.mkdtemp(prefix=f"moviesite-bench-{name}-"))
    (data_dir / "staticfiles").mkdir()
    bench = Stack(database=database, redis_db=redis_db, data_dir=data_dir, prefix=f"bench-{name}-{os.getpid()}",
                  extra_env=extra_env)
    database_create(database)
    try:
        manage(bench, "migrate", "--noinput", "-v", "0", timeout=600)
        yield bench
    finally:
        redis_forget(bench)
        if not keep:
            database_drop(database)
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            logger.warning("kept database %s and %s", database, data_dir)


def database_create(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_client(bench: Stack) -> redis.Redis:
    return redis.Redis.from_url(bench.redis_url)


def redis_forget(bench: Stack) -> None:
    """Delete this bench's cache keys and its Celery queue (the Redis database is the bench's own)."""
    with contextlib.suppress(redis.RedisError):
        client = redis_client(bench)
        for pattern in (f"{bench.prefix}:*", "_kombu*", "unacked*", *(f"{queue}*" for queue in QUEUES)):
            for key in client.scan_iter(pattern, count=1000):
                client.delete(key)


QUEUES = ("celery", "viewers", "batch")  # the default queue and the two kinds of work (settings)


def queue_length(bench: Stack) -> int:
    client = redis_client(bench)
    return sum(int(client.llen(name)) for name in QUEUES)


# --- Processes ---------------------------------------------------------------------------


@dataclass
class Measured:
    seconds: float
    max_rss_bytes: int
    returncode: int
    stdout: str
    stderr: str


def run_measured(command: list[str], *, env: dict[str, str], timeout: float,
                 watch: Callable[[str, float], None] | None = None) -> Measured:
    """Run a command to completion, with its wall time and peak RSS (wait4's rusage of that child alone).

    `watch(line, seconds)` is called with each stderr line (or progress-bar redraw) as it arrives.
    """
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.PIPE if watch else err,
                                start_new_session=True)
        reader = None
        if watch:
            reader = threading.Thread(target=_follow, args=(proc, err, watch, started), daemon=True)
            reader.start()
        timer = threading.Timer(timeout, _kill_group, args=(proc.pid,))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            _kill_group(proc.pid)  # anything the command left running in its group
        if reader:
            reader.join(timeout=10)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        result = Measured(seconds, usage.ru_maxrss * 1024, proc.returncode, out.read(), err.read())
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} … failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def _follow(proc: subprocess.Popen, copy, watch: Callable[[str, float], None], started: float) -> None:
    pending = b""
    for chunk in iter(lambda: proc.stderr.read1(65536), b""):
        pending += chunk
        *lines, pending = re.split(rb"[\r\n]", pending)
        for line in lines:
            if line.strip():
                text = line.decode(errors="replace")
                watch(text, time.perf_counter() - started)
                copy.write(text + "\n")


def manage(bench: Stack, *args: str, timeout: float = 3600) -> Measured:
    return run_measured([PYTHON, "manage.py", *args], env=bench.env(), timeout=timeout)


def job(bench: Stack, *args: str, timeout: float = 3600, **env: str) -> Measured:
    """Run a Django-side job of bench.jobs in its own process (see there).

    Jobs are batch work, like the Celery worker's: no web statement timeout (a 25M-rating export on a busy
    machine outlasts it).
    """
    env = {"DATABASE_STATEMENT_TIMEOUT": "0", **env}
    return run_measured([PYTHON, "-m", "bench.jobs", *args], env=bench.env(**env), timeout=timeout)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def stop(proc: subprocess.Popen, *, grace: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL it if it has not gone within `grace` seconds."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    _kill_group(proc.pid)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def worker_pids(self) -> list[int]:
        """The gunicorn master's worker processes."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@contextlib.contextmanager
def gunicorn(bench: Stack, *, workers: int = 2, worker_class: str = "sync", threads: int = 1,
             env: dict[str, str] | None = None) -> Iterator[Server]:
    """gunicorn on 127.0.0.1 (as the Procfile runs it, access log off); stopped on exit."""
    port = free_port()
    log = bench.data_dir / f"gunicorn-{port}.log"
    command = [str(BIN / "gunicorn"), "moviesite.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads),
               "--log-level", "warning", "--timeout", "60", "--backlog", "2048"]
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=bench.env(**(env or {})), cwd=ROOT, stdout=out, stderr=out,
                                start_new_session=True)
    server = Server(url=f"http://127.0.0.1:{port}", proc=proc, log=log)
    try:
        _wait_until(lambda: _answers(f"{server.url}/bench/ping") and len(server.worker_pids()) == workers,
                    timeout=60, what=f"gunicorn on port {port} (log: {log})", proc=proc)
        yield server
    finally:
        stop(proc)


@contextlib.contextmanager
def celery_worker(bench: Stack, *, concurrency: int = 2, queues: str | None = None,
                  name: str = "worker") -> Iterator[subprocess.Popen]:
    """A Celery worker (as the Procfile runs it) on the bench's Redis, on `queues` (default: all); stopped on exit."""
    log = bench.data_dir / f"celery-{name}.log"
    command = [str(BIN / "celery"), "-A", "moviesite", "worker", "--loglevel", "WARNING", "--concurrency",
               str(concurrency), "--pool", "prefork", "--without-gossip", "--without-mingle", "-n", f"{name}@%h",
               *(["-Q", queues] if queues else [])]
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=bench.env(), cwd=ROOT, stdout=out, stderr=out, start_new_session=True)
    try:
        _wait_until(lambda: any(host.startswith(f"{name}@") for host in worker_hosts(bench)), timeout=60,
                    what=f"the Celery worker (log: {log})", proc=proc)
        yield proc
    finally:
        stop(proc, grace=20)


def worker_hosts(bench: Stack) -> dict:
    """The workers' heartbeats (recommendations.cache), as django-redis stores them: a pickled dict by host."""
    raw = redis_client(bench).get(f"{bench.prefix}:1:recs:worker-heartbeat")
    return pickle.loads(raw) if raw else {}  # noqa: S301 - written by our own workers into the bench's Redis


def queue_drain(bench: Stack, *, timeout: float = 120) -> float:
    """Wait until the Celery queue is empty; returns the seconds waited."""
    started = time.perf_counter()
    _wait_until(lambda: queue_length(bench) == 0, timeout=timeout, what="the Celery queue to drain")
    return time.perf_counter() - started


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_until(check, *, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        if check():
            return
        time.sleep(0.2)
    raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
