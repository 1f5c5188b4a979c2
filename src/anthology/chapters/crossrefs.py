"""Cross-references as other tools write them, and ids kept unique in a chapter.

bookdown writes `\\@ref(fig:x)` (pandoc reads `@ref(fig:x)` as text) and labels figures and
tables with `(\\#fig:x)` at the start of their caption; pandoc-crossref writes `@fig:x`,
`@tbl:x` (pandoc reads them as citations) and labels with `{#fig:x}`. Both are read here as
cross-references to the same targets as anthology's own `@fig-x`: a label's colon becomes a
hyphen in the id (`fig:x` is the id `fig-x`). Here too each chapter's figures, tables and
labelled equations are numbered and every cross-reference resolved (`number_crossrefs`).
Pure: no files, no pandoc (`book_labels` reads the other chapters' headings).
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anthology.chapters.document import (
    CROSSREF_PREFIXES,
    Locator,
    Node,
    each,
    empty_attr,
    str_inlines,
    stringify,
    transform,
)
from anthology.chapters.equations import equation_ids, number_equations
from anthology.chapters.manuscript import MAX_CHAPTER_BYTES
from anthology.chapters.rawtext import mask_code, masked_text
from anthology.core.files import is_inside
from anthology.core.findings import error

if TYPE_CHECKING:
    from anthology.core.model import Book

WRITTEN = "crossref-written"  # the class of a link that stands for a reference as written
_BOOKDOWN = re.compile(r"@ref\(([^()\s]+)\)")
_CROSSREF_KEY = re.compile(r"^(fig|tbl|eq|sec|lst):[\w:.-]*\w$")
_CAPTION_LABEL = re.compile(r"^\(#([A-Za-z][\w:.-]*)\)$")
KINDS = {"fig": "figure", "tbl": "table", "tab": "table", "eq": "equation", "sec": "section"}


def normal_id(label: str) -> str:
    """The id a label stands for (`fig:x` -> `fig-x`)."""
    return label.replace(":", "-")


def written_link(label: str, written: str) -> Node:
    """A cross-reference as written (`\\@ref(fig:x)`, `@fig:x`), resolved by number_crossrefs."""
    return {"t": "Link", "c": [["", [WRITTEN], []], [{"t": "Str", "c": written}],
                               [f"#{normal_id(label)}", written]]}


def split_bookdown(text: str) -> list[Node] | None:
    """A Str holding bookdown's `@ref(label)`, as text and cross-references (else None)."""
    if "@ref(" not in text:
        return None
    out: list[Node] = []
    position = 0
    for match in _BOOKDOWN.finditer(text):
        if match.start() > position:
            out.append({"t": "Str", "c": text[position:match.start()]})
        out.append(written_link(match[1], f"\\@ref({match[1]})"))
        position = match.end()
    if not out:
        return None
    if position < len(text):
        out.append({"t": "Str", "c": text[position:]})
    return out


def crossref_cite(node: Node) -> list[Node] | None:
    """A citation of pandoc-crossref labels only (`@fig:x`, `[@tbl:a; @tbl:b]`), as
    cross-references (else None)."""
    citations = node["c"][0]
    if not citations or not all(_CROSSREF_KEY.match(c["citationId"]) for c in citations):
        return None
    out: list[Node] = []
    for index, citation in enumerate(citations):
        if index:
            out += [{"t": "Str", "c": ";"}, {"t": "Space"}]
        if citation["citationPrefix"]:
            out += [*citation["citationPrefix"], {"t": "Space"}]
        key = citation["citationId"]
        out.append(written_link(key, f"@{key}"))
        out += citation["citationSuffix"]
    return out


def caption_label(node: Node) -> None:
    """Take bookdown's `(#fig:x)` from the start (or end) of a figure's or table's caption as
    its id."""
    blocks = node["c"][1][1]
    if not blocks or blocks[0]["t"] not in ("Plain", "Para") or not blocks[0]["c"]:
        return
    inlines = blocks[0]["c"]
    for position in (0, -1):
        word = inlines[position]
        match = _CAPTION_LABEL.match(word["c"]) if word["t"] == "Str" else None
        if match is not None:
            break
    else:
        return
    blocks[0]["c"] = _without(inlines, position)
    if not node["c"][0][0]:
        node["c"][0][0] = match[1]
    if node["t"] == "Figure":  # the image's description repeats the caption
        for block in node["c"][2]:
            for inline in block["c"] if block["t"] in ("Plain", "Para") else []:
                alt = inline["c"][1] if inline.get("t") == "Image" else None
                if alt and alt[position].get("c") == word["c"]:
                    inline["c"][1] = _without(alt, position)


def _without(inlines: list[Node], position: int) -> list[Node]:
    """`inlines` without the word at `position` (0 or -1) and the space beside it."""
    if position == 0:
        rest = inlines[1:]
        return rest[1:] if rest and rest[0]["t"] == "Space" else rest
    rest = inlines[:-1]
    return rest[:-1] if rest and rest[-1]["t"] == "Space" else rest


@dataclass
class IdKeeper:
    """Ids seen in a chapter: colons made hyphens, and a second use of one id reported and
    renamed (so the book has no two elements with one id, even in a forced build)."""

    locator: Locator
    seen: set[str] = field(default_factory=set)
    _masked: str | None = None

    def see(self, attr: list[Any]) -> None:
        """Look at (and fix) an element's Attr."""
        written = attr[0]
        if not written:
            return
        identifier = normal_id(written)
        if identifier in self.seen:
            lines = self._lines(written)
            where = f"lines {lines[0]} and {lines[1]}" if len(lines) > 1 else \
                f"line {lines[0]}, and a heading's automatic id" if lines else "twice"
            n = 2
            while f"{identifier}-{n}" in self.seen:
                n += 1
            self.locator.findings.append(error(
                "crossref.duplicate-id", self.locator.name, lines[-1] if lines else None,
                f"uses the id '{written}' twice ({where}): references to it can only reach "
                "the first.", f"Give one of them another id, for example {{#{written}-{n}}}, "
                "and correct the references to it.", chapter=self.locator.chapter))
            identifier = f"{identifier}-{n}"
        self.seen.add(identifier)
        attr[0] = identifier

    def _lines(self, written: str) -> list[int]:
        if self._masked is None:
            self._masked = masked_text(self.locator.body)
        pattern = re.compile(r"#" + re.escape(written) + r"(?![\w:.-])")
        return [self.locator.first_line + self._masked.count("\n", 0, m.start())
                for m in pattern.finditer(self._masked)][:2]


def chunk_hint(body: str, key: str) -> str | None:
    """A hint for a missing figure whose label names a code block (Quarto's `#| label:`,
    R Markdown's chunk name): anthology does not run code, so the figure must be an image."""
    name = key.split(":", 1)[1] if ":" in key else key
    quarto = re.search(r"^\s*#\|\s*label:\s*['\"]?" + re.escape(key) + r"['\"]?\s*$", body,
                       re.MULTILINE)
    chunk = re.search(r"^\s*```+\s*\{\s*\w+[ ,]+" + re.escape(name) + r"\s*[,}]", body,
                      re.MULTILINE)
    if quarto is None and chunk is None:
        return None
    ident = normal_id(key)
    return (f"The label {key} belongs to a code block, and anthology does not run code: save "
            "what the code makes as an image and add it, for example "
            f"![Caption](images/{ident}.png){{#{ident}}}.")


@dataclass(frozen=True)
class Target:
    """Something a cross-reference can point at."""

    kind: str
    label: str
    inlines: list[Node]


def resolve_written(node: Node, targets: dict[str, Target], locator: Locator,
                    missed: dict[str, int],
                    elsewhere: dict[str, Elsewhere] | None = None) -> Node | list[Node]:
    """A cross-reference as written (see `written_link`): a link to its target, or '??' and
    `crossref.missing`."""
    url, written = node["c"][2]
    key = url[1:]
    target = targets.get(key)
    if target is not None:
        return {"t": "Link", "c": [["", ["crossref"], []], copy.deepcopy(target.inlines),
                                   [url, ""]]}
    if elsewhere and key in elsewhere:
        return elsewhere[key].inlines()
    label = written[len("\\@ref("):-1] if written.startswith("\\@ref(") else written[1:]
    what = KINDS.get(label.split(":", 1)[0], "section") if ":" in label else "section"
    if written.startswith("\\@ref("):
        example = (f"## Title {{#{label}}}" if what == "section" else
                   f"(\\#{label}) at the start of its caption, or {{#{label}}} after it")
    else:
        example = f"{{#{label}}} after it"
    from anthology.core.config import did_you_mean

    hint = chunk_hint(locator.body, label) or did_you_mean(key, targets) or \
        f"Give the {what} that label, for example {example}."
    masked = masked_text(locator.body)
    index = -1
    for _ in range(missed.get(written, 0) + 1):  # the next place it is written
        found = masked.find(written, index + 1)
        if found < 0:
            break
        index = found
    missed[written] = missed.get(written, 0) + 1
    line = locator.first_line + masked.count("\n", 0, index) if index >= 0 else None
    locator.findings.append(error("crossref.missing", locator.name, line,
                                  f"refers to {written}, but this chapter has no {what} with "
                                  f"the label '{label}'.", hint, chapter=locator.chapter))
    return {"t": "Str", "c": "??"}


@dataclass(frozen=True)
class Elsewhere:
    """A chapter, or a section with an id, that a chapter may refer to from another chapter."""

    number: int
    title: str
    chapter: bool

    def inlines(self) -> list[Node]:
        """How a reference to it prints: the chapter's number, or the section's title and its
        chapter ('Title' (chapter 8))."""
        if self.chapter:
            return [{"t": "Str", "c": str(self.number)}]
        words: list[Node] = []
        for index, word in enumerate(self.title.split()):
            words += [{"t": "Space"}] if index else []
            words.append({"t": "Str", "c": word})
        # An outer quotation, as pandoc reads "...": printed in the book's style (typography.py).
        return [{"t": "Quoted", "c": [{"t": "DoubleQuote"}, words]}, {"t": "Space"},
                {"t": "Str", "c": "(chapter"}, {"t": "Space"},
                {"t": "Str", "c": f"{self.number})"}]


_HEADING_ID = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t]*\{[^}\n]*?#([^\s}]+)[^}\n]*\}[ \t]*$",
                         re.MULTILINE)
# What makes a chapter refer to other chapters: its key depends on their labels then.
REFERS_ELSEWHERE = re.compile(r"@ref\(|@sec[-:]")


def book_labels(book: Book) -> dict[str, Elsewhere]:
    """Every chapter id and explicit section id in the book, with its chapter's number (as
    the build numbers them), for references from one chapter to another."""
    entries = []
    number = 0
    for chapter in book.active_chapters:
        if not chapter.file:
            continue
        path = book.root / chapter.file
        try:
            stat = path.stat()
        except OSError:
            continue
        number += 1
        # A file read_manuscript refuses is not read here either (its id is still a label).
        refused = path.is_symlink() or not is_inside(book.root, path) or \
            stat.st_size > MAX_CHAPTER_BYTES
        entries.append(("" if refused else str(path), stat.st_mtime_ns, stat.st_size, number,
                        chapter.id, chapter.title))
    return _labels(tuple(entries))


@functools.lru_cache(maxsize=8)
def _labels(entries: tuple[tuple[str, int, int, int, str, str], ...]) -> dict[str, Elsewhere]:
    labels: dict[str, Elsewhere] = {}
    for path, _, _, number, ident, title in entries:
        labels.setdefault(ident, Elsewhere(number, title, True))
        if not path:
            continue
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _HEADING_ID.finditer(mask_code(text)):
            heading = re.sub(r"[*_`]", "", match[1]).strip()
            labels.setdefault(normal_id(match[2]), Elsewhere(number, heading, False))
    return labels


def labels_digest(labels: dict[str, Elsewhere]) -> str:
    """What a chapter that refers elsewhere depends on, for its cache keys."""
    return repr(sorted((key, value.number, value.title, value.chapter)
                       for key, value in labels.items()))


def number_crossrefs(ast: Node, number: str, locator: Locator,
                     elsewhere: dict[str, Any] | None = None) -> tuple[Node, dict[str, Target]]:
    """Number figures, tables and labelled equations per chapter (Figure 3.2, (3.2)) and
    resolve @fig-/@tbl-/@sec-/@eq- refs (`elsewhere`: chapters and sections of other chapters,
    see crossrefs.book_labels)."""
    targets: dict[str, Target] = {}
    counts = {"Figure": 0, "Table": 0}
    labels: dict[int, str] = {}  # id() of a figure or table in `ast` -> its label

    def label_caption(caption: list[Any], label: str) -> None:
        blocks = caption[1]
        prefix = [{"t": "Span", "c": [empty_attr(classes=["caption-label"]),
                                      str_inlines(label)]}]
        if blocks and blocks[0]["t"] in ("Plain", "Para"):
            blocks[0]["c"] = [*prefix, {"t": "Space"}, *blocks[0]["c"]]
        else:
            blocks.insert(0, {"t": "Plain", "c": prefix})

    equations: dict[str, str] = {}  # eq-x -> "(3.2)"
    for node in each(ast["blocks"]):
        kind = node["t"]
        if kind in ("Para", "Plain"):
            for identifier in equation_ids(node["c"]):
                label = f"{number}.{len(equations) + 1}" if number else str(len(equations) + 1)
                equations.setdefault(identifier, f"({label})")
                targets.setdefault(identifier, Target("Equation", f"Equation {label}",
                                                      str_inlines(f"Equation {label}")))
        elif kind in ("Figure", "Table"):
            word = "Figure" if kind == "Figure" else "Table"
            counts[word] += 1
            label = f"{word} {number}.{counts[word]}" if number else f"{word} {counts[word]}"
            labels[id(node)] = label
            identifier = node["c"][0][0]
            if identifier:
                targets[identifier] = Target(word, label, str_inlines(label))
        elif kind == "Header" and node["c"][1][0]:
            identifier = node["c"][1][0]
            title = stringify(node["c"][2])
            targets[identifier] = Target("Section", title, [
                # An outer quotation, as pandoc reads "...": printed in the book's style.
                {"t": "Quoted", "c": [{"t": "DoubleQuote"}, copy.deepcopy(node["c"][2])]}])
    # Figures and tables in document order, matched to the rebuilt nodes in the same order
    # (the transform visits them in that order too, as they do not nest).
    pending = [labels[key] for key in labels]
    missed: dict[str, int] = {}

    def visit(node: Node) -> Node | list[Node] | None:
        if equations and node["t"] in ("Para", "Plain"):
            node["c"] = number_equations(node["c"], equations)
            return None
        if node["t"] == "Link" and WRITTEN in node["c"][0][1]:
            return resolve_written(node, targets, locator, missed, elsewhere)
        if node["t"] in ("Figure", "Table") and pending:
            label_caption(node["c"][1], pending.pop(0))
            return None
        if node["t"] != "Cite":
            return None
        citations = node["c"][0]
        keys = [c["citationId"] for c in citations]
        refs = [k for k in keys if k.startswith(CROSSREF_PREFIXES)]
        if not refs:
            return None
        if len(refs) != len(keys):
            locator.error("crossref.mixed", f"@{refs[0]}",
                          f"mixes the cross-reference @{refs[0]} with citations in one "
                          "bracket.", "Put cross-references outside the citation brackets: "
                          "see @fig-x and [@smith2020].")
            return None
        out: list[Node] = []
        for index, citation in enumerate(citations):
            key = citation["citationId"]
            if index:
                out += [{"t": "Str", "c": ";"}, {"t": "Space"}]
            if citation["citationPrefix"]:
                out += [*citation["citationPrefix"], {"t": "Space"}]
            target = targets.get(key)
            if target is None and elsewhere and key in elsewhere:
                out += elsewhere[key].inlines()
            elif target is None:
                what = KINDS[key.split("-", 1)[0]]
                from anthology.core.config import did_you_mean

                locator.error("crossref.missing", f"@{key}",
                              f"refers to @{key}, but this chapter has no {what} with the id "
                              f"'{key}'.", chunk_hint(locator.body, key) or
                              did_you_mean(key, targets) or
                              f"Give the {what} that id, for example {{#{key}}} after it.")
                out.append({"t": "Str", "c": "??"})
            else:
                out.append({"t": "Link", "c": [empty_attr(classes=["crossref"]),
                                               copy.deepcopy(target.inlines), [f"#{key}", ""]]})
            if citation["citationSuffix"]:
                out += citation["citationSuffix"]
        return out

    result: Node = transform(ast, visit)
    return result, targets
