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
from collections.abc import Iterable, Mapping
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


@functools.cache
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """Run BLAS single-threaded for the small products of serving one user.

    On a busy machine a multi-threaded OpenBLAS waits for a free core at every product: a
    fold-in measured 7-100 ms with 2 threads against ~1 ms with one; the switch costs ~0.07 ms.

    Returns:
        A context manager.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


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


def artifact_checksum(directory: Path) -> str:
    """SHA-256 over an artifact directory's file names and contents, to detect a changed artifact.

    Args:
        directory: an artifact directory (only its top-level files count).

    Returns:
        Hex digest, 64 characters.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(directory).iterdir() if p.is_file()):
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
