"""The print edition's pages in the EPUB: a page-break marker where each page of the book PDF
begins, for the EPUB's page list (readers and screen readers can go to "page 17" as cited).

Where a page begins is found from its text: the PDF's text, page by page (poppler's pdftotext
when the machine has it, else pypdf), is matched against the words of the EPUB's files in
reading order. A chapter or part that opens a page has its marker at its start; another page's
marker goes before the first word of its first line that is found, in order, a little further
on in the same chapter (the running head, which is not in the EPUB, is passed over, and a word
hyphenated across two pages is taken whole). Words are compared letters and digits only, so
hyphenation, quotation marks and note calls do not stop a match. A blank page has no marker, nor
has a page whose text cannot be found (the count is reported).
"""

from __future__ import annotations

import bisect
import difflib
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

from anthology.core.errors import ToolError
from anthology.core.model import Book

# Words compared to find where a page begins, and how many must agree.
WINDOW = 8
AGREE = 6
# Words that, following exactly, prefer a place a little further on (NEARBY words at most).
EXACT = 4
NEARBY = 40
# How far on (in words) a page's beginning is looked for: some pages.
SEARCHED = 6000
# Lines of a page tried as its first (the first may be a running head).
FIRST_LINES = 4
_ANCHOR = re.compile(r"^(chapter|part)-\d+$")
INDEX_ID = "book-index"  # the print index's anchor (index/pdf.py)
_PIECE = re.compile(r"<[^>]*>|[^<]+")
_WORD = re.compile(r"\S+")
_OPEN = re.compile(r"<([A-Za-z][\w:-]*)")
_CHAR = re.compile(r"&[#\w]+;|.", re.S)
# Elements inside a word: what a line of text is made of (a word may run across them).
_INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i",
                     "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
                     "time", "u", "var"})
# What the print page's text never starts in: notes and their calls (at the foot of the page,
# and numbers in the text), and maths and drawings (not words).
_SKIP = re.compile(r'<(?:math|svg)\b|<aside\b|class="footnote-ref"|epub:type="footnotes"')


@dataclass
class PrintPages:
    """The book PDF's pages: each page's label (its folio), its text, and the page where each
    chapter and part opens."""

    labels: list[str]
    texts: list[str]
    openings: dict[str, int] = field(default_factory=dict)


def _texts(pdf: Path, count: int) -> list[str]:
    """Each page's text: pdftotext (fast) if installed, else pypdf."""
    tool = shutil.which("pdftotext")
    if tool is not None:
        done = subprocess.run([tool, "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                              timeout=300, check=False)
        if done.returncode == 0:
            pages = done.stdout.decode("utf-8", "replace").split("\f")
            if len(pages) >= count:
                return pages[:count]
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(pdf).pages[:count]]


def read_print_pages(pdf: Path) -> PrintPages | None:
    """The pages of the book PDF, or None when it has no page labels (made before anthology
    labelled its pages: build the PDF again)."""
    from pypdf import PdfReader

    try:
        reader: Any = PdfReader(pdf)
        if "/PageLabels" not in reader.trailer["/Root"]:
            return None
        labels = list(reader.page_labels)
        destinations = reader.named_destinations
        openings = {str(name): int(reader.get_destination_page_number(target))
                    for name, target in destinations.items() if _ANCHOR.match(str(name))}
        # The print index's pages are not the EPUB's text (the EPUB has an index of its own,
        # whose locators are links): the print pages the EPUB marks end where it begins.
        index = destinations.get(INDEX_ID) or destinations.get(f"/{INDEX_ID}")
        if index is not None:
            labels = labels[:int(reader.get_destination_page_number(index))]
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise ToolError(f"{pdf.name}: cannot read the book PDF for the EPUB's page list "
                        f"({exc}). Build it again with `anthology build`.") from None
    return PrintPages(labels, _texts(pdf, len(labels)), openings)


def normal(word: str) -> str:
    """A word as compared: its letters and digits, lower case."""
    return "".join(ch for ch in unescape(word) if ch.isalnum()).lower()


def page_words(text: str) -> list[list[str]]:
    """A page's words, line by line (lines without a word left out), a word hyphenated at the
    end of a line joined with its end on the next."""
    lines = [line.split() for line in text.splitlines()]
    lines = [line for line in lines if line]
    for number in range(len(lines) - 1):
        if lines[number] and lines[number][-1][-1:] in ("-", "\u2010", "\u00ad") and \
                lines[number + 1]:
            lines[number][-1] = lines[number][-1] + lines[number + 1].pop(0)
    compared = [[w for w in (normal(word) for word in line) if w] for line in lines]
    return [line for line in compared if line]  # a line of signs only ("+") is no line


@dataclass
class Words:
    """A file's words in reading order: each word as compared and where it starts."""

    words: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)


def file_words(xhtml: str) -> Words:
    """The words of an XHTML file's body, outside notes, note calls, maths and drawings. A
    word runs on across inline elements (highlighted code: `argparse.ArgumentParser(` is one
    word, as on the printed page); any other element ends it."""
    found = Words()
    start = xhtml.find("<body")
    skipping: list[str] = []  # the element being skipped, and its open copies inside it
    text: list[str] = []  # the body's text, a space for each element that ends a word
    starts: list[int] = []  # where each part of `text` begins in the joined text...
    offsets: list[int] = []  # ...and in `xhtml` (a part is taken as is, or one character)
    length = 0

    def add(part: str, offset: int) -> None:
        nonlocal length
        text.append(part)
        starts.append(length)
        offsets.append(offset)
        length += len(part)

    for match in _PIECE.finditer(xhtml, max(start, 0)):
        piece = match.group(0)
        if piece.startswith("<"):
            if skipping:
                name = skipping[0]
                if piece.startswith(f"</{name}"):
                    skipping.pop()
                elif piece.startswith(f"<{name}") and not piece.endswith("/>"):
                    skipping.append(name)
                continue
            opened = _OPEN.match(piece.replace("</", "<", 1))
            if _SKIP.search(piece) and not piece.endswith("/>") and not piece.startswith("</"):
                assert opened is not None
                skipping.append(opened.group(1))
            if opened is None or opened.group(1) not in _INLINE:
                add(" ", match.start())
            continue
        if skipping:
            continue
        if "&" not in piece:
            add(piece, match.start())
            continue
        for char in _CHAR.finditer(piece):  # an entity stands for one character
            add(unescape(char.group(0)), match.start() + char.start())
    joined = "".join(text)
    for word in _WORD.finditer(joined):
        compared = normal(word.group(0))
        if compared:
            part = bisect.bisect_right(starts, word.start()) - 1
            inside = word.start() - starts[part] if len(text[part]) > 1 and \
                "&" not in xhtml[offsets[part]:offsets[part] + 1] else 0
            found.words.append(compared)
            found.offsets.append(offsets[part] + inside)
    return found


def _starts(window: Sequence[str], word: str) -> bool:
    """Whether `word` is the window's first (or ends with it: the end of a hyphenated word)."""
    first = window[0]
    return word == first or (len(first) > 1 and word.endswith(first))


def _find(window: Sequence[str], words: Sequence[str], start: int, end: int) -> int | None:
    """Where `window` (a page's first words) begins in `words[start:end]`: the first place
    whose word is the window's first (or ends with it) and where most of the window follows;
    or, a few words on, a place where the window's first words follow exactly (the same
    words may come twice close together: "as much as by")."""
    for position in range(start, min(end, len(words))):
        if not _starts(window, words[position]):
            continue
        following = words[position:position + len(window) + 3]
        matcher = difflib.SequenceMatcher(None, list(window), following, autojunk=False)
        if sum(block.size for block in matcher.get_matching_blocks()) >= min(AGREE,
                                                                              len(window)):
            exact = len(window[1:EXACT])
            for better in range(position, min(position + NEARBY, len(words))):
                if _starts(window, words[better]) and \
                        list(words[better + 1:better + 1 + exact]) == list(window[1:EXACT]):
                    position = better
                    break
            return position if words[position] == window[0] else position + 1
    return None


def marker(label: str) -> str:
    """The page-break marker for a page of the print edition."""
    return (f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{label}" '
            f'aria-label="{label}"></span>')


@dataclass
class Placed:
    """The page list made: (label, href) in page order, the files with their markers, and the
    pages with text that could not be placed."""

    pages: list[tuple[str, str]]
    files: dict[str, str]
    missed: list[str]


def place_page_breaks(pages: PrintPages, files: Mapping[str, str],
                      anchors: Mapping[str, str]) -> Placed:
    """Markers for the arabic-numbered pages in `files` (text/ file name to XHTML, in reading
    order); `anchors` names the file of each chapter and part anchor."""
    words = {name: file_words(xhtml) for name, xhtml in files.items()}
    insertions: dict[str, list[tuple[int, str]]] = {name: [] for name in files}
    listed: list[tuple[str, str]] = []
    missed: list[str] = []
    opening_at = {index: anchor for anchor, index in pages.openings.items()
                  if anchor in anchors}
    heads = running_heads(pages)
    current: str | None = None  # the file the pages are in
    cursor = 0
    for index, (label, text) in enumerate(zip(pages.labels, pages.texts, strict=False)):
        if not label.isdigit():
            continue  # the front matter: its pages are not the EPUB's
        anchor = opening_at.get(index)
        if anchor is not None:
            current = anchors[anchor]
            tag = re.search(rf'<section id="{re.escape(anchor)}"[^>]*>', files[current])
            if tag is None:
                missed.append(label)
                continue
            insertions[current].append((tag.end(), marker(label)))
            listed.append((label, f"text/{current}#page-{label}"))
            cursor = 0
            continue
        lines = page_words(text)
        if current is None or not any(lines):
            continue  # a blank page, or one before any chapter
        top = [line for line in lines[:FIRST_LINES] if _unlabelled(line, label)
               and tuple(_unlabelled(line, label)) not in heads]
        lines = top + lines[FIRST_LINES:] or lines
        found = _locate(lines, words[current], cursor)
        if found is None:
            missed.append(label)
            continue
        cursor = found + 1
        insertions[current].append((words[current].offsets[found], marker(label)))
        listed.append((label, f"text/{current}#page-{label}"))
    marked = {}
    for name, xhtml in files.items():
        for offset, span in sorted(insertions[name], reverse=True):
            xhtml = xhtml[:offset] + span + xhtml[offset:]
        marked[name] = xhtml
    return Placed(listed, marked, missed)


def _unlabelled(line: Sequence[str], label: str) -> list[str]:
    """A line without the page's folio at either end."""
    folio = normal(label)
    words = list(line)
    if words[:1] == [folio]:
        words = words[1:]
    if words[-1:] == [folio]:
        words = words[:-1]
    return words


def running_heads(pages: PrintPages) -> set[tuple[str, ...]]:
    """The lines (folio aside) at the top or the foot of three pages or more: running heads,
    which are not in the EPUB's text, so a page is not looked for by them."""
    seen: Counter[tuple[str, ...]] = Counter()
    for label, text in zip(pages.labels, pages.texts, strict=False):
        lines = page_words(text)
        for line in {tuple(_unlabelled(line, label)) for line in lines[:3] + lines[-2:]}:
            if line:
                seen[line] += 1
    return {line for line, count in seen.items() if count >= 3}


def _locate(lines: Sequence[Sequence[str]], words: Words, cursor: int) -> int | None:
    """The index in `words` of the word a page begins with."""
    for first in range(min(FIRST_LINES, len(lines))):
        # From the line's first word, or its second: a list item's number ("5.") is
        # printed but is not in the text.
        for skip in (0, 1) if lines[first][:1] and lines[first][0].isdigit() else (0,):
            window = [w for line in lines[first:] for w in line][skip:skip + WINDOW]
            if len(window) < min(AGREE, 3):
                continue
            found = _find(window, words.words, cursor, cursor + SEARCHED)
            if found is not None and found < len(words.words):
                return found
    return None


def page_list_note(reason: str) -> str:
    """The progress line of an EPUB written without a page list."""
    return f"Writing the EPUB (no page list: {reason})"


def print_edition(book: Book, pdf: Path, *,
                  built_now: bool) -> tuple[PrintPages | None, str]:
    """The book PDF's pages for the EPUB's page list, or None and why not: the PDF built in
    this run, or the last one if no file the book is made from has changed since."""
    from anthology.outputs.common import newest_input_time

    if not pdf.is_file():
        return None, "there is no book PDF yet; `anthology build` makes both"
    newest = newest_input_time(book.root)
    if not built_now and newest is not None and pdf.stat().st_mtime < newest.timestamp():
        return None, ("the book PDF is older than the book's files; `anthology build` "
                      "makes both")
    pages = read_print_pages(pdf)
    if pages is None:
        return None, "the book PDF has no page labels; `anthology build` makes both again"
    return pages, ""


def missed_pages_note(missed: Sequence[str]) -> str:
    """The progress line naming the PDF's pages the EPUB's page list leaves out."""
    shown = ", ".join(missed[:10]) + (f" and {len(missed) - 10} more" if len(missed) > 10
                                      else "")
    return (f"The EPUB's page list leaves out page{'s' if len(missed) > 1 else ''} {shown}: "
            "where the text of the print page begins was not found.")
