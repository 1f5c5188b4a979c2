"""Whether a book's own CSS needs the whole book laid out as one document.

The everyday PDF lays each chapter out on its own and joins them (outputs/book/merge.py); page
numbers and named strings (`string-set`) are carried from one piece into the next. Some
things in a book's own CSS cannot be, and would make the pieces differ from one document:

- running elements (`position: running(name)`, shown by `element(name)`): boxes, which cannot
  be handed from one process to another;
- `target-counter()`, `target-counters()` and `target-text()`: a piece does not hold the
  targets in other chapters, and its own page counter starts at 1;
- `counter(pages)`: the book's page count is known only once the last piece is laid out;
  and `counter(page)` in the text (not in a margin box, where the folio is carried);
- counters that run through the whole book: incremented or set, and reset nowhere but on
  the root (`html`, `:root`, `body`), so that one document numbers on from chapter to chapter
  where each piece would start again; and `@page :nth(An+B)`, which counts the book's pages
  (`:nth(1 of chapter)`, a named page group's, is the same in a piece);
- page breaks other than to a recto (`break-before: page`, `left`, `auto`...): each piece is
  laid out from a recto and a blank verso put before it where needed, as anthology's CSS
  begins every chapter and part title; a book's own break values might begin one on a verso
  or run two together. Read on any element (a heading's break is taken too, to be safe).

`@page :first` is carried: only the part that opens the book (the front matter) has a first
page (engines/weasyprint/render.py).

A book whose CSS has any of these gets its everyday PDF as one untagged whole-book render
(`write.write_whole`), slower but the same pages. anthology's own templates use none of them
for the body (the contents' page numbers come from the pipeline), so only the book's own CSS
file is read for the last two; a book's own templates are read for running elements too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anthology.core.files import relative_name
from anthology.core.model import Book

_RUNNING = re.compile(r"position\s*:\s*running\s*\(", re.IGNORECASE)
_TARGET = re.compile(r"\btarget-(?:counters?|text)\s*\(", re.IGNORECASE)
_PAGES = re.compile(r"\bcounters?\s*\(\s*pages\b", re.IGNORECASE)
# The files of a book's own templates that can hold CSS (its images and fonts are not read).
_TEMPLATE_TEXT = {".css", ".html", ".htm", ".xhtml", ".j2", ".jinja", ".jinja2"}
_ROOTS = {"html", ":root", "body", "html body", "html > body"}
_PAGE_COUNTERS = {"page", "pages"}  # WeasyPrint's, kept per page by the pipeline


@dataclass(frozen=True)
class Reason:
    """What in which file makes the book one document."""

    file: str
    line: int
    what: str


def reason(book: Book) -> Reason | None:
    """The first thing in the book's own CSS or templates that needs one document, if any."""
    css = book.root / (book.config.build.css or "styles/book.css")
    if css.is_file():
        text = _read(css)
        found = (_first(text, _RUNNING, "running elements")
                 or _first(text, _TARGET, "target-counter() or target-text()")
                 or _first(text, _PAGES, "counter(pages), the book's page count")
                 or _css_reason(text))
        if found is not None:
            return Reason(relative_name(book.root, css), *found)
    templates = book.root / "templates" / "book"
    if templates.is_dir():
        for path in sorted(p for p in templates.rglob("*")
                           if p.suffix.lower() in _TEMPLATE_TEXT and p.is_file()):
            found = _first(_read(path), _RUNNING, "running elements")
            if found is not None:
                return Reason(relative_name(book.root, path), *found)
    return None


_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)


def _read(path: Path) -> str:
    """The file's text, its CSS comments blanked (their lines kept, for the line numbers)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _first(text: str, pattern: re.Pattern[str], what: str) -> tuple[int, str] | None:
    match = pattern.search(text)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1, what


_BREAKS = {"break-before", "break-after", "page-break-before", "page-break-after"}
# Each piece begins on a recto, as anthology's CSS has chapters and part titles begin: these
# values, on whatever element they fall, may give or take away a break between two of them
# (right, recto and the avoids cannot).
_MOVING_BREAKS = {"auto", "left", "verso", "page", "always", "column"}
_PAGE_NTH = re.compile(r":nth\(([^)]*)\)", re.IGNORECASE)
_OF = re.compile(r"\bof\b", re.IGNORECASE)


def _shows_page_number(tokens: list[Any]) -> bool:
    """Whether the value calls counter(page) or counters(page, ...)."""
    for token in tokens:
        if token.type != "function":
            continue
        arguments = [t for t in token.arguments if t.type not in ("whitespace", "comment")]
        if (token.lower_name in ("counter", "counters") and arguments
                and arguments[0].type == "ident" and arguments[0].lower_value == "page"):
            return True
        if _shows_page_number(token.arguments):
            return True
    return False


def _css_reason(text: str) -> tuple[int, str] | None:
    """(line, what) of the first thing in the CSS, read rule by rule, that a piece cannot
    carry: an `@page :nth()` that counts the book's pages (not a named page group's),
    `counter(page)` outside a margin box, a page break other than to a recto, or else the
    first counter incremented or set that only the root resets."""
    import tinycss2

    changed: dict[str, int] = {}  # counter -> line where it is first incremented or set
    scoped: set[str] = set()  # counters reset by an element other than the root
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "page":
            for nth in _PAGE_NTH.finditer(tinycss2.serialize(rule.prelude)):
                if not _OF.search(nth.group(1)):
                    return rule.source_line, "@page :nth() counted from the book's first page"
        if rule.type != "qualified-rule":
            continue  # @page, @media...: @page counters are the page's own
        selector = " ".join(tinycss2.serialize(rule.prelude).split()).lower()
        for declaration in tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                           skip_whitespace=True):
            if declaration.type != "declaration":
                continue
            names = [token.lower_value for token in declaration.value
                     if token.type == "ident" and token.lower_value != "none"]
            if _shows_page_number(declaration.value):
                return declaration.source_line, (
                    "counter(page) outside a margin box, which a chapter laid out on its own "
                    "counts from 1")
            if declaration.lower_name in _BREAKS:
                moved = [name for name in names if name in _MOVING_BREAKS]
                if moved:
                    return declaration.source_line, (
                        f"{declaration.lower_name}: {moved[0]}, which may change the page a "
                        "chapter begins on")
            if declaration.lower_name in ("counter-increment", "counter-set"):
                for name in names:
                    changed.setdefault(name, declaration.source_line)
            elif declaration.lower_name == "counter-reset" and selector not in _ROOTS:
                scoped.update(names)
    for name, line in sorted(changed.items(), key=lambda item: item[1]):
        if name not in scoped and name not in _PAGE_COUNTERS:
            return line, f"the counter '{name}', which runs through the whole book"
    return None
