"""Progress bars for management commands."""
from __future__ import annotations

from django.core.management.base import OutputWrapper


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
