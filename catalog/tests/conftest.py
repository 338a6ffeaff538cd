"""Fixtures for the MovieLens import tests: hand-made datasets and a real local HTTP mirror."""
from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from catalog.tests.datasets import FIXTURES


class Mirror:
    """A static file server on 127.0.0.1 that remembers which paths were requested."""

    def __init__(self, directory: Path) -> None:
        self.requests: list[str] = []
        mirror = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                mirror.requests.append(self.path)
                super().do_GET()

            def log_message(self, format: str, *args) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def http_mirror() -> Iterator[Callable[[Path], Mirror]]:
    """Start mirrors serving given folders; all are stopped at teardown."""
    mirrors: list[Mirror] = []

    def start(directory: Path) -> Mirror:
        mirrors.append(Mirror(directory))
        return mirrors[-1]

    yield start
    for mirror in mirrors:
        mirror.close()


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    """A writable copy of the hand-made csv-format dataset, as `<tmp>/ml-latest-small`."""
    return Path(shutil.copytree(FIXTURES / "csv-tiny", tmp_path / "ml-latest-small"))
