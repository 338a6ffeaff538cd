"""The processes a chaos run starts and owns: private redis-server, throwaway database, gunicorn, Celery worker.

Every process is started in its own session so it can be stopped with its children; `close()` stops all
of them and drops the database, whatever happened before.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from chaos.relay import FreezableRelay

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # chaos traffic never leaves this machine
PG_ADMIN_URL = os.environ.get("CHAOS_PG_ADMIN_URL", "postgres://root@127.0.0.1:5432/postgres")
T = TypeVar("T")


class StackError(RuntimeError):
    """A part of the stack did not start or stop in time."""


@dataclass(frozen=True)
class Reply:
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    body: Any
    seconds: float
    error: str = ""

    @property
    def label(self) -> str:
        return f"{self.status} in {self.seconds:.2f}s" if self.status else f"no answer ({self.error})"


def wait_for(predicate: Callable[[], T], *, timeout: float, interval: float = 0.5, what: str = "") -> T | None:
    """Poll until predicate returns something truthy; None after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception as exc:  # a probe that raises is a probe that says "not yet"
            logger.debug("waiting for %s: %s", what, exc)
            value = None
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def free_port(preferred: int | None = None) -> int:
    for port in ([preferred] if preferred else []):
        with socket.socket() as sock:
            if sock.connect_ex((HOST, port)) != 0:
                return port
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Stack:
    def __init__(self, workdir: Path, *, lock_ttl: int, svd_epochs: int) -> None:
        self.workdir = workdir
        self.database = f"moviesite_chaos_{os.getpid()}"
        self.redis_port = free_port(6390)
        self.web_port = free_port()
        self.lock_ttl = lock_ttl
        self.svd_epochs = svd_epochs
        self.redis: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.database_created = False
        # gunicorn reaches PostgreSQL through a relay that can freeze (a hung server, as the web sees it);
        # the worker and this process connect directly.
        self.pg_relay: FreezableRelay | None = None
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    # --- Environment ---------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """What gunicorn, the worker and this process's own Django all read."""
        return {
            "DJANGO_SETTINGS_MODULE": "moviesite.settings.dev",
            "DEBUG": "false",
            "DATABASE_URL": f"postgres://root@{HOST}:5432/{self.database}",
            "REDIS_URL": f"redis://{HOST}:{self.redis_port}/0",
            "DATA_DIR": str(self.workdir / "data"),
            "CACHE_PREFIX": "chaos",
            "RETRAIN_HOUR": "-1",
            "SVD_EPOCHS": str(self.svd_epochs),
            "RECOMMENDER_MIN_SUPPORT": "5",
            # Rate limits would turn the probes into 429s; they are not what this run tests.
            "API_THROTTLE_ANON": "off",
            "API_THROTTLE_USER": "off",
            "API_THROTTLE_TOKEN": "off",
            "CHAOS_LOCK_TTL": str(self.lock_ttl),
            "PYTHONUNBUFFERED": "1",
        }

    def _popen(self, args: list[str], log_name: str, **env: str) -> subprocess.Popen:
        log = open(self.logs / log_name, "ab")  # noqa: SIM115 - the child owns it; closed when we exit
        return subprocess.Popen(
            args, cwd=ROOT, env={**os.environ, **self.env(), **env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    # --- Redis ---------------------------------------------------------------------------------

    def redis_start(self) -> None:
        (self.workdir / "redis").mkdir(exist_ok=True)
        self.redis = self._popen(
            ["redis-server", "--bind", HOST, "--port", str(self.redis_port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir / "redis"), "--daemonize", "no"],
            "redis.log",
        )
        if not wait_for(self.redis_ping, timeout=10, what="redis"):
            raise StackError(f"redis-server did not answer on port {self.redis_port}")

    def redis_ping(self) -> bool:
        try:
            with socket.create_connection((HOST, self.redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def redis_stop(self) -> None:
        _stop(self.redis, sig=signal.SIGTERM)
        self.redis = None

    def redis_freeze(self, frozen: bool) -> None:
        assert self.redis is not None
        os.kill(self.redis.pid, signal.SIGSTOP if frozen else signal.SIGCONT)

    # --- PostgreSQL ----------------------------------------------------------------------------

    def admin_sql(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def database_create(self) -> None:
        self.admin_sql(f'CREATE DATABASE "{self.database}"')
        self.database_created = True

    def database_drop(self) -> None:
        if self.database_created:
            self.database_allow_connections(True)
            self.admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self.database_created = False

    def database_allow_connections(self, allowed: bool) -> None:
        """Refuse (or allow again) new connections to the throwaway database, and end its current ones."""
        self.admin_sql(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS {"true" if allowed else "false"}')
        if not allowed:
            self.admin_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.database,),
            )

    def database_freeze(self, frozen: bool) -> None:
        """Hang (or resume) the web's PostgreSQL connections, new and open ones: nothing refused, nothing answered."""
        assert self.pg_relay is not None
        if frozen:
            self.pg_relay.frozen.set()
        else:
            self.pg_relay.frozen.clear()

    # --- gunicorn and the worker -----------------------------------------------------------------

    def web_start(self) -> None:
        if self.pg_relay is None:
            self.pg_relay = FreezableRelay(HOST, 5432)
        self.web = self._popen(
            [sys.executable, "-m", "gunicorn", "moviesite.wsgi:application", "--bind", f"{HOST}:{self.web_port}",
             "--workers", "2", "--timeout", "30", "--graceful-timeout", "5", "--log-level", "info",
             "--access-logfile", str(self.logs / "access.log"), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s"],
            "web.log", DATABASE_URL=f"postgres://root@{HOST}:{self.pg_relay.port}/{self.database}",
        )
        if not wait_for(lambda: self.http("GET", "/api/genres/", timeout=2).status == 200, timeout=30,
                        what="gunicorn"):
            raise StackError(f"gunicorn did not answer on port {self.web_port}; see {self.logs / 'web.log'}")

    def worker_start(self) -> None:
        self.worker = self._popen([sys.executable, "-m", "chaos.worker"], "worker.log")

    def worker_kill(self) -> None:
        """SIGKILL, as the OOM killer or a pulled plug would: no shutdown handlers run."""
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)
        self.worker = None

    def web_pids_seen(self, path_prefix: str, since: int = 0) -> set[str]:
        """gunicorn worker pids that answered requests under path_prefix (from the access log, from byte since)."""
        log = self.logs / "access.log"
        if not log.exists():
            return set()
        with open(log, "rb") as handle:
            handle.seek(since)
            lines = handle.read().decode(errors="replace").splitlines()
        return {parts[0] for parts in (line.split() for line in lines) if len(parts) >= 3
                and parts[2].startswith(path_prefix)}

    def log_size(self, name: str) -> int:
        path = self.logs / name
        return path.stat().st_size if path.exists() else 0

    def log_since(self, name: str, offset: int) -> str:
        path = self.logs / name
        if not path.exists():
            return ""
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read().decode(errors="replace")

    # --- HTTP ----------------------------------------------------------------------------------

    def http(self, method: str, path: str, *, token: str | None = None, data: Any = None,
             timeout: float = 10) -> Reply:
        headers = {"Accept": "application/json"}
        body = None
        if token:
            headers["Authorization"] = f"Token {token}"
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(f"http://{HOST}:{self.web_port}{path}", data=body, headers=headers,
                                         method=method)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (OSError, urllib.error.URLError) as exc:
            return Reply(None, None, time.monotonic() - started, error=type(exc).__name__)
        seconds = time.monotonic() - started
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Reply(status, parsed, seconds)

    # --- Tear-down ----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop everything this run started; each step runs even when an earlier one fails."""
        for name in ("worker", "web", "redis"):
            process = getattr(self, name)
            try:
                if process is not None and self.redis is process and process.poll() is None:
                    os.kill(process.pid, signal.SIGCONT)  # a frozen redis cannot act on SIGTERM
                _stop(process)
            except Exception:
                logger.exception("could not stop %s", name)
            setattr(self, name, None)
        if self.pg_relay is not None:
            self.pg_relay.close()
        try:
            self.database_drop()
        except Exception:
            logger.exception("could not drop database %s", self.database)


def _stop(process: subprocess.Popen | None, *, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass
