"""pydyf's `PDF.page_references`, kept until a page is added.

Replaces the property `PDF.page_references` of pydyf 0.13.0 (the SHA-256 of its source:
`SOURCE`). Installed only where the pydyf found is that version with that source; elsewhere
pydyf's own code runs.

pydyf rebuilds the tuple of every page's reference each time `page_references` is read, and
WeasyPrint's tagging reads it once per structure element (74,000 in a 563-page book), its
outline once per bookmark: quadratic in pages, a third of the tagged whole-book render. The
pages' list only grows (`add_page`), so the tuple is kept until it does: the same bytes out,
in linear time.

Gain, measured on 2026-12-07 at commit 1671940 with benchmarks/patches.py (the benchmark book at
4 chapters of 7,500 words, 2 cores shared with other work; CPU seconds, user + system, of the
build and all its processes; each build against the all-on builds of the same time; median of 3
runs cold, 3 release): turning it off costs the cold build +0.14 CPU-s (+0.8%) and the release
+0.48 CPU-s (+4.5%). The gain grows with the square of the pages: on the 20-chapter book
(commit b0530dc, one release, a quieter machine) turning it off cost 6.1 CPU-s (+17%).
"""

from __future__ import annotations

from typing import Any

from anthology.engines.weasyprint.upstream import written_against

VERSION = "0.13.0"
SOURCE = "060bf90aad55931bc24c3575a52af9478a89916aa307e5323142663841cb7798"


def install() -> bool:
    """Keep pydyf's page references if pydyf is the one this was written for (idempotent);
    whether it is installed."""
    import pydyf

    current = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(current, property):
        return False  # another pydyf
    if getattr(current.fget, "anthology_cache", False):
        return True
    if not written_against(getattr(pydyf, "__version__", None), VERSION, SOURCE, current.fget):
        return False

    def page_references(pdf: Any) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]
        cached = pdf.__dict__.get("_anthology_page_references")
        if cached is None or cached[0] is not kids or cached[1] != len(kids):
            references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
            cached = (kids, len(kids), references)
            pdf._anthology_page_references = cached
        return cached[2]  # type: ignore[no-any-return]

    page_references.anthology_cache = True  # type: ignore[attr-defined]
    page_references.anthology_original = current  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references)
    return True
