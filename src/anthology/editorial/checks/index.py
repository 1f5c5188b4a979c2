"""The book's index marks: terms that are probably one entry written two ways
(`index.variant`), and "see" references to terms with no entry (`index.see-missing`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from anthology.chapters.index_entries import folded
from anthology.chapters.index_marks import Mark, term_text
from anthology.core.findings import Finding, warning

# (file, chapter id, the chapter's marks as Mark.as_json keeps them)
Marked = tuple[str, str, Sequence[list[Any]]]


def variant_key(term: str) -> str:
    """What two spellings of one entry share: case, accents, a leading "the", a plural,
    spaces and hyphens folded."""
    text = re.sub(r"^the\s+", "", folded(term).strip())
    # Other punctuation is kept: "." and ".." are two entries, and so are "C" and "C++".
    words = [word for word in re.split(r"[\s\-\u2010\u2013]+", text) if word]
    if words and len(words[-1]) > 3 and words[-1].endswith("s") \
            and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-3] + "y" if words[-1].endswith("ies") else words[-1][:-1]
    return "".join(words)


def check_index(chapters: Sequence[Marked], *, complete: bool = True) -> list[Finding]:
    """Findings about the index marks of the chapters checked (see-missing only for the
    whole book: a term may be marked in a chapter not checked)."""
    marks = [(file, chapter, Mark.from_json(item)) for file, chapter, items in chapters
             for item in items]
    findings = _variants(marks)
    if complete:
        findings += _missing(marks)
    return findings


def _variants(marks: Sequence[tuple[str, str, Mark]]) -> list[Finding]:
    spellings: dict[tuple[str, ...], dict[str, list[tuple[str, str, Mark]]]] = {}
    for file, chapter, mark in marks:
        for term in (mark.term, mark.target) if mark.target else (mark.term,):
            key = tuple(variant_key(part) for part in term)
            spellings.setdefault(key, {}).setdefault(term_text(term), []).append(
                (file, chapter, mark))
    findings = []
    for written in spellings.values():
        if len(written) < 2:
            continue
        usual = max(written, key=lambda t: len(written[t]))  # first of the most used
        for spelled, places in written.items():
            if spelled == usual:
                continue
            file, chapter, mark = places[0]
            where = written[usual][0]
            findings.append(warning(
                "index.variant", file, mark.line,
                f"the index term '{spelled}' is probably the same entry as '{usual}' "
                f"({where[0]}:{where[2].line}): they differ only in case, accents, a plural "
                "or a leading 'the'.",
                f'Mark both with one spelling, for example [{spelled}]{{index="{usual}"}}.',
                chapter=chapter))
    return findings


def _missing(marks: Sequence[tuple[str, str, Mark]]) -> list[Finding]:
    entered = {mark.term[:length] for _, _, mark in marks for length in range(
        1, len(mark.term) + 1)}
    findings = []
    for file, chapter, mark in marks:
        if mark.kind in ("see", "see-also") and mark.target not in entered:
            what = "see" if mark.kind == "see" else "see also"
            findings.append(warning(
                "index.see-missing", file, mark.line,
                f"the index says '{term_text(mark.term)}', {what} '{term_text(mark.target)}', "
                "but no mark in the book indexes that term.",
                f"Mark '{term_text(mark.target)}' where the book discusses it "
                f"([{term_text(mark.target)}]{{.index}}), or point to a term that is marked.",
                chapter=chapter))
    return findings
