"""Bibliographies: read with pandoc's own readers (what citeproc uses), located by a light scanner.

pandoc turns BibTeX, BibLaTeX, CSL JSON and CSL YAML into CSL JSON items, which is what citeproc
is given and what is checked. pandoc does not say where an entry is, and for an unbalanced brace
it points at the *next* entry, so a small scanner finds each entry's line (`@type{key,`) and the
entry whose braces do not close. What reading one file finds (its syntax, its entries' missing
fields, URLs and TeX, see bibfields.py and bibprinting.py) is kept with it in the cache, so
`check` and the build read each file once; comparing files is the checks' work.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anthology import __version__
from anthology.chapters.bibentries import BibEntry, BibFile
from anthology.chapters.bibfields import field_findings, normal_item
from anthology.chapters.bibprinting import printing_problems
from anthology.core.cache import Cache, digest
from anthology.core.findings import Finding, error, info, warning
from anthology.engines.pandoc import pandoc_identity

FACTS_VERSION = "4"  # 3: URLs and DOIs read from TeX; bad-url, markup; 4: printing problems
# Patterns are compiled when first used (re keeps them), not on import: a check with nothing
# changed takes its bibliographies from the cache and scans none.
_ENTRY_START = r"@[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*([{(])"
_LINE_ENTRY = r"(?m)^[ \t]*@[ \t]*[A-Za-z][A-Za-z0-9_-]*[ \t]*[{(]"
_NOT_ENTRIES = {"string", "preamble", "comment"}
_YEAR_FIELD = r"(?i)[,{\s]year\s*=\s*(?:\{([^{}]*)\}|\"([^\"]*)\"|([A-Za-z0-9]+))"
_PANDOC_LINE = r"\(line (\d+), column (\d+)\)"
# BibTeX types whose entries need no author and no date to be cited (web pages, legal cases).
_NO_CREATOR = {"misc", "online", "www", "electronic", "manual", "legal", "jurisdiction",
               "legislation", "standard", "dataset", "software", "webpage", "legal_case", "bill",
               "treaty", "post", "post-weblog", "document", ""}
_NO_DATE = {"misc", "online", "www", "electronic", "webpage", "software", "dataset", "post",
            "post-weblog", "document", ""}


@dataclass(frozen=True)
class RawEntry:
    """Where an entry starts in a BibTeX file, and what the scanner saw of it."""

    key: str
    kind: str
    line: int
    year: str | None = None


@dataclass(frozen=True)
class SyntaxProblem:
    """An entry that does not parse: its line and what is wrong, in plain words."""

    line: int
    key: str
    message: str
    hint: str


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def scan_bibtex(text: str) -> tuple[list[RawEntry], list[SyntaxProblem]]:
    """Each entry's key and line, and the entries whose braces never close."""
    entries: list[RawEntry] = []
    problems: list[SyntaxProblem] = []
    entry_start, line_entry, year_field = (re.compile(_ENTRY_START), re.compile(_LINE_ENTRY),
                                           re.compile(_YEAR_FIELD))
    position = 0
    while True:
        match = entry_start.search(text, position)
        if match is None:
            break
        kind = match.group(1).lower()
        opener = match.group(2)
        start_line = _line_at(text, match.start())
        depth = 1
        index = match.end()
        end = None
        restart = None
        while index < len(text):
            char = text[index]
            if char == "\n":
                # A line starting a new entry while this one is still open: its brace never
                # closed (pandoc would point at the new entry, one entry too late).
                if kind not in _NOT_ENTRIES and line_entry.match(text, index + 1):
                    restart = index + 1
                    break
            elif char == "{":
                depth += 1
            elif char == "}":
                depth = max(depth - 1, 0)
                if depth == 0:
                    end = index
                    break
            elif char == ")" and opener == "(" and depth == 1:
                end = index
                break
            index += 1
        body = text[match.end():end if end is not None else (restart or len(text))]
        if kind not in _NOT_ENTRIES:
            key = body.split(",", 1)[0].strip()
            year_match = year_field.search("," + body)
            year = None
            if year_match is not None:
                year = next(g for g in year_match.groups() if g is not None).strip()
            if "," not in body or not key or any(c.isspace() for c in key):
                problems.append(SyntaxProblem(
                    start_line, key, f"the entry starting here (@{kind}) has no key.",
                    "Write a key and a comma after the brace, such as @book{smith2020, ..."))
            else:
                entries.append(RawEntry(key, kind, start_line, year))
            if end is None:
                what = f"the entry '{key}'" if key and "," in body else \
                    f"the @{kind} entry starting here"
                problems.append(SyntaxProblem(
                    start_line, key, f"{what} has a '{{' that is never closed, so it runs into "
                    "the next entry.", "Add the missing '}' (each field ends with '},' and the "
                    "entry with '}')."))
        if end is None:
            if restart is None:
                break
            position = restart
        else:
            position = end + 1
    return entries, problems


def _locate_csl(text: str, key: str) -> int | None:
    escaped = re.escape(key)
    patterns = (rf"\"id\"\s*:\s*\"{escaped}\"", rf"^\s*-?\s*id\s*:\s*['\"]?{escaped}['\"]?\s*$")
    for pattern in patterns:
        match = re.search(pattern, text, re.MULTILINE)
        if match is not None:
            return _line_at(text, match.start())
    return None


def read_bibliography(name: str, text: str, items: list[dict[str, Any]] | None,
                      pandoc_error: str | None) -> BibFile:
    """Check one bibliography file from its text and pandoc's reading of it (pure)."""
    bib = BibFile(name)
    is_bibtex = not name.lower().endswith((".json", ".yaml", ".yml"))
    raw: list[RawEntry] = []
    problems: list[SyntaxProblem] = []
    if is_bibtex:
        raw, problems = scan_bibtex(text)
    for problem in problems:
        bib.findings.append(error("bibliography.syntax", name, problem.line, problem.message,
                                  problem.hint))
    if items is None:
        bib.failed = True
        if not problems:
            match = re.search(_PANDOC_LINE, pandoc_error or "")
            detail = (pandoc_error or "").split("\n")
            useful = " ".join(line.strip() for line in detail[1:3] if line.strip())
            bib.findings.append(error(
                "bibliography.syntax", name, int(match.group(1)) if match else None,
                f"this bibliography cannot be read: {useful or 'pandoc could not read it'}.",
                "Look for a missing comma, quote or brace on this line or just above it."))
        bib.entries = [BibEntry(r.key, r.line, {"id": r.key}, r.kind, r.year).identified()
                       for r in raw]
        return bib
    lines: dict[str, list[RawEntry]] = {}
    for entry in raw:
        lines.setdefault(entry.key, []).append(entry)
    seen: dict[str, int] = {}
    for item in map(normal_item, items):
        key = str(item.get("id", ""))
        index = seen.get(key, 0)
        seen[key] = index + 1
        found = lines.get(key, [])
        if index < len(found):
            where: RawEntry | None = found[index]
        else:
            where = None
        line = where.line if where else _locate_csl(text, key)
        kind = where.kind if where else str(item.get("type", ""))
        bib.entries.append(BibEntry(key, line, item, kind,
                                    where.year if where else None).identified())
    bib.findings += _duplicates_in_file(bib) + _missing_fields(bib)
    bib.findings += field_findings(name, bib.entries)
    bib.findings += printing_problems(bib, text)
    return bib


def _duplicates_in_file(bib: BibFile) -> list[Finding]:
    out = []
    first: dict[str, BibEntry] = {}
    for entry in bib.entries:
        earlier = first.get(entry.key)
        if earlier is None:
            first[entry.key] = entry
            continue
        if earlier.item == entry.item:
            out.append(info("bibliography.duplicate-key", bib.name, entry.line,
                            f"the entry '{entry.key}' appears twice in this file (also on line "
                            f"{earlier.line}), identically.", "Delete one of them."))
        else:
            out.append(error("bibliography.duplicate-key", bib.name, entry.line,
                             f"the key '{entry.key}' is used twice in this file (also on line "
                             f"{earlier.line}) for different entries; citeproc uses only one "
                             "of them.", "Give one of them another key, and cite it by that "
                             "key."))
    return out


def _missing_fields(bib: BibFile) -> list[Finding]:
    out = []
    for entry in bib.entries:
        kind = entry.kind.lower()
        missing = []
        if not entry.title:
            missing.append("no title")
        if kind not in _NO_CREATOR and not (entry.item.get("author") or entry.item.get("editor")):
            missing.append("no author or editor")
        has_date = bool(entry.issued_year) or bool(entry.year)
        if kind not in _NO_DATE and not has_date:
            missing.append("no year or date")
        if missing:
            what = " and ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1
                                else missing)
            out.append(warning("bibliography.missing-field", bib.name, entry.line,
                               f"the entry '{entry.key}' (@{kind or 'entry'}) has {what}.",
                               "Add what is missing, so that the reference list can show it."))
        if entry.year is not None and not re.fullmatch(r"[0-9]{4}", entry.year):
            out.append(warning("bibliography.missing-field", bib.name, entry.line,
                               f"the entry '{entry.key}' has the year '{entry.year}', which is "
                               "not a year.", "Write a four-digit year (put words such as "
                               "'forthcoming' in the pubstate field)."))
    return out


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused: a big cached bibliography is decoded into
    thousands of dicts and lists, none in a cycle, over which it would run dozens of times."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_bibliography(path: Path, name: str, cache: Cache | None) -> BibFile:
    """Read and check one bibliography file, cached by its content."""
    from anthology.core.limits import bibliography_size_finding

    too_large = bibliography_size_finding(path, name)
    if too_large is not None:  # never handed to pandoc, nor read whole if too big
        return BibFile(name, findings=[too_large], failed=True)
    try:
        data = path.read_bytes()
    except OSError as exc:
        from anthology.core.config import unreadable

        return BibFile(name, findings=[unreadable(name, exc, "bibliography.unreadable")],
                       failed=True)
    key = digest("bibfile", FACTS_VERSION, __version__, pandoc_identity(), name, data)
    if cache is not None:
        with _collector_paused():
            cached = cache.get_json("bibfile", key)
            if isinstance(cached, dict):
                with contextlib.suppress(KeyError, TypeError, ValueError):  # damaged: a miss
                    return BibFile.from_json(cached)
    text = data.decode("utf-8", "replace")
    from anthology.core.errors import ToolError
    from anthology.engines.pandoc import bibliography_to_csl

    items: list[dict[str, Any]] | None
    try:
        items = bibliography_to_csl(path, name)
        problem = None
    except ToolError as exc:
        items, problem = None, exc.message.split("pandoc failed: ", 1)[-1]
    bib = read_bibliography(name, text, items, problem)
    if cache is not None:
        cache.put_json("bibfile", key, bib.to_json())
    return bib
