"""The index's entries from the book's marks: sorted as a press sorts, pages merged into
ranges, cross-references gathered. Pure: no files, no layout.

Sorting is letter by letter: spaces, hyphens and punctuation are ignored up to the first
comma (so "Newark" comes before "New York", and "Goffman, Erving" sorts by "goffman" then
"erving"); case and accents are folded (NFKD, combining marks dropped); "Mc" is sorted as
written, not as "Mac".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from anthology.chapters.index_marks import Mark


def folded(text: str) -> str:
    """The text with case and accents folded: 'Émile' -> 'emile'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sort_key(term: str) -> tuple[tuple[str, ...], str]:
    """Letter-by-letter sort key of a heading (ties broken by the heading as written)."""
    parts = folded(term).split(",", 1)
    return tuple("".join(c for c in part if c.isalnum()) for part in parts), term


@dataclass(frozen=True)
class Place:
    """Where a mark is: its chapter, its anchor (the id in the book), and the printed page
    when known (the PDF), else None (the EPUB)."""

    chapter: int
    anchor: str
    page: int | None = None


@dataclass
class Locator:
    """One locator of an entry: from `first` to `last` (the same place for a single mark)."""

    first: Place
    last: Place

    @property
    def pages(self) -> str:
        """'12' or '12–14' (an en dash)."""
        if self.first.page is None or self.last.page is None \
                or self.last.page <= self.first.page:
            return str(self.first.page)
        return f"{self.first.page}\u2013{self.last.page}"


@dataclass
class Entry:
    """One heading of the index, its locators, cross-references and sub-entries."""

    term: str
    locators: list[Locator] = field(default_factory=list)
    see: list[str] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)
    subs: list[Entry] = field(default_factory=list)


def merge_pages(locators: Iterable[Locator]) -> list[Locator]:
    """Locators in page order, those on the same or following pages made one range:
    pages 12, 13, 14 and 13–16 give 12–16."""
    ordered = sorted(locators, key=lambda loc: (loc.first.page or 0, loc.last.page or 0))
    merged: list[Locator] = []
    for loc in ordered:
        if merged and loc.first.page is not None and merged[-1].last.page is not None \
                and loc.first.page <= merged[-1].last.page + 1:
            if (loc.last.page or 0) > (merged[-1].last.page or 0):
                merged[-1] = Locator(merged[-1].first, loc.last)
            continue
        merged.append(Locator(loc.first, loc.last))
    return merged


def term_text(term: Sequence[str]) -> str:
    """A term path as written in a mark: 'co-production!in commissioning'."""
    return "!".join(term)


def build_entries(marks: Iterable[tuple[Mark, Place]], *,
                  merge: Callable[[Iterable[Locator]], list[Locator]] | None = merge_pages
                  ) -> list[Entry]:
    """The index's entries, sorted, from each mark and its place. A range runs from an
    `index-start` mark to the next `index-end` mark of the same term (an unclosed start is a
    single place). With `merge` None (the EPUB, which has no pages), locators stay in book
    order, one per mark."""
    root: dict[str, tuple[Entry, dict[str, object]]] = {}
    open_ranges: dict[tuple[str, ...], list[Place]] = {}

    def entry_of(term: Sequence[str]) -> Entry:
        level = root
        entry: Entry | None = None
        for part in term:
            if part not in level:
                level[part] = (Entry(part), {})
            entry, children = level[part]
            level = children  # type: ignore[assignment]
        assert entry is not None
        return entry

    for mark, place in marks:
        entry = entry_of(mark.term)
        if mark.kind == "page":
            entry.locators.append(Locator(place, place))
        elif mark.kind == "start":
            open_ranges.setdefault(mark.term, []).append(place)
        elif mark.kind == "end":
            starts = open_ranges.get(mark.term)
            first = starts.pop() if starts else place
            entry.locators.append(Locator(first, place))
        elif mark.kind == "see":
            entry.see.append(", ".join(mark.target))
        elif mark.kind == "see-also":
            entry.see_also.append(", ".join(mark.target))
    for term, starts in open_ranges.items():
        for place in starts:
            entry_of(term).locators.append(Locator(place, place))

    def finish(level: dict[str, tuple[Entry, dict[str, object]]]) -> list[Entry]:
        out = []
        for name in sorted(level, key=sort_key):
            entry, children = level[name]
            if merge is not None:
                entry.locators = merge(entry.locators)
            entry.see = sorted(dict.fromkeys(entry.see), key=sort_key)
            entry.see_also = sorted(dict.fromkeys(entry.see_also), key=sort_key)
            entry.subs = finish(children)  # type: ignore[arg-type]
            out.append(entry)
        return out

    return finish(root)


def first_letter(term: str) -> str:
    """The letter group a heading is listed under ('É' under 'E'; digits and symbols '#')."""
    for char in folded(term):
        if char.isalpha():
            return char.upper()
        if char.isdigit():
            return "#"
    return "#"


def groups(entries: Sequence[Entry]) -> list[tuple[str, list[Entry]]]:
    """Entries grouped by first letter, in order."""
    out: list[tuple[str, list[Entry]]] = []
    for entry in entries:
        letter = first_letter(entry.term)
        if not out or out[-1][0] != letter:
            out.append((letter, []))
        out[-1][1].append(entry)
    return out
