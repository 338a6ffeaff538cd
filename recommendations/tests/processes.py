"""Real Celery worker and gunicorn processes for integration tests, each standing in for a host of its own.

A "host" here is a process with its own MODEL_DIR and MODEL_CACHE_DIR (no disk shared with the others) that
shares only the test's database, Redis and broker. Every process is started in its own process group and
killed at teardown.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@dataclass
class Host:
    name: str
    folder: Path
    proc: subprocess.Popen
    url: str = ""

    @property
    def cache_dir(self) -> Path:
        return self.folder / "model-cache"

    def log(self) -> str:
        return (self.folder / "process.log").read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None


def _host_env(folder: Path) -> dict[str, str]:
    return {
        **os.environ, "DJANGO_SETTINGS_MODULE": "moviesite.settings.test", "DATABASE_URL": database_url(),
        "TEST_MODEL_DIR": str(folder / "models"), "TEST_MODEL_CACHE_DIR": str(folder / "model-cache"),
        "LOG_LEVEL": "INFO",
    }


def _start(name: str, command: list[str]) -> Host:
    folder = Path(settings.TEST_DATA_DIR) / "hosts" / name
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "process.log").open("w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=_host_env(folder), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    return Host(name=name, folder=folder, proc=proc)


def celery_worker(name: str, *, queues: list[str] | None = None) -> Host:
    """`celery worker -n <name>@%h` on `queues` (default: all of them), solo pool."""
    command = [sys.executable, "-m", "celery", "-A", "moviesite", "worker", "--pool", "solo", "--loglevel", "INFO",
               "--without-gossip", "--without-mingle", "-n", f"{name}-{os.getpid()}@%h"]
    if queues:
        command += ["-Q", ",".join(queues)]
    return _start(name, command)


def gunicorn(name: str) -> Host:
    """One gunicorn sync worker on a free port; wait for it with `wait_until_serving`."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    host = _start(name, [sys.executable, "-m", "gunicorn", "moviesite.wsgi:application", "--bind",
                         f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60", "--log-level", "warning"])
    host.url = f"http://127.0.0.1:{port}"
    return host


def wait_until_serving(host: Host, *, timeout: float = 60) -> None:
    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{host.url}/api/movies/?page_size=1", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    wait_for(answers, timeout=timeout, what=f"{host.name} to serve", hosts=[host])


def wait_for(check: Callable[[], object], *, timeout: float, what: str, hosts: list[Host] = ()) -> object:
    """Poll `check` every 0.1 s until it returns something true; fail with the hosts' logs after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for host in hosts:
            assert host.alive(), f"{host.name} exited:\n{host.log()[-3000:]}"
        if result := check():
            return result
        time.sleep(0.1)
    logs = "\n".join(f"--- {h.name}:\n{h.log()[-2000:]}" for h in hosts)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}\n{logs}")


def kill(host: Host, sig: int = signal.SIGKILL) -> None:
    """Signal the host's whole process group and wait for it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(host.proc.pid, sig)
    try:
        host.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(host.proc.pid, signal.SIGKILL)
        host.proc.wait(timeout=5)


@contextlib.contextmanager
def started(*hosts: Host):
    """Yield the hosts; SIGTERM (then SIGKILL) every one of them on the way out."""
    try:
        yield hosts
    finally:
        for host in hosts:
            if host.alive():
                kill(host, signal.SIGTERM)
