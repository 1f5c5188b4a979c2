"""Facing pages that end on the same line: the measure of a book PDF's spreads.

A spread is a verso (even folio) and the recto facing it (the next, odd folio). Only pages
inside a chapter's run count: a chapter's opening page (no running head), its last page (the
text stops where it stops), part titles and blank pages are left out. A page ends on the
baseline of its last line of text inside the type area: body text, or the last footnote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Baselines this close (points) are one line: a superscript, a run set a hair off.
SAME_LINE = 0.5


@dataclass(frozen=True)
class PageEnd:
    """Where one page of a PDF ends: its label, whether it has a running head (text in the
    top margin) and the baseline of its last line in the type area, in points from the top
    of the page (None on a page with no text there)."""

    index: int
    label: str
    headed: bool
    last: float | None


@dataclass(frozen=True)
class Spread:
    """Two facing pages of a chapter's run and where each ends (points from the top)."""

    verso: str
    recto: str
    verso_last: float
    recto_last: float

    def apart(self, leading: float) -> float:
        """How many lines of `leading` points apart the two pages end."""
        return abs(self.verso_last - self.recto_last) / leading


_LEADING = re.compile(r"(?s)\bhtml\s*\{([^}]*)\}")


def book_leading(css: str) -> float:
    """The body text's leading in points, from the `html` rule of a stylesheet (its
    font-size in pt times its unitless line-height)."""
    rule = _LEADING.search(css)
    size = re.search(r"font-size:\s*([0-9.]+)pt", rule[1]) if rule else None
    height = re.search(r"line-height:\s*([0-9.]+)\s*[;}]", rule[1] + ";") if rule else None
    if size is None or height is None:
        raise ValueError("the stylesheet's html rule sets no font-size in pt and "
                         "unitless line-height")
    return float(size[1]) * float(height[1])


def page_ends(pdf: Path, top: float, bottom: float) -> list[PageEnd]:
    """Where each page of `pdf` ends, its page margins being `top` and `bottom` points."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    labels = reader.page_labels
    ends = []
    for index, page in enumerate(reader.pages):
        height = float(page.mediabox.height)
        baselines: list[float] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float,
                  into: list[float] = baselines, height: float = height) -> None:
            if text.strip():
                # The text matrix times the current matrix: y is measured from the foot.
                y = float(tm[4]) * float(cm[1]) + float(tm[5]) * float(cm[3]) + float(cm[5])
                into.append(height - y)

        page.extract_text(visitor_text=visit)
        inside = [y for y in baselines if top <= y <= height - bottom]
        ends.append(PageEnd(index, labels[index] if index < len(labels) else str(index + 1),
                            any(y < top for y in baselines), max(inside, default=None)))
    return ends


def spreads(ends: list[PageEnd]) -> list[Spread]:
    """The spreads of a chapter's run among `ends`: a verso with an even arabic folio and
    the recto after it, both with a running head and followed by a page with one (neither
    opens nor ends its chapter)."""
    found = []
    for at, verso in enumerate(ends[:-2]):
        recto, following = ends[at + 1], ends[at + 2]
        if not (verso.label.isdigit() and int(verso.label) % 2 == 0):
            continue
        if not (verso.headed and recto.headed and following.headed):
            continue
        if verso.last is None or recto.last is None:
            continue
        found.append(Spread(verso.label, recto.label, verso.last, recto.last))
    return found


def measure(pdf: Path, top: float, bottom: float) -> list[Spread]:
    """The spreads of a book PDF whose page margins are `top` and `bottom` points."""
    return spreads(page_ends(pdf, top, bottom))


def uneven(found: list[Spread], leading: float) -> list[Spread]:
    """The spreads whose pages end more than a line of `leading` points apart."""
    return [s for s in found if abs(s.verso_last - s.recto_last) > leading + SAME_LINE]
