"""The chaos run's result: one row per check, printed as a plain-text table."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

WIDTHS = {"scenario": 34, "expected": 44, "observed": 56}


@dataclass(frozen=True)
class Outcome:
    scenario: str
    expected: str
    observed: str
    passed: bool | None  # None: not run (e.g. an opt-in scenario)

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "skip"}[self.passed]


def check(scenario: str, expected: str, passed: bool, observed: str) -> Outcome:
    return Outcome(scenario=scenario, expected=expected, observed=observed, passed=bool(passed))


def table(outcomes: list[Outcome]) -> str:
    """Columns wrapped to fixed widths so the table reads in an 80-plus-column terminal or a CI log."""
    header = ("scenario", "expected", "observed", "result")
    rule = "+".join("-" * (w + 2) for w in [*WIDTHS.values(), 6])
    lines = [_row(header), rule]
    for outcome in outcomes:
        lines.extend(_wrapped(outcome))
    passed = sum(o.passed is True for o in outcomes)
    failed = sum(o.passed is False for o in outcomes)
    skipped = sum(o.passed is None for o in outcomes)
    lines += [rule, f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")]
    return "\n".join(lines)


def _wrapped(outcome: Outcome) -> list[str]:
    cells = [textwrap.wrap(getattr(outcome, name), width) or [""] for name, width in WIDTHS.items()]
    cells.append([outcome.verdict])
    height = max(len(c) for c in cells)
    return [_row(tuple(c[i] if i < len(c) else "" for c in cells)) for i in range(height)]


def _row(cells: tuple[str, ...]) -> str:
    widths = [*WIDTHS.values(), 6]
    return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
