"""The orchestration is above the outputs, and the check below them: no module under outputs/
imports the orchestration (build, watch, packaging, workahead), and the check reads the chapter
pipeline, never an output. Read from the source's own imports (at the top or in a function)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "anthology"
ORCHESTRATION = ("anthology.build", "anthology.watch", "anthology.packaging",
                 "anthology.workahead")


def imported(path: Path) -> set[str]:
    """Every module a source file imports, wherever the import is."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def reaches(names: set[str], modules: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == m or n.startswith(m + ".") for m in modules))


@pytest.mark.parametrize("path", sorted((SRC / "outputs").rglob("*.py")),
                         ids=lambda p: p.relative_to(SRC).as_posix())
def test_no_output_imports_the_orchestration(path: Path) -> None:
    assert reaches(imported(path), ORCHESTRATION) == []


@pytest.mark.parametrize("path", sorted([*(SRC / "editorial" / "checks").rglob("*.py"),
                                         *(SRC / "chapters").rglob("*.py")]),
                         ids=lambda p: p.relative_to(SRC).as_posix())
def test_the_check_and_the_chapter_pipeline_import_no_output(path: Path) -> None:
    assert reaches(imported(path), ("anthology.outputs", *ORCHESTRATION)) == []


def test_a_check_loads_no_output(small_book: Path) -> None:
    """Run, not only read: `anthology check` loads no module of outputs/."""
    script = ("import sys\n"
              "from anthology.cli import cli\n"
              "try:\n"
              f"    cli(['--book', {str(small_book)!r}, 'check', '-q'])\n"
              "except SystemExit:\n"
              "    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith('anthology.outputs')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines()[-1] == "[]"
