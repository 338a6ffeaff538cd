"""Progress for long jobs: bars and stage lines on a stream (None: silent), and the stream commands pass."""
from __future__ import annotations

from typing import TextIO

from django.core.management.base import OutputWrapper
from tqdm import tqdm


def progress_say(stream: TextIO | None, message: str) -> None:
    if stream is not None:
        stream.write(f"{message}…\n")


def progress_bar(stream: TextIO | None, total: int, desc: str, unit: str) -> tqdm:
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, file=stream, disable=stream is None or not total)


class CommandProgressStream:
    """A file for tqdm: redraws with '\\r' in place (OutputWrapper would end every redraw with a newline)."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return self.out.isatty()
