"""The package's imports point one way and never in a circle.

Every module under src/anthology is parsed with `ast` (nothing is imported), and every import
in it counts: at the top of the module, inside a function, or under `if TYPE_CHECKING:`. An
import of `anthology.x.y` is an edge to the module `x.y`; `from anthology.x import y` is an
edge to `x.y` when `y` is a module, else to `x`. Relative imports are resolved the same way.

The layers, lowest first: core, engines, chapters (the chapter pipeline), editorial (tracking,
submissions, checks, Word), outputs, orchestration (build.py, watch.py), the command line. A
module may import its own layer and the layers below it, never one above.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "anthology"

# Lowest first. The first part of a module's name says its layer.
LAYERS = {"core": 0, "engines": 1, "chapters": 2, "editorial": 3, "outputs": 4, "build": 5,
          "watch": 5, "workahead": 5, "packaging": 5, "cli": 6, "__main__": 7}


@dataclass(frozen=True)
class Import:
    """One import of a module of the package by another."""

    importer: str
    imported: str
    file: str
    line: int

    @property
    def edge(self) -> str:
        """The import as "importer -> imported", modules relative to anthology."""
        return f"{self.importer} -> {self.imported}"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.importer} imports {self.imported or '__init__'}"


def module_name(package: Path, path: Path) -> str:
    """`core.images` for core/images.py in the package; `core` for core/__init__.py; the
    package itself is ''."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by name."""
    return {module_name(package, path): path for path in sorted(package.rglob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_package: bool,
             package: Path) -> list[str]:
    """The package's modules an import statement in module `name` names ('' for the package)."""
    known = modules(package)
    top = package.name
    if isinstance(node, ast.Import):
        return [alias.name[len(top) + 1:] if alias.name.startswith(f"{top}.") else ""
                for alias in node.names if alias.name.split(".")[0] == top]
    if node.level:
        here = name.split(".") if name else []
        base = here if is_package else here[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = ".".join([*base, *([node.module] if node.module else [])])
    elif node.module == top:
        source = ""
    elif node.module and node.module.startswith(f"{top}."):
        source = node.module[len(top) + 1:]
    else:
        return []
    out = []
    for alias in node.names:
        submodule = f"{source}.{alias.name}" if source else alias.name
        out.append(submodule if submodule in known else source)
    return out


@cache
def imports(package: Path = PACKAGE) -> tuple[Import, ...]:
    """Every import of one of the package's modules by another, wherever it is written."""
    found = []
    for name, path in modules(package).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        file = path.relative_to(package.parents[1]).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(node, name, path.name == "__init__.py", package):
                    if target != name and target in modules(package):
                        found.append(Import(name, target, file, node.lineno))
    return tuple(sorted(set(found), key=lambda i: (i.file, i.line, i.imported)))


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The graph's strongly connected components of more than one module (Tarjan's algorithm,
    iterative), each sorted; a component is a set of modules that import each other in a
    circle, directly or through others."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def layer(module: str) -> int:
    """The module's layer; the package's own __init__ (which imports nothing) is below all."""
    return LAYERS[module.split(".")[0]] if module else -1


def test_every_module_has_a_layer() -> None:
    assert {name.split(".")[0] for name in modules() if name} <= set(LAYERS)


def test_the_walk_counts_every_kind_of_import(tmp_path: Path) -> None:
    """Imports at the top, in a function and under TYPE_CHECKING all count; `from pkg.a import
    b` is an import of the module a.b when b is one, else of a; relative imports resolve."""
    package = tmp_path / "src" / "pkg"
    files = {
        "__init__.py": "",
        "a/__init__.py": "from pkg.a import b\nfrom pkg.a import NAME\n",
        "a/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import c\n",
        "a/d.py": "def f():\n    from ..c import g\n    from . import b\n    import pkg.c\n",
        "c.py": "import os\nimport pkg\n",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    assert [str(i) for i in imports(package)] == [
        "src/pkg/a/__init__.py:1: a imports a.b",
        "src/pkg/a/b.py:3: a.b imports c",
        "src/pkg/a/d.py:2: a.d imports c",
        "src/pkg/a/d.py:3: a.d imports a.b",
        "src/pkg/a/d.py:4: a.d imports c",
        "src/pkg/c.py:2: c imports __init__",
    ]


def test_cycles_are_found_and_named() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for found in imports():
        graph.setdefault(found.importer, set()).add(found.imported)
    problems = []
    for component in cycles(graph):
        members = set(component)
        inside = [str(i) for i in imports()
                  if i.importer in members and i.imported in members]
        problems.append(f"these modules import each other in a circle: {', '.join(component)}"
                        "\n    " + "\n    ".join(inside))
    assert not problems, ("\n".join(problems) + "\nMove what both need into one module below "
                          "them (an import inside a function still counts).")


def test_imports_point_down_the_layers() -> None:
    upward = [i for i in imports() if layer(i.imported) > layer(i.importer)]
    ranks = sorted(set(LAYERS.values()), reverse=True)
    order = " -> ".join("/".join(n for n in LAYERS if LAYERS[n] == r) for r in ranks)
    assert not upward, ("\n".join(f"{i}, a layer above it" for i in upward) +
                        f"\nImports point one way ({order}): move what is needed down.")


# A module longer than this is doing more than one thing: split it where its parts meet.
MAX_MODULE_LINES = 600


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    long = {name: count for name, path in modules().items()
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}, f"modules over {MAX_MODULE_LINES} lines: {long}"
