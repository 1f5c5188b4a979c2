"""How much a contributor's file may make the build chew, checked before the expensive work.

A chapter and its bibliography come from outside. A bibliography over the limits below is not
handed to pandoc at all (its size is read from the file system, its entries counted with one
pattern over the bytes); a chapter's notes are counted before pandoc reads it, and its AST is
measured on pandoc's JSON before it is decoded, sanitized, cited or laid out. The limits leave
generous room for a real long chapter: one of about 40,000 words (100 printed pages) has some
72,000 elements, a few hundred notes at most and a few dozen tables.
"""

from __future__ import annotations

import re
from pathlib import Path

from anthology.core.findings import Finding, error

MAX_BIBLIOGRAPHY_BYTES = 5_000_000
MAX_BIBLIOGRAPHY_ENTRIES = 20_000
MAX_NOTES = 2_000
MAX_TABLES = 500
# Table cells lay out into more pages per element than prose: 10,000 cells in two columns are
# some 160 pages, well within a worker's memory and time caps.
MAX_TABLE_CELLS = 10_000
# About 140,000 words, three and a half times a 100-page chapter.
MAX_ELEMENTS = 250_000

# Entries by what starts them: `@type{` at the start of a line in BibTeX (@string, @preamble
# and @comment are not entries), an "id" key in CSL JSON, an `id:` key in CSL YAML.
_BIBTEX_ENTRY = re.compile(rb"(?mi)^[ \t]*@[ \t]*(?!(?:string|preamble|comment)\b)[a-z]")
_JSON_ENTRY = re.compile(rb'"id"[ \t\r\n]*:')
_YAML_ENTRY = re.compile(rb"(?m)^[ \t]*(?:-[ \t]+)?id[ \t]*:")
_BIB_HINT = ("Keep only the works the book cites, or split the file; a chapter's bibliography "
             "rarely needs more than a few hundred entries.")


def count_entries(data: bytes, name: str) -> int:
    """How many entries a bibliography file holds, counted without parsing it."""
    suffix = Path(name).suffix.lower()
    pattern = {".json": _JSON_ENTRY, ".yaml": _YAML_ENTRY, ".yml": _YAML_ENTRY}.get(
        suffix, _BIBTEX_ENTRY)
    return sum(1 for _ in pattern.finditer(data))


def bibliography_size_finding(path: Path, name: str) -> Finding | None:
    """`bibliography.too-large` when the file at `path` is over the limits, else None.

    The size comes from the file system, so a huge file is never read; the entries of one
    within the size limit are counted on its bytes.
    """
    try:
        size = path.stat().st_size
    except OSError:
        return None  # reported by whoever reads it
    if size > MAX_BIBLIOGRAPHY_BYTES:
        return error("bibliography.too-large", name, None,
                     f"is {size / 1_000_000:.1f} MB, more than the "
                     f"{MAX_BIBLIOGRAPHY_BYTES // 1_000_000} MB a bibliography may be; "
                     "anthology did not read it, so nothing can be cited from it.", _BIB_HINT)
    try:
        count = count_entries(path.read_bytes(), name)
    except OSError:
        return None
    if count > MAX_BIBLIOGRAPHY_ENTRIES:
        return error("bibliography.too-large", name, None,
                     f"has {count:,} entries, more than the {MAX_BIBLIOGRAPHY_ENTRIES:,} a "
                     "bibliography may have; anthology did not read it, so nothing can be "
                     "cited from it.", _BIB_HINT)
    return None


def measure_chapter(data: bytes) -> tuple[int, int, int, int]:
    """(elements, notes, tables, table cells) in a chapter's AST as pandoc's JSON, counted on
    its bytes.

    pandoc writes each element as `{"t":"Kind",...}` with no spaces (a cell as its alignment,
    row span and column span: `{"t":"AlignDefault"},1,1,`), and a quote inside text is
    escaped, so these counts are exact, and a hostile chapter is measured without decoding it.
    """
    return (data.count(b'"t":'), data.count(b'"t":"Note"'), data.count(b'"t":"Table"'),
            sum(1 for _ in _CELL.finditer(data)))


_CELL = re.compile(rb'\{"t":"Align(?:Default|Left|Right|Center)"\},\d+,\d+,')


def chapter_size_finding(data: bytes, name: str, chapter: str | None) -> Finding | None:
    """`manuscript.too-large` when a chapter's AST (pandoc's JSON) holds more notes, tables or
    elements than a chapter may, else None."""
    elements, notes, tables, cells = measure_chapter(data)
    if notes > MAX_NOTES:
        what = _too_many_notes(notes)
    elif tables > MAX_TABLES:
        what = f"{tables:,} tables, more than the {MAX_TABLES:,} a chapter may have"
    elif cells > MAX_TABLE_CELLS:
        what = (f"{cells:,} table cells, more than the {MAX_TABLE_CELLS:,} a chapter may have "
                "(some 160 pages of a two-column table)")
    elif elements > MAX_ELEMENTS:
        what = (f"{elements:,} pieces of text and markup (words, spaces, notes, emphasis...), "
                f"more than the {MAX_ELEMENTS:,} a chapter may have (about 350 pages)")
    else:
        return None
    return _chapter_too_large(name, None, what, chapter)


def capped_finding(name: str, reason: str, chapter: str | None) -> Finding:
    """`manuscript.too-large` for a chapter whose parse hit pandoc's memory or time cap."""
    return _chapter_too_large(name, None, f"more than pandoc can read: {reason}", chapter,
                              verb="is")


def note_definitions_finding(body: str, first_line: int, name: str,
                             chapter: str | None) -> Finding | None:
    """`manuscript.too-large` when the body defines more notes (`[^label]: ...` lines) than a
    chapter may have, found before pandoc reads it (pandoc's time and memory grow with each
    note), at the line of the first beyond the limit."""
    if body.count("[^") <= MAX_NOTES:
        return None
    starts = [match.start() for match in _NOTE_DEFINITION.finditer(body)]
    if len(starts) <= MAX_NOTES:
        return None
    line = first_line + body.count("\n", 0, starts[MAX_NOTES])
    return _chapter_too_large(name, line, f"{_too_many_notes(len(starts))} (the first "
                              "beyond the limit is defined here)", chapter)


_NOTE_DEFINITION = re.compile(r"(?m)^ {0,3}\[\^[^\]\s]+\]:")


def _too_many_notes(notes: int) -> str:
    return f"{notes:,} notes, more than the {MAX_NOTES:,} a chapter may have"


def _chapter_too_large(name: str, line: int | None, what: str, chapter: str | None,
                       verb: str = "has") -> Finding:
    return error("manuscript.too-large", name, line,
                 f"{verb} {what}; it was not checked further, and a build leaves it out.",
                 "Check that this is the chapter text; split very long material into several "
                 "chapters.", chapter=chapter)
