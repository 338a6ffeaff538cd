"""axe-core (npm, see package.json; `make test` installs it) run inside a Playwright page.

The script is injected as a <script> element, which the site's Content-Security-Policy would block: the
pages checked with it are opened in a context made with ``bypass_csp=True``.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings

from conftest import skip_or_fail

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.x A and AA rules plus axe's best practices (landmarks, headings, …).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SEVERE = {"serious", "critical"}


def axe_path() -> Path:
    if not AXE.exists():
        skip_or_fail(f"axe-core not installed at {AXE} (run `npm ci`, as `make test` does)")
    return AXE


def severe_violations(page) -> list[str]:
    """The page's serious and critical axe violations, one line each (rule, impact, first targets)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_path()))
    result = page.evaluate(
        "async (tags) => await window.axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"] if v["impact"] in SEVERE
    ]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: nothing to scroll sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
