"""Typography the same everywhere: smart punctuation for text from the registries and templates,
the book's quotation style, and no-break spaces where a reference must not be split.

The chapters get curly quotes, apostrophes and dashes from pandoc's `smart` extension; text that
does not pass through pandoc (names, affiliations and bios from contributors.yaml, titles from
chapters.yaml and book.yaml) gets the same from `smarten`, which follows pandoc's rules (its
tests compare the two on a table of cases), in pure Python since it runs on many short strings.

Quotation marks follow `typography.quotes` in book.yaml: `single` (British: ‘outer “inner”’) or
`double` (American: “outer ‘inner’”). pandoc reads "..." as an outer quotation (DoubleQuote) and
'...' inside it as an inner one, so a single-outside style swaps the two kinds throughout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from anthology.core.model import Book, BookConfig, Contributor

Node = dict[str, Any]
T = TypeVar("T")

QUOTE_STYLES = ("single", "double")
# In the cache keys of what these rules make (prepared chapters, the drawn cover): change it
# when the rules change, so that nothing made by the old ones is reused.
TYPOGRAPHY_RULES = "1"
NBSP = "\u00a0"
# pandoc's default abbreviations (`pandoc --print-default-data-file=abbreviations`): with
# `smart`, the space after one of them becomes a no-break space.
_ABBREVIATION_TEXT = (
    "aet. aetat. al. Apr. Aug. bk. Bros. c. Capt. cf. ch. chap. chs. Co. col. Corp. cp. d. Dec. "
    "Dr. e.g. ed. eds. esp. f. fasc. Feb. ff. fig. fl. fol. fols. Fr. Gen. Gov. Hon. i.e. ill. "
    "Inc. incl. Jan. Jr. Jul. Jun. Ltd. M.A. M.D. Mar. Mr. Mrs. Ms. n. n.b. nn. No. Nov. Oct. "
    "p. Ph.D. pp. Pres. Prof. pt. q.v. Rep. Rev. s.v. s.vv. saec. sec. Sen. Sep. Sept. Sgt. Sr. "
    "St. univ. viz. vol. vs.")
ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())
_MARKS = {("double", "double"): "“”", ("double", "single"): "‘’",
          ("single", "double"): "‘’", ("single", "single"): "“”"}
_SPACE = " \t\n\r"


def quote_style(language: str, setting: str | None = None) -> str | None:
    """The book's quotation style: its `typography.quotes`, else single for English other
    than American, double for American English, and None (pandoc's own) for other languages."""
    if setting in QUOTE_STYLES:
        return setting
    lang = language.lower()
    if lang in ("en-us", "en-us-posix"):
        return "double"
    if lang == "en" or lang.startswith("en-"):
        return "single"
    return None


def quote_marks(level: str, style: str | None) -> str:
    """The opening and closing marks of an outer (`level` "double", as pandoc reads "...") or
    inner ("single") quotation in the given style."""
    return _MARKS[(style or "double", level)]


def quoted(text: str, style: str | None) -> str:
    """`text` between the style's outer quotation marks."""
    marks = quote_marks("double", style)
    return f"{marks[0]}{text}{marks[1]}"


@dataclass
class _Quote:
    level: str  # "double" or "single", as pandoc reads it
    parts: list[str | _Quote] = field(default_factory=list)


class _Smartener:
    """pandoc's Markdown `smart` rules over plain text (no other Markdown is read)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.last_str_end = -1  # where the last word ended: a quote cannot open right after one

    def _word(self, i: int) -> int:
        # A word as pandoc's Markdown reader reads one: letters and digits, and full stops
        # that do not start an ellipsis.
        text, n = self.text, len(self.text)
        while i < n and (text[i].isalnum() or (text[i] == "." and text[i + 1:i + 2] != ".")):
            i += 1
        return i

    def parse(self, i: int, inside: str | None) -> tuple[list[str | _Quote], int, bool]:
        """Inlines from `i` until the quotation `inside` closes (or the end of the text)."""
        text, n = self.text, len(self.text)
        out: list[str | _Quote] = []
        while i < n:
            char = text[i]
            if inside == "double" and char == '"':
                return out, i + 1, True
            if inside == "single" and char == "'" and out and \
                    not (i + 1 < n and text[i + 1].isalnum()):
                return out, i + 1, True
            if char.isalnum() or (char == "." and text[i + 1:i + 2] != "."):
                end = self._word(i)
                word = text[i:end]
                self.last_str_end = end
                out.append(word)
                i = end
                if word in ABBREVIATIONS:
                    gap = i
                    while gap < n and text[gap] in _SPACE:
                        gap += 1
                    if gap > i and gap < n:
                        out.append(NBSP)
                        i = gap
                continue
            if char in "'\"":
                level = "single" if char == "'" else "double"
                opens = inside != level and self.last_str_end != i and i + 1 < n and \
                    text[i + 1] not in _SPACE
                if opens and char in text[i + 1:]:
                    saved = self.last_str_end
                    parts, after, closed = self.parse(i + 1, level)
                    if closed:
                        out.append(_Quote(level, parts))
                        i = after
                        continue
                    self.last_str_end = saved
                # An unmatched quote: an apostrophe, or a double quote that opens or closes.
                out.append("’" if char == "'" else "“" if opens else "”")
                i += 1
                continue
            if text.startswith("---", i):
                out.append("—")
                i += 3
            elif text.startswith("--", i):
                out.append("–")
                i += 2
            elif text.startswith("...", i):
                out.append("…")
                i += 3
            else:
                out.append(char)
                i += 1
        return out, i, inside is None


def _joined(parts: Sequence[str | _Quote], style: str | None) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            marks = quote_marks(part.level, style)
            out += [marks[0], _joined(part.parts, style), marks[1]]
    return "".join(out)


def smarten(text: str, quotes: str | None = None) -> str:
    """`text` with pandoc's smart punctuation (curly quotes and apostrophes, en and em dashes,
    ellipses, no-break spaces after abbreviations) and the quotation style `quotes`."""
    if not any(c in text for c in "'\".-") or not text.strip():
        return text
    parts, _, _ = _Smartener(text).parse(0, None)
    return _joined(parts, quotes)


def smarten_all(value: T, quotes: str | None, names: Iterable[str]) -> T:
    """A copy of the dataclass `value` with the text fields `names` smartened (strings, and
    tuples of strings)."""
    assert is_dataclass(value) and not isinstance(value, type)
    wanted = set(names)
    changes: dict[str, Any] = {}
    for item in fields(value):
        if item.name not in wanted:
            continue
        current = getattr(value, item.name)
        if isinstance(current, str):
            changes[item.name] = smarten(current, quotes)
        elif isinstance(current, tuple) and all(isinstance(x, str) for x in current):
            changes[item.name] = tuple(smarten(x, quotes) for x in current)
    return replace(value, **changes)


# The text fields printed from the registries (not ids, paths, addresses or dates).
BOOK_TEXT = ("title", "subtitle", "publisher", "place", "edition", "licence", "subject",
             "keywords", "description")
CONTRIBUTOR_TEXT = ("name", "affiliation", "bio")
CHAPTER_TEXT = ("title", "part", "abstract")


def book_quotes(config: BookConfig) -> str | None:
    """The quotation style the book prints in."""
    return quote_style(config.language, config.quotes)


def typeset_contributor(person: Contributor, quotes: str | None) -> Contributor:
    """A contributor as printed: name, affiliation and bio smartened."""
    return smarten_all(person, quotes, CONTRIBUTOR_TEXT)


_LAST: list[tuple[Book, Book]] = []  # the last book typeset, and the result


def typeset_book(book: Book) -> Book:
    """The book as its outputs print it: the registries' text smartened in its quotation style.

    For the renderers only: the checks, the cache keys and anything written back to the
    registries use the book as loaded. The last result is kept: a build lays out the book in
    pieces, and each asks for it.
    """
    last = _LAST[0] if _LAST else None
    if last is not None and (last[0] is book or last[1] is book):
        return last[1]
    quotes = book_quotes(book.config)
    made = replace(book, config=smarten_all(book.config, quotes, BOOK_TEXT),
                   contributors=tuple(typeset_contributor(p, quotes) for p in book.contributors),
                   chapters=tuple(smarten_all(c, quotes, CHAPTER_TEXT) for c in book.chapters))
    _LAST[:] = [(book, made)]
    return made


# --- The AST: the book's quotation style, and no-break spaces in references ---------------

_SWAP = {"SingleQuote": "DoubleQuote", "DoubleQuote": "SingleQuote"}
# Citeproc writes a quoted title as a Span between two Str nodes holding the locale's marks.
_CITEPROC_MARKS = {("‘", "’"): ("“", "”"), ("“", "”"): ("‘", "’")}
# Words after which a space must not break a line, in the output of citeproc: "et al." and a
# page label before its number.
_BEFORE_NBSP = re.compile(r"(?:^|[\s(\[;,])(?:et|pp?\.)$")


def _is_space(node: Any) -> bool:
    return isinstance(node, dict) and node.get("t") in ("Space", "SoftBreak")


def _glue(inlines: list[Any]) -> list[Any]:
    """Inlines with the Space after 'et' (before 'al.') and after 'p.'/'pp.' (before a digit)
    made a no-break space, the Str nodes on each side joined into one."""
    out: list[Any] = []
    for index, node in enumerate(inlines):
        before = out[-1] if out else None
        after = inlines[index + 1] if index + 1 < len(inlines) else None
        if _is_space(node) and isinstance(before, dict) and before.get("t") == "Str" and \
                isinstance(after, dict) and after.get("t") == "Str":
            word, following = before["c"], after["c"]
            if (word.endswith("et") and _BEFORE_NBSP.search(word) and
                    following.startswith("al.")) or \
                    (word.endswith(("p.", "pp.")) and _BEFORE_NBSP.search(word) and
                     following[:1].isdigit()):
                out[-1] = {"t": "Str", "c": word + NBSP}
                continue
        if isinstance(node, dict) and node.get("t") == "Str" and out and \
                isinstance(out[-1], dict) and out[-1].get("t") == "Str" and \
                out[-1]["c"].endswith(NBSP):
            out[-1] = {"t": "Str", "c": out[-1]["c"] + node["c"]}
            continue
        out.append(node)
    return out


def _swap_citeproc_marks(inlines: list[Any]) -> None:
    if len(inlines) < 2:
        return
    first, last = inlines[0], inlines[-1]
    if first.get("t") == "Str" and last.get("t") == "Str":
        swapped = _CITEPROC_MARKS.get((first["c"], last["c"]))
        if swapped is not None:
            inlines[0] = {"t": "Str", "c": swapped[0]}
            inlines[-1] = {"t": "Str", "c": swapped[1]}


def _walk(node: Any, swap: bool, swap_citeproc: bool, cited: bool) -> Any:
    if isinstance(node, list):
        items = [_walk(item, swap, swap_citeproc, cited) for item in node]
        if cited and items and all(isinstance(x, dict) and "t" in x for x in items):
            return _glue(items)
        return items
    if not isinstance(node, dict) or "t" not in node:
        return node
    kind = node["t"]
    content: Any = node.get("c")
    if content is None or kind in ("Str", "Code", "Math", "RawInline", "RawBlock", "CodeBlock"):
        return node
    if kind == "Quoted" and swap:
        return {"t": "Quoted", "c": [{"t": _SWAP[content[0]["t"]]},
                                     _walk(content[1], swap, swap_citeproc, cited)]}
    inner_cited = cited or kind == "Cite" or (
        kind == "Div" and content[0][0] == "refs")
    new = {"t": kind, "c": _walk(content, swap, swap_citeproc, inner_cited)}
    if kind == "Span" and inner_cited and swap_citeproc and not any(new["c"][0][:2]):
        _swap_citeproc_marks(new["c"][1])
    return new


def apply_typography(ast: Node, style: str | None, language: str) -> Node:
    """The cited chapter AST in the book's quotation style, with "et al." and "p./pp. N"
    unbreakable in citations and the reference list.

    Runs after citeproc: pandoc read "..." as DoubleQuote, and citeproc wrote its quotation
    marks in the locale's style (single for British English, double for American), both of
    which are turned to `style` where they differ. Returns a new tree.
    """
    default = quote_style(language)
    swap = style == "single"
    swap_citeproc = style is not None and default is not None and style != default
    result: Node = dict(ast)
    result["blocks"] = _walk(ast["blocks"], swap, swap_citeproc, False)
    return result


def typeset_chapter(ast: Node, config: BookConfig) -> Node:
    """`apply_typography` with the book's settings: the step after citeproc."""
    return apply_typography(ast, book_quotes(config), config.language)



_LETTER = re.compile(r"\w")


def _swapped_marks(text: str, depth: list[int]) -> str:
    """`text` with ‘’ and “” exchanged; `depth` counts the single quotations open so far in
    the paragraph, so that a ’ is a closing mark only where one is open, it follows a
    letter or a mark, and it does not stand between two letters (an apostrophe: It’s, ’Tis,
    carers’ outside a quotation)."""
    out = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if char == "‘":
            depth[0] += 1
            out.append("“")
        elif char == "’" and depth[0] and before.strip() and not (
                _LETTER.match(before) and _LETTER.match(after or " ")):
            depth[0] -= 1
            out.append("”")
        elif char == "“":
            out.append("‘")
        elif char == "”":
            out.append("’")
        else:
            out.append(char)
    return "".join(out)


def _swap_words(node: Any, depth: list[int]) -> Any:
    if isinstance(node, list):
        return [_swap_words(item, depth) for item in node]
    if not isinstance(node, dict) or "t" not in node:
        return node
    kind = node["t"]
    if kind == "Str":
        return {"t": "Str", "c": _swapped_marks(node["c"], depth)}
    if kind in ("Code", "Math", "RawInline", "RawBlock", "CodeBlock") or "c" not in node:
        return node
    if kind in ("Para", "Plain", "Header"):
        depth = [0]  # a quotation does not run on from one paragraph to the next
    return {"t": kind, "c": _swap_words(node["c"], depth)}


def as_markdown_quotes(ast: Node, config: BookConfig) -> Node:
    """A tree read from Word with its quotation marks as the book's Markdown writes them: in
    a single-outside book, Word's ‘...’ is the outer quotation that Markdown writes "..."
    (the reverse of `apply_typography`, so that a chapter sent out in Word comes back as it
    was). Word's text holds the marks as characters, exchanged here pair by pair."""
    if book_quotes(config) != "single":
        return ast
    result: Node = dict(ast)
    result["blocks"] = _swap_words(ast["blocks"], [0])
    return result
