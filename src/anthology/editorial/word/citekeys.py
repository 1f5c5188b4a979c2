"""Citation keys a person can read and type, for works that arrive from Zotero or Mendeley.

Keys are made as Better BibTeX's legacy default made them: the first author's family name,
lower-case and folded to ASCII, then the year (`cahn2000`), with a, b, c... when the same name
and year would mean different works. A work the book already knows (the same DOI, or the same
title and year, in any of the book's bibliographies) keeps the key it has there, so importing
the same chapter twice gives the same keys. Pure: no files.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from anthology.chapters.bibentries import BibEntry

# Words skipped when a title has to stand in for a missing author.
_FUNCTION_WORDS = frozenset({"a", "an", "the", "of", "on", "in", "and", "for", "to", "la", "le",
                             "les", "el", "der", "die", "das"})


def ascii_fold(text: str) -> str:
    """Lower-case letters and digits only, accents dropped (`Ñúñez` -> `nunez`)."""
    # Letters that do not decompose into a base letter and an accent.
    folded = text.casefold().replace("æ", "ae").replace("ø", "o").replace("ł", "l") \
        .replace("đ", "d").replace("œ", "oe").replace("þ", "th")
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if c in string.ascii_lowercase + "0123456789")


def _year(item: dict[str, Any]) -> str:
    issued = item.get("issued")
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            year = str(parts[0][0]).strip()
            if year.lstrip("-").isdigit():
                return year.lstrip("-")
        raw = str(issued.get("raw") or issued.get("literal") or "")
        match = re.search(r"\d{4}", raw)
        if match:
            return match.group(0)
    return "nd"


def _name(item: dict[str, Any]) -> str:
    for role in ("author", "editor", "translator", "container-author"):
        people = item.get(role)
        if isinstance(people, list) and people and isinstance(people[0], dict):
            first = people[0]
            family = str(first.get("family") or "")
            if not family:  # an organisation, or a name given in one piece
                family = (str(first.get("literal") or first.get("given") or "").split()
                          or [""])[0]
            folded = ascii_fold(family)
            if folded:
                return folded
    words = [ascii_fold(w) for w in str(item.get("title") or "").split()]
    words = [w for w in words if w and w not in _FUNCTION_WORDS]
    return words[0] if words else "anon"


def base_key(item: dict[str, Any]) -> str:
    """`cahn2000`: first author's family name (else editor, else the title's first word) and
    the year (`nd` without one)."""
    return _name(item) + _year(item)


def normal_item(item: dict[str, Any]) -> dict[str, Any]:
    """A CSL JSON item as the book keeps it: date parts as numbers, no tool's own id."""
    out = {k: v for k, v in item.items() if k not in ("id", "citation-key")}
    for key, value in out.items():
        if isinstance(value, dict) and isinstance(value.get("date-parts"), list):
            out[key] = {**value, "date-parts": [
                [int(p) if isinstance(p, str) and p.lstrip("-").isdigit() else p for p in part]
                for part in value["date-parts"] if isinstance(part, list)]}
    return out


def identity(item: dict[str, Any]) -> tuple[tuple[str, ...], ...]:
    """What identifies a work: its DOI, its title and year; else all of its data."""
    works = BibEntry("", None, normal_item(item)).works()
    return tuple(works) or (("data", json.dumps(item, sort_keys=True)),)


@dataclass(frozen=True)
class Known:
    """A work some bibliography of the book has, under `key`; `book_wide` when every chapter
    sees it (a chapter citing it needs no copy in its own bibliography)."""

    key: str
    works: tuple[tuple[str, ...], ...]
    book_wide: bool


def assign_keys(items: Sequence[dict[str, Any]], known: Iterable[Known]
                ) -> list[tuple[str, bool]]:
    """A key for each item (in order), and whether the book already has the work in a
    bibliography every chapter sees. Items that are the same work get the same key."""
    known = list(known)
    by_work: dict[tuple[str, ...], Known] = {}
    for entry in known:
        for work in entry.works:
            if work not in by_work or (entry.book_wide and not by_work[work].book_wide):
                by_work[work] = entry
    taken = {entry.key for entry in known}
    given: dict[tuple[tuple[str, ...], ...], tuple[str, bool]] = {}
    out: list[tuple[str, bool]] = []
    for item in items:
        works = identity(item)
        same = next((v for w, v in given.items() if set(w) & set(works)), None)
        if same is None:
            match = next((by_work[w] for w in works if w in by_work), None)
            if match is not None:
                same = (match.key, match.book_wide)
            else:
                same = (_free(base_key(item), taken), False)
            taken.add(same[0])
            given[works] = same
        out.append(same)
    return out


def _free(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    for suffix in string.ascii_lowercase:
        if base + suffix not in taken:
            return base + suffix
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
