"""pandoc: the only module that imports pypandoc or runs the pandoc binary.

pandoc always runs with `--sandbox` (it may read only the files we name on its command line), a
heap cap and a timeout. Chapters reach it as a body without front matter, read with the
extensions below, so a chapter cannot set book metadata, CSS or bibliographies.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from anthology.core.cache import dump_json
from anthology.core.errors import CapError, ToolError

# Pandoc's Markdown, without the YAML blocks (front matter is ours) and without the native divs
# and spans that would smuggle HTML. Raw HTML and TeX are read as raw (fenced ```{=tex} blocks
# too: without raw_attribute they would be code, printed), so that rawtext.py gives them their
# meaning or reports them, and they are dropped before anything is rendered.
MARKDOWN_READER = "markdown-yaml_metadata_block-native_divs-native_spans"
# A heap cap; and a small suggested heap (-H1m, where the binary asks for 64 MB): the same speed
# on chapters and bibliographies, and about 50 MB less resident memory per pandoc process.
# The most a chapter within the limits (anthology/core/limits.py) was measured to need is 363 MB
# resident (a 3 MB chapter parsed: 360 MB; 328,000 elements written as HTML: 363 MB, as EPUB:
# 293 MB); a process resides at most about 110 MB beyond its cap, so 800 MB keeps every pandoc
# under 1 GB with twice the room needed. Those took at most 3 s of CPU (14 s on a busy
# machine): a pandoc still running after two minutes is stuck.
HEAP_CAP = ["+RTS", "-M800M", "-H1m", "-RTS"]
TIMEOUT_SECONDS = 120
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class PandocFailed(ToolError):
    """pandoc ran but failed on what it was given (or ran out of time or memory)."""


@functools.cache
def pandoc_path() -> str:
    """The pandoc binary shipped in the pypandoc-binary wheel (or the one PYPANDOC_PANDOC
    names, as pypandoc would take it).

    Found without importing pypandoc, which costs 25 to 80 ms (it imports urllib and ssl) and
    asks every pandoc it can find for its version: the shipped binary is the one anthology is
    tested with, and the one `pandoc_identity` keys the caches by. pypandoc's own search is
    the fallback, for an installation without the binary wheel.
    """
    shipped = shipped_binary()
    if (not os.environ.get("PYPANDOC_PANDOC") and shipped is not None and shipped.is_file()
            and os.access(shipped, os.X_OK)):
        return str(shipped)
    import pypandoc

    try:
        path: str = pypandoc.get_pandoc_path()
    except OSError:
        chosen = os.environ.get("PYPANDOC_PANDOC")
        if chosen:
            raise ToolError(f"anthology cannot run pandoc: PYPANDOC_PANDOC names {chosen}, which "
                            "is not a pandoc that runs. Unset PYPANDOC_PANDOC to use the pandoc "
                            "that comes with anthology, or name a working one.") from None
        raise ToolError("anthology cannot find pandoc: the pypandoc-binary package that brings "
                        "it is missing. Install anthology again (make book does it).") from None
    return path


@functools.cache
def shipped_binary() -> Path | None:
    """Where the pypandoc-binary wheel puts pandoc (whether or not it is there)."""
    import importlib.util

    spec = importlib.util.find_spec("pypandoc")
    if spec is None or not spec.submodule_search_locations:
        return None
    name = "pandoc.exe" if sys.platform == "win32" else "pandoc"
    return Path(next(iter(spec.submodule_search_locations))) / "files" / name


def pandoc_identity() -> str:
    """Which pandoc binary runs (path, size, time), for cache keys: cheaper than its version."""
    try:
        path = pandoc_path()
        binary = Path(shutil.which(path) or path)  # pypandoc may name one on the PATH
        stat = binary.stat()
    except (OSError, ImportError, ToolError):  # reported when pandoc is run
        return "unknown"
    return f"{binary}:{stat.st_size}:{stat.st_mtime_ns}"


@functools.cache
def pandoc_version() -> str:
    """pandoc's version, asked once."""
    out = subprocess.run([pandoc_path(), "--version"], capture_output=True, check=True,
                         timeout=60).stdout.decode()
    return out.split("\n", 1)[0].split()[-1]


def _useful_lines(stderr: bytes, limit: int = 8) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines[:limit])


def run_pandoc(args: Sequence[str], stdin: bytes, what: str,
               timeout: int = TIMEOUT_SECONDS) -> tuple[bytes, str]:
    """Run sandboxed pandoc; return (stdout, warnings). `what` names the chapter for errors."""
    command = [pandoc_path(), *HEAP_CAP, "--sandbox", *args]
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise CapError(f"{what}: pandoc did not finish within {timeout} seconds. Check the "
                       "file for very long or deeply nested passages.",
                       f"pandoc did not finish reading it within {timeout} seconds") from None
    if done.returncode != 0:
        detail = _useful_lines(done.stderr) or f"exit status {done.returncode}"
        if "heap overflow" in detail.lower() or done.returncode == 251:
            cap = next(arg[2:].rstrip("M") for arg in HEAP_CAP if arg.startswith("-M"))
            raise CapError(f"{what}: pandoc failed: pandoc ran out of memory",
                           f"pandoc ran out of memory reading it (its cap is {cap} MB)")
        raise PandocFailed(f"{what}: pandoc failed: {detail}")
    return done.stdout, _useful_lines(done.stderr, limit=40)


def as_input(ast: Any) -> bytes:
    """An AST as UTF-8 JSON for pandoc to read. Text UTF-8 cannot hold (a lone surrogate,
    which a YAML escape can make) becomes U+FFFD: pandoc refuses the whole input otherwise."""
    try:
        return dump_json(ast)
    except UnicodeEncodeError:
        text = json.dumps(ast, ensure_ascii=False, separators=(",", ":"))
        return LONE_SURROGATE.sub("\ufffd", text).encode("utf-8")


def markdown_to_json(body: str, what: str) -> bytes:
    """pandoc's JSON AST of a chapter body (Markdown without front matter), as pandoc wrote it."""
    out, _ = run_pandoc(["-f", MARKDOWN_READER, "-t", "json"], body.encode("utf-8"), what)
    return out


def markdown_to_ast(body: str, what: str) -> dict[str, Any]:
    """Parse a chapter body (Markdown without front matter) into pandoc's JSON AST."""
    ast: dict[str, Any] = orjson.loads(markdown_to_json(body, what))
    return ast


def run_citeproc(ast: dict[str, Any] | bytes, bibliographies: Sequence[Path], csl: Path,
                 what: str, lang: str) -> tuple[dict[str, Any], str]:
    """Resolve citations with citeproc, using only the bibliographies we name (`ast` may be
    given already as UTF-8 JSON)."""
    args = ["-f", "json", "-t", "json", "--citeproc", f"--csl={csl}",
            "-M", "link-citations=true", "-M", f"lang={lang}"]
    args += [f"--bibliography={path}" for path in bibliographies]
    out, warnings = run_pandoc(args, ast if isinstance(ast, bytes) else as_input(ast), what)
    result: dict[str, Any] = orjson.loads(out)
    return result, warnings


def ast_to_html(ast: dict[str, Any], what: str) -> str:
    """Write an AST as an HTML fragment (HTML5, no wrapping, math as MathML)."""
    out, _ = run_pandoc(["-f", "json", "-t", "html5", "--wrap=none", "--mathml",
                         "--section-divs"], as_input(ast), what)
    return out.decode("utf-8")


def ast_to_file(ast: dict[str, Any], to: str, output: Path, extra: Sequence[str],
                what: str) -> str:
    """Write an AST to a file in format `to` (epub3, docx...); return pandoc's warnings."""
    _, warnings = run_pandoc(["-f", "json", "-t", to, "-o", str(output), *extra],
                             as_input(ast), what)
    return warnings


def bibliography_to_csl(path: Path, what: str) -> list[dict[str, Any]]:
    """Read a bibliography (BibTeX, BibLaTeX, CSL JSON/YAML) with pandoc's own readers."""
    suffix = path.suffix.lower()
    reader = {".bib": "biblatex", ".bibtex": "bibtex", ".json": "csljson",
              ".yaml": "markdown", ".yml": "markdown"}.get(suffix, "biblatex")
    if reader == "markdown":
        out, _ = run_pandoc([str(path), "-s", "-t", "csljson"], b"", what)
    else:
        out, _ = run_pandoc([str(path), "-f", reader, "-t", "csljson"], b"", what)
    items: list[dict[str, Any]] = orjson.loads(out)
    return items


def docx_to_ast(source: Path, media_dir: Path, track_changes: str,
                what: str) -> dict[str, Any]:
    """Read a Word file with its citation fields as citations (`docx+citations`), its pictures
    extracted under `media_dir`; tracked changes shown as spans (`all`) or `accept`ed."""
    out, _ = run_pandoc(["-f", "docx+citations", "-t", "json", f"--track-changes={track_changes}",
                         f"--extract-media={media_dir}", str(source)], b"", what)
    ast: dict[str, Any] = orjson.loads(out)
    return ast


# The Markdown anthology writes for a chapter: what MARKDOWN_READER reads back the same, tables
# as pipe tables where they fit (grid tables otherwise), no HTML.
MARKDOWN_WRITER = ("markdown-raw_html-raw_attribute-native_divs-native_spans-simple_tables"
                   "-multiline_tables+smart")


def ast_to_markdown(ast: dict[str, Any], what: str) -> str:
    """Write an AST as the book's Markdown, one paragraph a line."""
    out, _ = run_pandoc(["-f", "json", "-t", MARKDOWN_WRITER, "--wrap=none"], as_input(ast),
                        what)
    return out.decode("utf-8")
