"""Values a page asks for in several places (view, tags, included templates), worked out once per request."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def once_per_request(request, name: str, compute: Callable[[], T]) -> T:
    """`compute()` the first time `name` is asked for during this request, the same value afterwards.

    Kept on the request itself, so nothing outlives it and no test has state to reset.
    """
    memo = request.__dict__.setdefault("_once_per_request", {})
    if name not in memo:
        memo[name] = compute()
    return memo[name]
