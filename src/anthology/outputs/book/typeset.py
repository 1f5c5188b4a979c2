"""The house typography rules applied to a chapter's print HTML before layout, in one place:
short tables kept on one page, code lines too long for the measure broken by hand with a
continuation mark, and hyphens in display titles made unbreakable.

Hyphenation itself (ladders, names, compounds, page turns) is decided while WeasyPrint breaks
lines: see engines/weasyprint/linebreak.py. The CSS side of the rules is in templates/book/book.css.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from anthology.chapters.document import Node
from anthology.core.cache import Cache, digest

if TYPE_CHECKING:
    from anthology.chapters.prepare import ChapterText
    from anthology.core.model import Book

# Bumped whenever what these rules make of a chapter changes: part of the print HTML's cache key.
TYPESET_RULES = "1"

# A table of at most this many rows (its body; the header repeats anyway) is set on one page.
SHORT_TABLE_ROWS = 15
SHORT_TABLE_CLASS = "unbroken"

# Code is set in DejaVu Sans Mono, whose every glyph is 1233/2048 em wide, at CODE_PT; a
# listing whose lines all fit at SMALL_CODE_PT is set at that size instead of being broken.
MONO_ADVANCE = 1233 / 2048
CODE_PT = 8.0
SMALL_CODE_PT = 7.2
SMALL_CODE_CLASS = "code-small"
# Where a line too long for the measure goes on: a mark at the start of the continuation,
# after the line's own indentation, so a wrapped line cannot be taken for a new one.
CONTINUATION = "\u21aa "
# Breaks come after a space or one of these, and never leave fewer than this many characters
# of code on a line before the break.
BREAK_AFTER = frozenset(" ,;([{")
MIN_BEFORE_BREAK = 12



def html_key(book: Book, chapter_key: str) -> str:
    """The cache key of a chapter's print HTML: its text's key, the rules' version and the
    measure its listings are broken for."""
    return digest("html", TYPESET_RULES, f"{text_width(book):.2f}", chapter_key)


def text_width(book: Book) -> float:
    """The width of the type area in points (the page less its inner and outer margins)."""
    page = book.config.page
    return points(page.width) - points(page.inner) - points(page.outer)


_POINTS = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "px": 0.75}


def points(length: str) -> float:
    """A book.yaml length ('156mm', '0.5in', '12pt') in points."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(mm|cm|in|pt|px)", length.strip())
    if match is None:
        raise ValueError(f"not a length: {length!r}")
    return float(match[1]) * _POINTS[match[2]]


def code_measure(text_width_pt: float, size_pt: float = CODE_PT) -> int:
    """How many characters of code fit on a line `text_width_pt` wide at `size_pt`."""
    return int(text_width_pt / (MONO_ADVANCE * size_pt))


def break_code_line(line: str, measure: int) -> list[str]:
    """`line` as printed lines of at most `measure` characters: each continuation starts with
    the line's indentation and CONTINUATION; breaks fall after a space or an opening bracket
    or separator where there is one, anywhere otherwise."""
    if len(line) <= measure:
        return [line]
    indent = line[: len(line) - len(line.lstrip(" "))]
    lead = indent + CONTINUATION
    if len(lead) + MIN_BEFORE_BREAK > measure:  # deeply indented: the mark at the margin
        lead = CONTINUATION
    printed: list[str] = []
    rest = line
    room = measure
    while len(rest) > room:
        floor = (len(indent) if not printed else len(lead)) + MIN_BEFORE_BREAK
        cut = next((i + 1 for i in range(room - 1, floor - 1, -1) if rest[i] in BREAK_AFTER),
                   room)
        printed.append(rest[:cut].rstrip(" "))
        rest = lead + rest[cut:].lstrip(" ")
        room = measure
    printed.append(rest)
    return printed


def break_code(text: str, measure: int) -> str:
    """A listing with every line longer than `measure` broken (see break_code_line)."""
    return "\n".join(piece for line in text.split("\n")
                     for piece in break_code_line(line.expandtabs(4), measure))


def _table_rows(table: list[Any]) -> int:
    bodies = table[4]
    return sum(len(body[2]) + len(body[3]) for body in bodies)


def print_rules(node: Node) -> Node | None:
    """A visitor (document.transform) marking short tables SHORT_TABLE_CLASS."""
    if node.get("t") == "Table" and _table_rows(node["c"]) <= SHORT_TABLE_ROWS:
        node["c"][0][1].append(SHORT_TABLE_CLASS)
        return node
    return None


def has_long_table(blocks: list[Node]) -> bool:
    """Whether `blocks` hold a table of more than SHORT_TABLE_ROWS rows: one that may run over
    a page and say "(continued)" at the head of the next (a running string, from the text)."""
    for node in blocks:
        kind, content = node.get("t"), node.get("c", [])
        if kind == "Table" and _table_rows(content) > SHORT_TABLE_ROWS:
            return True
        inner: list[list[Node]] = []
        if kind in ("BlockQuote",):
            inner = [content]
        elif kind in ("Div", "Figure"):
            inner = [content[-1]]
        elif kind in ("BulletList", "OrderedList"):
            inner = content if kind == "BulletList" else content[1]
        if any(has_long_table(item) for item in inner):
            return True
    return False


def long_table(cache: Cache, text: ChapterText) -> bool:
    """Whether a chapter has a table long enough to run over a page: has_long_table on its
    AST, kept in the cache under the chapter's key (reading the AST on every build, for this
    alone, would cost more than the answer)."""
    known = cache.get_json("long-table", text.key)
    if isinstance(known, bool):
        return known
    found = has_long_table(text.ast["blocks"])
    cache.put_json("long-table", text.key, found)
    return found


# How much narrower book.css sets what is inside these blocks, in points: a block quote's
# margins (1.5em of its 9 pt, each side), a list's padding (1.5em of 10 pt), a definition's
# indent (WeasyPrint's 40px).
QUOTE_INDENT, LIST_INDENT, DEFINITION_INDENT = 27.0, 15.0, 30.0


def set_listing(node: Node, width_pt: float) -> None:
    """Set one CodeBlock for a measure `width_pt` wide: as it is if it fits, a size smaller
    (SMALL_CODE_CLASS) if that makes it fit, broken by hand otherwise."""
    attr, code = node["c"]
    longest = max((len(line.expandtabs(4)) for line in code.split("\n")), default=0)
    if longest <= code_measure(width_pt):
        return
    if longest <= code_measure(width_pt, SMALL_CODE_PT):
        attr[1].append(SMALL_CODE_CLASS)
    else:
        node["c"][1] = break_code(code, code_measure(width_pt))


def set_listings(blocks: list[Node], width_pt: float) -> None:
    """Set every listing among `blocks` (and inside their quotes, lists and divisions) for
    the measure it is printed on, the type area being `width_pt` wide."""
    for node in blocks:
        kind, content = node.get("t"), node.get("c", [])
        if kind == "CodeBlock":
            set_listing(node, width_pt)
        elif kind == "BlockQuote":
            set_listings(content, width_pt - 2 * QUOTE_INDENT)
        elif kind in ("BulletList", "OrderedList"):
            for item in content if kind == "BulletList" else content[1]:
                set_listings(item, width_pt - LIST_INDENT)
        elif kind == "DefinitionList":
            for _term, definitions in content:
                for definition in definitions:
                    set_listings(definition, width_pt - DEFINITION_INDENT)
        elif kind == "Div":
            set_listings(content[1], width_pt)
        elif kind == "Figure":
            set_listings(content[2], width_pt)


_HYPHENATED = re.compile(r"\w+(?:-\w+)+")


def unbroken_hyphens(title: str) -> Markup:
    """`title` as HTML with each hyphenated word kept on one line (a display title must not
    break at its hard hyphen): the words are wrapped in <span class="nobreak">."""
    escaped = str(escape(title))
    return Markup(_HYPHENATED.sub(lambda m: f'<span class="nobreak">{m[0]}</span>', escaped))
