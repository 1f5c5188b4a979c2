"""What pandoc's reading of a Word file needs before it is the book's Markdown: the reference
list heading Zotero left, the book's own figure and table numbers and cross-references in a
chapter the book sent out in Word (outputs/chapterdoc.py), and stray spaces. Pure: AST in, AST
out.
"""

from __future__ import annotations

import re

from anthology.chapters.document import Node, each, stringify, transform

_LABEL_WORD = re.compile(r"^(?:Figure|Fig\.|Table)$")
_LABEL_NUMBER = re.compile(r"^\d+(?:\.\d+)*[.:]?$")


def unlabelled(inlines: list[Node]) -> list[Node]:
    """Inlines without a leading "Figure 2.1" or "Table 3": the book numbers its figures and
    tables itself (a chapter it sent out in Word comes back with its numbers as text)."""
    if len(inlines) >= 3 and inlines[0]["t"] == "Str" and _LABEL_WORD.match(inlines[0]["c"]) \
            and inlines[1]["t"] == "Space" and inlines[2]["t"] == "Str" \
            and _LABEL_NUMBER.match(inlines[2]["c"]):
        rest = inlines[3:]
        return rest[1:] if rest and rest[0]["t"] == "Space" else rest
    return inlines


def trimmed(inlines: list[Node]) -> list[Node]:
    """Without trailing spaces (pandoc leaves one after a Zotero locator: `[@a, page 12 ]`)."""
    end = len(inlines)
    while end and inlines[end - 1]["t"] in ("Space", "SoftBreak"):
        end -= 1
    return inlines[:end]


def without_labels(ast: Node) -> Node:
    """Figures' and tables' captions (and their pictures' descriptions) without the book's
    numbers; tables without Word's column widths (the book sets its tables)."""
    def visit(node: Node) -> Node | None:
        if node["t"] == "Table":
            node["c"][2] = [[spec[0], {"t": "ColWidthDefault"}] for spec in node["c"][2]]
        if node["t"] in ("Figure", "Table"):
            blocks = node["c"][1][1]
            if blocks and blocks[0]["t"] in ("Plain", "Para"):
                blocks[0]["c"] = unlabelled(blocks[0]["c"])
        elif node["t"] == "Image":
            node["c"][1] = unlabelled(node["c"][1])
        return None

    result: Node = transform(ast, visit)
    return result


_CROSSREF_TEXT = re.compile(r"^(?:Figure|Table) \d+(?:\.\d+)*$")


def crossref(identifier: str) -> Node:
    """`@fig-one`: the book's cross-reference, which it prints as "Figure 2.1"."""
    return {"t": "Cite", "c": [[{"citationId": identifier, "citationPrefix": [],
                                 "citationSuffix": [], "citationMode": {"t": "AuthorInText"},
                                 "citationNoteNum": 0, "citationHash": 0}],
                               [{"t": "Str", "c": f"@{identifier}"}]]}


def with_crossrefs(ast: Node) -> Node:
    """Cross-references back from a chapter the book sent out in Word: there a reference is a
    link ("Figure 2.1", or a section's title in quotes) to a bookmark, which pandoc does not
    read back; so the figure whose caption begins "Figure 2.1" (the table, the heading with
    that title) gets the id again, and the link becomes `@fig-...` once more."""
    labels: dict[str, str] = {}
    for link in each(ast["blocks"], "Link"):
        target, text = link["c"][2][0], stringify(link["c"][1])
        if not target.startswith("#") or len(target) < 2:
            continue
        if _CROSSREF_TEXT.match(text) or (len(text) > 2 and text[0] == "‘" and text[-1] == "’"):
            labels.setdefault(text.strip("‘’"), target[1:])
    if not labels:
        return ast

    def visit(node: Node) -> Node | None:
        kind = node["t"]
        if kind == "Link":
            text = stringify(node["c"][1]).strip("‘’")
            if node["c"][2][0] == "#" + labels.get(text, "\0"):
                return crossref(labels[text])
        elif kind == "Header" and stringify(node["c"][2]) in labels:
            node["c"][1] = [labels[stringify(node["c"][2])], *node["c"][1][1:]]
        elif kind in ("Figure", "Table") and not node["c"][0][0]:
            blocks = node["c"][1][1]
            if blocks and blocks[0]["t"] in ("Plain", "Para"):
                label = stringify(blocks[0]["c"][:3])
                if label in labels:
                    node["c"][0] = [labels[label], *node["c"][0][1:]]
        return None

    result: Node = transform(ast, visit)
    return result


def without_reference_heading(blocks: list[Node]) -> list[Node]:
    """pandoc leaves out the reference list Zotero or Mendeley wrote (the book makes its own
    from the citations), but not the heading above it, which would head nothing."""
    if blocks and blocks[-1]["t"] == "Header":
        return blocks[:-1]
    return blocks


_HASHED = re.compile(r"^X[0-9a-f]{32,40}$")


def with_heading_ids(ast: Node, bookmarks: list[tuple[str, str]]) -> Node:
    """Headings with the ids their bookmarks name (pandoc gives every heading an id made from
    its text, and reads no bookmark back): `## The chapters {#sec-chapters}` stays so."""
    named: dict[str, str] = {}
    for text, name in bookmarks:
        # pandoc writes an id longer than Word allows (40) as "X" and a hash, and Word names
        # the links it pastes OLE_LINK1...: neither is a name a person gave.
        if text and not _HASHED.match(name) and not name.startswith("OLE_LINK"):
            named.setdefault(text, name)

    def visit(node: Node) -> Node | None:
        if node["t"] == "Header":
            name = named.get(stringify(node["c"][2]))
            if name:
                node["c"][1] = [name, *node["c"][1][1:]]
            elif _HASHED.match(node["c"][1][0]):  # pandoc read it back as the id
                node["c"][1] = ["", *node["c"][1][1:]]
        return None

    result: Node = transform(ast, visit)
    return result



_AT_START = re.compile(r"(?<=[^\w@])@")


def at_signs_apart(ast: Node) -> Node:
    """Text with an "@" that the book's Markdown would read as a citation ("@mindcharity",
    "(@x)", "Section\u00a0@ref(y)") split before the "@", so that pandoc's writer escapes it
    (it does at the start of a word, not after a no-break space or a bracket inside one)."""
    def visit(node: Node) -> Node | list[Node] | None:
        if node["t"] != "Str" or "@" not in node["c"][1:]:
            return None
        text: str = node["c"]
        cuts = [m.start() for m in _AT_START.finditer(text)]
        if not cuts:
            return None
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        return [{"t": "Str", "c": piece} for piece in pieces if piece]

    result: Node = transform(ast, visit)
    return result
