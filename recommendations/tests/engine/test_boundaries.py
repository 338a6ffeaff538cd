"""The engine stays a plain library: nothing under recommendations/engine may import Django."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import recommendations.engine

ENGINE = Path(recommendations.engine.__file__).parent


def imported_modules(source: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_it_has_no_django_import_in_engine_source():
    offenders = {
        str(path.relative_to(ENGINE)): sorted(n for n in imported_modules(path) if n.split(".")[0] == "django")
        for path in ENGINE.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_it_imports_the_engine_without_loading_django():
    code = "import sys, recommendations.engine; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ENGINE.parent.parent, capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "False"
