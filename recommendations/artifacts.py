"""Trained artifacts every host can reach, and each host's local copy of them.

MODEL_STORE=database (the default on PostgreSQL): the trainer writes the artifact's files as chunked rows
in the same transaction that records the version and its sha256. A process that needs a version fetches it
once per host into MODEL_CACHE_DIR (one process fetches, the others of the host wait for it), checks the
checksum while the bytes arrive, and only then gives the directory its final name; serving memory-maps it
from there as before. A copy that fails the check is thrown away and the model already loaded keeps serving.

MODEL_STORE=local (SQLite, one machine): the artifact is the directory the trainer wrote under MODEL_DIR.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import logging
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, transaction

from recommendations.engine.arrays import META_FILE, artifact_checksum, artifact_files
from recommendations.models import ArtifactChunk, ModelVersion

logger = logging.getLogger(__name__)

Store = ModelVersion.Store
CHUNK_BYTES = 4 << 20  # one row; a fetch holds two in memory at a time
PARTIAL_MAX_AGE = 3600  # seconds before an abandoned download's folder is cleared away
_CACHED_NAME = re.compile(r"^v(\d+)-[0-9a-f]{16}$")


class ArtifactUnavailable(Exception):
    """The version has no artifact this process can read (pruned, never stored, or deleted)."""


class ArtifactCorrupt(ArtifactUnavailable):
    """A fetched copy does not match the version's checksum: it was discarded."""


def artifact_staging_dir(*, version: ModelVersion) -> Path:
    """A fresh directory for the trainer to save into; artifact_store gives it its final place."""
    parent = settings.MODEL_CACHE_DIR if settings.MODEL_STORE == Store.DATABASE else settings.MODEL_DIR
    staging = Path(parent) / f".partial-v{version.pk}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    return staging


def artifact_store(*, version: ModelVersion, directory: Path) -> None:
    """Store a saved model as the version's artifact and fill in its artifact fields (the caller saves them).

    Call inside the transaction that records the version: the rows and the checksum commit together.
    """
    directory = Path(directory)
    version.artifact_checksum = artifact_checksum(directory)
    files = artifact_files(directory)
    version.artifact_bytes = sum(path.stat().st_size for _, path in files)
    if settings.MODEL_STORE == Store.DATABASE:
        _chunks_write(version=version, files=files)
        final = _cached_dir(version)
    else:
        final = Path(settings.MODEL_DIR) / f"v{version.pk}"
    shutil.rmtree(final, ignore_errors=True)
    directory.rename(final)  # a half-written artifact never carries the version's name
    version.artifact_store = settings.MODEL_STORE
    version.artifact_path = str(final)


def _chunks_write(*, version: ModelVersion, files: list[tuple[str, Path]]) -> None:
    """Insert the files as numbered chunks, one in memory at a time, through psycopg's own cursor.

    Django binds parameters on the client with psycopg 3, quoting each 4 MiB bytea into the SQL text: 10 MiB/s
    measured here, against 60-90 MiB/s for a binary parameter (%b). The database store is PostgreSQL only.
    """
    ArtifactChunk.objects.filter(version=version).delete()
    table = ArtifactChunk._meta.db_table
    statement = f"INSERT INTO {table} (version_id, position, path, data) VALUES (%s, %s, %s, %b)"
    connection.ensure_connection()
    position = 0
    with connection.connection.cursor() as cursor:
        for name, path in files:
            with path.open("rb") as handle:
                pieces = iter(lambda h=handle: h.read(CHUNK_BYTES), b"")
                first = next(pieces, b"")  # an empty file still gets one row, so the checksum sees its name
                for data in itertools.chain([first], pieces):
                    cursor.execute(statement, (version.pk, position, name, data))
                    position += 1


def artifact_available(*, version: ModelVersion) -> bool:
    """Whether the version's artifact is stored where this host can read or fetch it."""
    if not version.artifact_path:
        return False
    if version.artifact_store == Store.DATABASE:
        return ArtifactChunk.objects.filter(version=version).exists()
    return Path(version.artifact_path, META_FILE).exists()


def artifact_discard(*, version: ModelVersion) -> None:
    """Delete the stored artifact (pruning, or a test and a chaos scenario deleting it on purpose)."""
    if version.artifact_store == Store.DATABASE:
        ArtifactChunk.objects.filter(version=version).delete()
    elif version.artifact_path:
        shutil.rmtree(version.artifact_path, ignore_errors=True)


def artifact_directory(*, version: ModelVersion, fetch: bool = True) -> Path | None:
    """The local directory to load the version from; fetched first when this host has no copy.

    Returns None only when `fetch` is False and the copy is not here yet.

    Raises:
        ArtifactUnavailable: the version has no artifact (or a fetched copy was corrupt).
    """
    if not version.artifact_path:
        raise ArtifactUnavailable(f"model version {version.pk} has no artifact")
    if version.artifact_store != Store.DATABASE:
        return Path(version.artifact_path)
    cached = _cached_dir(version)
    if (cached / META_FILE).exists():
        return cached
    return artifact_fetch(version=version) if fetch else None


def _cached_dir(version: ModelVersion) -> Path:
    # The checksum in the name: a version stored again (same id, other bytes) is never mistaken for the old one.
    return Path(settings.MODEL_CACHE_DIR) / f"v{version.pk}-{version.artifact_checksum[:16]}"


def artifact_fetch(*, version: ModelVersion) -> Path:
    """Download the version into this host's cache, checking its sha256; returns the cached directory."""
    final = _cached_dir(version)
    with _host_lock(version.pk):
        if (final / META_FILE).exists():  # another process of this host fetched it while we waited
            return final
        started = time.monotonic()
        staging = final.with_name(f".partial-{final.name}-{uuid.uuid4().hex[:8]}")
        try:
            digest, size = _download(version, staging)
            if size == 0:
                raise ArtifactUnavailable(f"model version {version.pk} has no stored artifact")
            if digest != version.artifact_checksum:
                raise ArtifactCorrupt(f"model version {version.pk}: fetched copy has sha256 {digest[:12]}…, "
                                      f"the registry says {version.artifact_checksum[:12]}…")
            shutil.rmtree(final, ignore_errors=True)
            staging.rename(final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    logger.info("fetched model version %s (%.0f MB) in %.2f s", version.pk, size / 1e6, time.monotonic() - started)
    return final


def _download(version: ModelVersion, staging: Path) -> tuple[str, int]:
    """Write the chunks into `staging`, hashing as they arrive: (sha256 hex, bytes)."""
    digest, size = hashlib.sha256(), 0
    current, handle = None, None
    with transaction.atomic(), contextlib.ExitStack() as closing:
        for name, data in _chunk_rows(version):
            if name != current:
                if handle:
                    handle.close()
                target = staging / _safe_relative(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                handle, current = closing.enter_context(target.open("wb")), name
                digest.update(name.encode() + b"\0")
            digest.update(data)
            handle.write(data)
            size += len(data)
    return digest.hexdigest(), size


def _chunk_rows(version: ModelVersion) -> Iterator[tuple[str, bytes]]:
    """The version's chunks in order, two rows in memory at a time; call inside a transaction.

    A psycopg server-side cursor in binary format: the ORM's text format sends bytea hex-encoded, and decoding
    it made fetches ~3.5x slower (53 against 185 MiB/s measured here). The database store is PostgreSQL only.
    """
    connection.ensure_connection()
    table = ArtifactChunk._meta.db_table
    with connection.connection.cursor(name=f"artifact_fetch_{uuid.uuid4().hex[:8]}", binary=True) as cursor:
        cursor.itersize = 2
        cursor.execute(f"SELECT path, data FROM {table} WHERE version_id = %s ORDER BY position", [version.pk])
        yield from cursor


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ArtifactCorrupt(f"artifact file name {name!r} points outside the artifact")
    return path


@contextlib.contextmanager
def _host_lock(version_id: int) -> Iterator[None]:
    """One fetch per version per host: the processes of a host share MODEL_CACHE_DIR."""
    folder = Path(settings.MODEL_CACHE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f".v{version_id}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def artifact_cache_prune(*, keep: Iterable[int]) -> list[str]:
    """Delete this host's cached copies of versions not in `keep` (and abandoned downloads).

    A process that still has a deleted copy memory-mapped keeps reading it: the files go when it unmaps them.
    """
    folder = Path(settings.MODEL_CACHE_DIR)
    if not folder.is_dir():
        return []
    keep, removed = set(keep), []
    for entry in folder.iterdir():
        match = _CACHED_NAME.match(entry.name)
        stale_partial = (entry.name.startswith(".partial-") and entry.is_dir()
                         and time.time() - entry.stat().st_mtime > PARTIAL_MAX_AGE)
        if (match and int(match.group(1)) not in keep) or stale_partial:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    if removed:
        logger.info("pruned cached model artifacts %s", removed)
    return removed
