"""Fetch official MovieLens archives into a local cache (no Django: settings are passed in)."""
from __future__ import annotations

import http.client
import logging
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import BinaryIO, TextIO

from tqdm import tqdm

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
TIMEOUT = 60  # seconds without a byte before giving up


class DownloadError(Exception):
    """The archive could not be fetched; str() is one line with the URL and the reason."""


def _is_valid_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def movielens_archive(name: str, *, mirror: str, cache_dir: Path, progress: TextIO | None = None) -> Path:
    """Return `<cache_dir>/<name>.zip`, downloading `<mirror>/<name>.zip` unless a valid copy is cached.

    The download streams into a temporary file beside the target and is renamed into place only
    once complete and readable as a zip, so an interrupted run never leaves a half archive cached.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / f"{name}.zip"
    if target.exists():
        if _is_valid_zip(target):
            logger.info("Using cached %s", target)
            return target
        logger.warning("Cached %s is damaged; downloading it again", target)
    url = f"{mirror.rstrip('/')}/{name}.zip"
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}-", suffix=".part", dir=cache_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            _fetch(url, out, progress)
        if not _is_valid_zip(tmp):
            raise DownloadError(f"download of {url} is not a valid zip archive")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    logger.info("Downloaded %s to %s", url, target)
    return target


def _fetch(url: str, out: BinaryIO, progress: TextIO | None) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "moviesite-movielens-import"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            size = int(response.headers.get("Content-Length") or 0) or None
            received = 0
            with tqdm(total=size, unit="B", unit_scale=True, desc=f"Downloading {url.rsplit('/', 1)[-1]}",
                      file=progress, disable=progress is None) as bar:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            if size is not None and received != size:
                raise DownloadError(f"download of {url} stopped after {received} of {size} bytes")
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise DownloadError(f"cannot reach {url}: {exc.reason}") from exc
    except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, a truncated body
        raise DownloadError(f"download of {url} failed: {exc}") from exc
