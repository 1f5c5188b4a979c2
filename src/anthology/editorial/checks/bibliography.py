"""Bibliographies compared: the same key in two files a chapter sees, one work under two keys,
and a key meaning different works in different chapters' own bibliographies.

Each file is read (and what it holds on its own checked) by chapters/bibliography.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from anthology.chapters.bibentries import BibEntry, BibFile
from anthology.core.findings import Finding, error, info, warning


def _place(bib: BibFile, entry: BibEntry) -> str:
    return f"{bib.name}:{entry.line}" if entry.line else bib.name


def duplicate_keys(files: Sequence[BibFile], chapter: str | None) -> list[Finding]:
    """The same key in two of the bibliographies one chapter can see."""
    out = []
    for index, later in enumerate(files):
        for earlier in files[:index]:
            for key in sorted(later.keys() & earlier.keys()):
                a, b = earlier.first(key), later.first(key)
                assert a is not None and b is not None
                if a.item == b.item:
                    out.append(info("bibliography.duplicate-key", later.name, b.line,
                                    f"'{key}' is also in {_place(earlier, a)}, identically.",
                                    "Keep one of them.", chapter=chapter))
                else:
                    out.append(error("bibliography.duplicate-key", later.name, b.line,
                                     f"'{key}' is also in {_place(earlier, a)}, as a different "
                                     "entry; the chapter would cite only one of them.",
                                     "Give one of them another key, or delete the one that is "
                                     "wrong.", chapter=chapter))
    return out


def duplicate_works(files: Sequence[BibFile], chapter: str | None) -> list[Finding]:
    """One work under two keys (same DOI, or same title and year)."""
    out = []
    seen: dict[tuple[str, ...], tuple[BibFile, BibEntry]] = {}
    for bib in files:
        for entry in bib.entries:
            match = None
            for work in entry.works():
                earlier = seen.setdefault(work, (bib, entry))
                if match is None and earlier[1].key != entry.key:
                    match = (work, earlier)
            if match is not None:
                work, earlier = match
                how = "the same DOI" if work[0] == "doi" else "the same title and year"
                out.append(warning("bibliography.duplicate-work", bib.name, entry.line,
                                   f"'{entry.key}' and '{earlier[1].key}' "
                                   f"({_place(*earlier)}) look like the same work ({how}).",
                                   "Keep one key and cite it everywhere, or correct the entry "
                                   "if they are different works.", chapter=chapter))
    return out


def key_conflicts(own: Iterable[tuple[str, BibFile]]) -> list[Finding]:
    """The same key meaning different works in different chapters' own bibliographies (an
    error), or one work with different details (a warning: see checks/variants.py)."""
    from anthology.editorial.checks.variants import differing_fields, one_work

    out = []
    first: dict[str, tuple[str, BibFile, BibEntry]] = {}
    done: set[tuple[str, str]] = set()
    for chapter, bib in own:
        for entry in bib.entries:
            earlier = first.get(entry.key)
            if earlier is None:
                first[entry.key] = (chapter, bib, entry)
                continue
            other_chapter, other_bib, other = earlier
            if other_bib.name == bib.name or other.item == entry.item:
                continue
            if (bib.name, entry.key) in done:
                continue
            done.add((bib.name, entry.key))
            if one_work(other, entry):
                fields = differing_fields(other.item, entry.item)
                out.append(warning(
                    "bibliography.key-variant", bib.name, entry.line,
                    f"'{entry.key}' is the same work here as in {_place(other_bib, other)} "
                    f"(chapter '{other_chapter}'), with a different {_listed(fields)}.",
                    "Each chapter prints its own entry; copy the better one into both "
                    "bibliographies if the book should cite the work one way.", chapter=chapter))
                continue
            out.append(error("bibliography.key-conflict", bib.name, entry.line,
                             f"'{entry.key}' means a different work here than in "
                             f"{_place(other_bib, other)} (chapter '{other_chapter}'); a merged "
                             "bibliography would cite the wrong one.",
                             "Give one of the two works another key, and cite it by that key.",
                             chapter=chapter))
    return out


def _listed(names: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] \
        if names else "details"
