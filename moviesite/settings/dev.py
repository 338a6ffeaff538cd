"""Local development and `make run`: the base settings, nothing hidden."""
from __future__ import annotations

from .base import *  # noqa: F403
