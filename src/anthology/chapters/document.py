"""Pure transformations of pandoc's JSON AST: no files, no subprocesses.

The same parse feeds the checks, the word counts and the renderers. Here are the tree's
primitives (walking, rebuilding, plain text, a Locator for messages), and what the outputs do
to a prepared chapter: give its ids a per-chapter prefix, turn notes into footnotes or
endnotes, name and list its figures and tables. Making the tree safe is safety.py's work;
numbering and cross-references are crossrefs.py's.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from anthology.core.findings import Finding, error, warning

Node = dict[str, Any]
Visitor = Callable[[Node], Node | list[Node] | None]

CROSSREF_PREFIXES = ("fig-", "tbl-", "sec-", "eq-")
# Which element of `c` holds the Attr, for elements that carry one.
ATTR_INDEX = {"Header": 1, "Div": 0, "Span": 0, "Code": 0, "CodeBlock": 0, "Image": 0,
              "Link": 0, "Table": 0, "Figure": 0}


def transform(node: Any, visit: Visitor) -> Any:
    """Rebuild `node` bottom-up; `visit` may return a node, a list to splice, or None to keep.

    Every dict and list is rebuilt, so visitors may change the node they are given in place.
    """
    if type(node) is list:
        out: list[Any] = []
        for item in node:
            kind = type(item)
            if kind is dict:
                new = transform(item, visit)
                if type(new) is list and "t" in item:
                    out.extend(new)
                else:
                    out.append(new)
            elif kind is list:
                out.append(transform(item, visit))
            else:
                out.append(item)
        return out
    if type(node) is dict:
        rebuilt = {key: transform(value, visit) if type(value) is dict or type(value) is list
                   else value for key, value in node.items()}
        if "t" in rebuilt:
            result = visit(rebuilt)
            return rebuilt if result is None else result
        return rebuilt
    return node


def each(node: Any, kind: str | None = None) -> list[Node]:
    """Every element (of type `kind`, if given) in document order."""
    found: list[Node] = []
    append = found.append

    # Hot path on big ASTs: exact type checks, and an element's children are only in "c".
    def go(item: Any) -> None:
        if type(item) is list:
            for child in item:
                if type(child) is dict or type(child) is list:
                    go(child)
            return
        t = item.get("t")
        if t is None:  # the document itself, or a citation's fields
            for value in item.values():
                if type(value) is dict or type(value) is list:
                    go(value)
            return
        if kind is None or t == kind:
            append(item)
        content = item.get("c")
        if type(content) is list or type(content) is dict:
            go(content)

    if type(node) is dict or type(node) is list:
        go(node)
    return found


def word_runs(kind: str, content: Any) -> list[Any] | None:
    """A line block's lines, or a definition list's terms and definitions, in reading order:
    a word ends at the end of each (None for any other element)."""
    if kind == "LineBlock":
        return list(content)
    if kind == "DefinitionList":
        return [run for term, definitions in content for run in (term, definitions)]
    return None


def stringify(node: Any) -> str:
    """The plain text of inlines or blocks."""
    parts: list[str] = []

    def go(item: Any) -> None:
        if isinstance(item, list):
            for child in item:
                go(child)
            return
        if not isinstance(item, dict) or "t" not in item:
            return
        kind: str = item["t"]
        content: Any = item.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Code", "Math"):
            parts.append(content[1])
        elif kind == "Quoted":
            mark = "“”" if content[0]["t"] == "DoubleQuote" else "‘’"
            parts.append(mark[0])
            go(content[1])
            parts.append(mark[1])
        elif kind in ("Para", "Plain", "Header"):
            go(content)
            parts.append(" ")
        elif kind == "Note":
            return
        elif (runs := word_runs(kind, content)) is not None:
            for run in runs:
                go(run)
                parts.append(" ")
        elif content is not None:
            go(content)

    go(node)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def str_inlines(text: str) -> list[Node]:
    """Inlines for a plain string."""
    out: list[Node] = []
    for index, word in enumerate(text.split(" ")):
        if index:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def empty_attr(identifier: str = "", classes: list[str] | None = None) -> list[Any]:
    """A pandoc Attr."""
    return [identifier, classes or [], []]


@dataclass
class Locator:
    """Finds the line of a piece of text in a chapter's body, for messages."""

    name: str
    body: str
    first_line: int = 1
    chapter: str | None = None
    findings: list[Finding] = field(default_factory=list)

    def line_of(self, *needles: str) -> int | None:
        """The file line where the first of `needles` occurs in the body."""
        for needle in needles:
            if needle:
                index = self.body.find(needle)
                if index >= 0:
                    return self.first_line + self.body.count("\n", 0, index)
        return None

    def error(self, code: str, needle: str, message: str, hint: str) -> None:
        """Record an error at the line of `needle`."""
        self.findings.append(error(code, self.name, self.line_of(needle), message, hint,
                                   chapter=self.chapter))

    def warning(self, code: str, needle: str, message: str, hint: str) -> None:
        """Record a warning at the line of `needle`."""
        self.findings.append(warning(code, self.name, self.line_of(needle), message, hint,
                                     chapter=self.chapter))


def chain(*visitors: Visitor) -> Visitor:
    """One visitor doing the work of several in a single walk: each sees what the previous
    made of the node; a list (splice) or a node of another type ends the chain."""
    def visit(node: Node) -> Node | list[Node] | None:
        current: Node = node
        changed = False
        for visitor in visitors:
            result = visitor(current)
            if result is None:
                continue
            if isinstance(result, list) or result.get("t") != current["t"]:
                return result
            current, changed = result, True
        return current if changed else None

    return visit


def id_prefixer(prefix: str) -> Visitor:
    """A visitor for `prefix_ids`."""
    def visit(node: Node) -> Node | list[Node] | None:
        index = ATTR_INDEX.get(node["t"])
        if index is not None and node["c"][index][0]:
            node["c"][index][0] = prefix + node["c"][index][0]
        if node["t"] == "Link":
            url = node["c"][2][0]
            if url.startswith("#") and len(url) > 1:
                node["c"][2][0] = f"#{prefix}{url[1:]}"
        return None

    return visit


def prefix_ids(ast: Node, prefix: str) -> Node:
    """Give every id and internal link a per-chapter prefix, so ids are unique in the book."""
    result: Node = transform(ast, id_prefixer(prefix))
    return result


def _note_inlines(blocks: list[Node]) -> list[Node]:
    out: list[Node] = []
    for index, block in enumerate(blocks):
        if index:
            out.append({"t": "Space"})
        if block["t"] in ("Para", "Plain"):
            out += block["c"]
        elif block["t"] == "Div":  # its paragraphs as they are (maths, links and all)
            out += _note_inlines(block["c"][1])
        else:
            out += str_inlines(stringify(block))
    return out


def footnote_spanner(node: Node) -> Node | list[Node] | None:
    """A visitor for `notes_to_footnotes`."""
    if node["t"] == "Note":
        return {"t": "Span", "c": [empty_attr(classes=["footnote"]), _note_inlines(node["c"])]}
    return None


def notes_to_footnotes(ast: Node) -> Node:
    """Turn notes into inline `span.footnote` elements for WeasyPrint's `float: footnote`."""
    result: Node = transform(ast, footnote_spanner)
    return result


def notes_to_endnotes(ast: Node, prefix: str, heading: str = "Notes") -> Node:
    """Turn notes into numbered endnotes at the end of the chapter, with links both ways."""
    notes: list[list[Node]] = []

    def visit(node: Node) -> Node | None:
        if node["t"] != "Note":
            return None
        notes.append(node["c"])
        n = len(notes)
        return {"t": "Superscript", "c": [{"t": "Link", "c": [
            [f"{prefix}fnref{n}", ["note-ref"], []], [{"t": "Str", "c": str(n)}],
            [f"#{prefix}fn{n}", ""]]}]}

    result: Node = transform(ast, visit)
    if notes:
        items = []
        for n, blocks in enumerate(notes, start=1):
            back = {"t": "Link", "c": [empty_attr(classes=["note-back"]),
                                       [{"t": "Str", "c": "↩"}], [f"#{prefix}fnref{n}", ""]]}
            body = copy.deepcopy(blocks) or [{"t": "Para", "c": []}]
            if body[-1]["t"] in ("Para", "Plain"):
                body[-1]["c"] = [*body[-1]["c"], {"t": "Space"}, back]
            items.append({"t": "Div", "c": [[f"{prefix}fn{n}", ["endnote"], []], body]})
        result["blocks"] += [
            {"t": "Header", "c": [2, [f"{prefix}notes", ["unnumbered", "notes-heading"], []],
                                  str_inlines(heading)]},
            {"t": "OrderedList", "c": [[1, {"t": "Decimal"}, {"t": "Period"}],
                                       [[item] for item in items]]},
        ]
    return result


def citation_keys(ast: Node) -> list[str]:
    """Every citation key in the order cited (cross-references excluded)."""
    keys = []
    for node in each(ast["blocks"], "Cite"):
        for citation in node["c"][0]:
            key = citation["citationId"]
            if not key.startswith(CROSSREF_PREFIXES):
                keys.append(key)
    return keys


@dataclass(frozen=True)
class Float:
    """A numbered figure or table, for the lists of figures and tables."""

    kind: str
    identifier: str
    label: str
    caption: str


def float_namer(stem: str = "float") -> Visitor:
    """A visitor for `name_floats`."""
    count = 0

    def visit(node: Node) -> Node | list[Node] | None:
        nonlocal count
        if node["t"] in ("Figure", "Table"):
            count += 1
            if not node["c"][0][0]:
                node["c"][0][0] = f"{stem}-{count}"
        return None

    return visit


def name_floats(ast: Node, stem: str = "float") -> Node:
    """Give every figure and table without an id one (`float-1`...), so lists can link to it."""
    result: Node = transform(ast, float_namer(stem))
    return result


def list_floats(ast: Node) -> list[Float]:
    """The chapter's figures and tables in order: id, label ('Figure 3.2') and caption text."""
    found = []
    for node in each(ast["blocks"]):
        if node["t"] not in ("Figure", "Table"):
            continue
        blocks = node["c"][1][1]
        label = ""
        rest: list[Node] = blocks
        if blocks and blocks[0]["t"] in ("Plain", "Para") and blocks[0]["c"]:
            first = blocks[0]["c"][0]
            if first["t"] == "Span" and "caption-label" in first["c"][0][1]:
                label = stringify(first["c"][1])
                rest = [{**blocks[0], "c": blocks[0]["c"][1:]}, *blocks[1:]]
        found.append(Float(node["t"].lower(), node["c"][0][0], label, stringify(rest)))
    return found


def unwrap_dangling_links(ast: Node) -> Node:
    """Turn internal links whose target id does not exist into plain text.

    A forced build with an unresolved citation or cross-reference would otherwise point at
    nothing, which EPUBCheck reports as an error.
    """
    ids = set()
    links = []
    for node in each(ast["blocks"]):
        index = ATTR_INDEX.get(node["t"])
        if index is not None and node["c"][index][0]:
            ids.add(node["c"][index][0])
        if node["t"] == "Link":
            links.append(node["c"][2][0])
    if not any(url.startswith("#") and url[1:] not in ids for url in links):
        return ast  # nothing dangles: no need to rebuild the tree

    def visit(node: Node) -> Node | None:
        if node["t"] == "Link":
            url = node["c"][2][0]
            if url.startswith("#") and url[1:] not in ids:
                return {"t": "Span", "c": [node["c"][0], node["c"][1]]}
        return None

    result: Node = transform(ast, visit)
    return result
