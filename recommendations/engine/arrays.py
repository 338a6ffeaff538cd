"""Array plumbing every model shares: real id → row lookup, BLAS threads, ``.npy`` artifacts.

A model artifact is a directory of one ``<name>.npy`` per array plus ``meta.json``: no pickle,
so loading never runs code, and each array can be memory-mapped, letting every web and worker
process share one copy through the page cache.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

META_FILE = "meta.json"


def id_rows(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of real ids in a model's sorted id array.

    Args:
        sorted_ids: int64 (n,), ascending, unique.
        ids: int64 (m,) ids to look up, any order.

    Returns:
        ``(rows, known)``: intp (m,) row of each id (0 where unknown) and bool (m,) whether found.
    """
    if len(sorted_ids) == 0:
        return np.zeros(len(ids), dtype=np.intp), np.zeros(len(ids), dtype=bool)
    rows = np.searchsorted(sorted_ids, ids)
    rows[rows == len(sorted_ids)] = 0
    known = sorted_ids[rows] == ids
    rows[~known] = 0
    return rows, known


def csr_segments(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the entries of some CSR rows, and which requested row each belongs to.

    Args:
        indptr: int (n + 1,) CSR row pointers.
        rows: intp (r,) rows wanted (repeats allowed).

    Returns:
        ``(owner, positions)``: intp arrays over the rows' entries in order; ``owner[j]`` indexes
        ``rows`` and ``positions[j]`` indexes the CSR ``indices``/``data``.
    """
    starts = np.asarray(indptr[rows], dtype=np.int64)
    lengths = np.asarray(indptr[rows + 1], dtype=np.int64) - starts
    owner = np.repeat(np.arange(len(rows)), lengths)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return owner, offsets + np.arange(int(lengths.sum()))


def top_k_positive(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k largest positive entries of each row of a dense block (similarity matrices).

    When most entries are zero (movies sharing no viewer) only the positive ones are sorted;
    when most are positive each row is partitioned first, which is then cheaper.

    Args:
        block: float (r, n).
        k: entries kept per row (>= 1).

    Returns:
        ``(rows, cols, values)`` of the kept entries, by row then value descending; among
        entries tied at the k-th place, which are kept is deterministic but unspecified.
    """
    positive = block > 0
    if k < block.shape[1] and np.count_nonzero(positive) > 2 * k * block.shape[0]:
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]
        rows = np.broadcast_to(np.arange(block.shape[0])[:, None], top.shape).ravel()
        cols = top.ravel()
        rows, cols = rows[block[rows, cols] > 0], cols[block[rows, cols] > 0]
    else:
        rows, cols = np.nonzero(positive)
    values = block[rows, cols]
    order = np.lexsort((cols, -values, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
    keep = rank < k
    return rows[keep], cols[keep], values[keep]


@functools.cache
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


_limited = threading.local()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run BLAS single-threaded for the small products of serving one user.

    On a busy machine a multi-threaded OpenBLAS waits for a free core at every product: a
    fold-in measured 7-100 ms with 2 threads against ~1 ms with one. The switch itself costs
    0.07-0.3 ms, so inside an outer ``one_blas_thread`` (one per request) it is not made again.

    Returns:
        A context manager.
    """
    if getattr(_limited, "active", False):
        yield
        return
    with _blas_controller().limit(limits=1, user_api="blas"):
        _limited.active = True
        try:
            yield
        finally:
            _limited.active = False


def save_arrays(directory: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
    """Write ``<name>.npy`` per array, then ``meta.json`` (last, so its presence means complete).

    Write each model version to a new directory: processes may have the old files mapped.

    Args:
        directory: target directory, created if missing.
        arrays: name → array (numeric dtypes only).
        meta: JSON-serialisable metadata; ``shapes`` is added.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    shapes = {}
    for name, array in arrays.items():
        contiguous = np.ascontiguousarray(array)
        np.save(directory / f"{name}.npy", contiguous, allow_pickle=False)
        shapes[name] = list(contiguous.shape)
    (directory / META_FILE).write_text(json.dumps({**meta, "shapes": shapes}, indent=2, sort_keys=True))


def load_arrays(
    directory: Path, names: Iterable[str], *, mmap: bool = True
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read arrays written by :func:`save_arrays`, checking their shapes against ``meta.json``.

    Args:
        directory: the artifact directory.
        names: the arrays to read.
        mmap: map the files read-only instead of reading them into memory.

    Returns:
        ``(arrays, meta)``.
    """
    directory = Path(directory)
    meta = json.loads((directory / META_FILE).read_text())
    arrays = {}
    for name in names:
        array = np.load(directory / f"{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
        if list(array.shape) != meta["shapes"][name]:
            raise ValueError(f"{directory}/{name}.npy has shape {array.shape}, {META_FILE} says otherwise")
        arrays[name] = array
    return arrays, meta


def require_format(directory: Path, kind: str, version: int) -> dict[str, Any]:
    """Read ``meta.json`` and check the artifact's kind and format version before touching arrays.

    Args:
        directory: an artifact directory.
        kind: expected ``meta["format"]``.
        version: expected ``meta["format_version"]``.

    Returns:
        The metadata.

    Raises:
        ValueError: when the directory holds no such artifact (missing or other meta.json).
    """
    path = Path(directory) / META_FILE
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{directory} holds no readable {META_FILE} ({exc})") from exc
    if meta.get("format") != kind or meta.get("format_version") != version:
        raise ValueError(f"{directory} holds no {kind} artifact of format version {version}")
    return meta


def min_max_part(
    raw: np.ndarray, allowed: np.ndarray, *, weight: float, n_allowed: int
) -> tuple[np.ndarray, float, float] | None:
    """One signal's share of a mixed score: its values min-max scaled over the allowed rows, times a weight.

    Written for one request at 59k movies, where each pass over the catalogue costs ~30 µs: it
    makes about half the passes of ``np.nan_to_num((raw - low) * scale)`` and a masked mean.

    Args:
        raw: float64 (m,) scores, NaN where the signal cannot score (left unchanged).
        allowed: bool (m,) rows that may be recommended; the scale comes from these.
        weight: the signal's weight (> 0).
        n_allowed: ``allowed.sum()``, > 0.

    Returns:
        ``(part, scale, typical)``: float64 (m,) ``(raw − low) × scale`` with 0 where raw is NaN,
        ``scale = weight / (high − low)``, and the mean of ``part`` over the allowed rows; None
        when no allowed row is scored or all score alike (the signal then tells nothing apart).
    """
    finite = np.isfinite(raw)
    values = raw[finite & allowed]
    if len(values) == 0:
        return None
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return None
    scale = weight / (high - low)
    part = np.subtract(raw, low)
    part *= scale
    np.copyto(part, 0.0, where=~finite)
    typical = (float(values.sum()) - low * len(values)) * scale / n_allowed
    return part, scale, typical


def plain_views(arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Plain ndarray views of memory-mapped arrays: same pages, no copy, still read-only.

    ``np.memmap`` runs Python code on every indexing (~20 µs); a request indexes a hundred times.
    """
    return {name: np.asarray(array) for name, array in arrays.items()}


def artifact_files(directory: Path) -> list[tuple[str, Path]]:
    """Every file of an artifact directory, sub-directories included, in checksum order.

    Args:
        directory: an artifact directory.

    Returns:
        ``(relative POSIX path, path)`` pairs sorted by the relative path.
    """
    directory = Path(directory)
    files = [(path.relative_to(directory).as_posix(), path) for path in directory.rglob("*") if path.is_file()]
    return sorted(files)


def artifact_checksum(directory: Path) -> str:
    """SHA-256 over an artifact's files (relative path, a NUL byte, contents) in :func:`artifact_files` order.

    The same digest is computed over a stream of ``(path, bytes)`` pieces in that order (a download), so a
    copy fetched from elsewhere can be checked before it is used.

    Args:
        directory: an artifact directory (its sub-directories count).

    Returns:
        Hex digest, 64 characters.
    """
    digest = hashlib.sha256()
    for name, path in artifact_files(directory):
        digest.update(name.encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
