"""citeproc's view of a chapter: its citations and notes in order, and nothing else.

pandoc's citeproc reads a document's citations (with the note each is in), renders them and
its reference list, and puts them back where they were. With an in-text style (author-date,
numeric) nothing else in the document matters to it. So a chapter's citations can be resolved
from a *frame* of the chapter, one paragraph holding every citation and every note in document
order, and the rendered citations and reference list put back into the full chapter. Two gains:
citeproc reads a small document rather than the whole chapter, and an edit that leaves the
citations alone (the usual one) leaves the frame, and so citeproc's cached result, unchanged.

The frame gives the same result as citeproc over the whole chapter only where pandoc changes
nothing outside the citations, so `frame_of` and `splice` decline (return None) wherever it
might (pandoc's Text.Pandoc.Citeproc, 3.x): note styles and `notes-after-punctuation` (notes
are made and punctuation moved); a `refs` div or a document ending in a heading (where the
reference list goes); sections that reset citation positions; `csl-quoted` spans in the text;
a rendered citation that is a note or superscript (the space before it is dropped) or that
ends with a full stop followed by one in the text (one is dropped). The caller then runs
citeproc over the whole chapter, as before.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from anthology.chapters.document import Node, stringify

_NOTE_STYLE = re.compile(r"<style\b[^>]*\bclass\s*=\s*[\"']note[\"']", re.DOTALL)
_CITATION = re.compile(r"<citation\b.*?</citation>", re.DOTALL)
_RESET = "reset-citation-positions"


def in_text_style(csl: Path) -> bool:
    """Whether the CSL style is in-text (author-date, numeric), not a note style, and does
    not set its citations as superscripts (for those pandoc changes the text around them, so
    a frame would be made only to be declined)."""
    try:
        text = csl.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "<style" not in text or _NOTE_STYLE.search(text[:20000]) is not None:
        return False
    citation = _CITATION.search(text)
    return citation is None or "vertical-align=\"sup\"" not in citation.group(0)


def frame_of(ast: Node) -> Node | None:
    """The chapter's frame (its meta, then one paragraph of its citations and notes in
    document order, each note holding its own citations), or None where a frame would not
    give what citeproc over the whole chapter gives."""
    meta = ast.get("meta", {})
    if "notes-after-punctuation" in meta:
        return None
    blocks = ast.get("blocks", [])
    if blocks and blocks[-1].get("t") == "Header":
        return None  # pandoc puts the reference list under that heading
    inlines: list[Node] = []
    if not _collect(blocks, inlines):
        return None
    return {"pandoc-api-version": ast.get("pandoc-api-version"), "meta": meta,
            "blocks": [{"t": "Para", "c": inlines}]}


def _declines(node: Node) -> bool:
    kind = node["t"]
    if kind in ("Div", "Header", "Span"):
        attr = node["c"][1] if kind == "Header" else node["c"][0]
        identifier, classes, attributes = attr
        if _RESET in classes:
            return True
        if kind == "Div" and (identifier == "refs" or identifier.endswith("__refs")):
            return True
        if kind == "Span" and not identifier and classes == ["csl-quoted"] and not attributes:
            return True
    return False


def _collect(item: Any, into: list[Node]) -> bool:
    """Append the citations and notes under `item` to `into`, in document order (the order of
    pandoc's own walk: an element's fields in turn); False if a frame will not do."""
    if type(item) is list:
        for child in item:
            if (type(child) is dict or type(child) is list) and not _collect(child, into):
                return False
        return True
    kind = item.get("t")
    if kind is None:  # a citation's fields, a table's parts...
        return all(_collect(value, into) for value in item.values()
                   if type(value) is dict or type(value) is list)
    if kind == "Cite":
        into.append(item)
        return True
    if _declines(item):
        return False
    content = item.get("c")
    if kind == "Note":
        inside: list[Node] = []
        if not _collect(content, inside):
            return False
        into.append({"t": "Note", "c": [{"t": "Para", "c": inside}]})
        return True
    if type(content) is list or type(content) is dict:
        return _collect(content, into)
    return True


def _resolved(inlines: list[Node], out: list[Node]) -> None:
    for node in inlines:
        if node["t"] == "Cite":
            out.append(node)
        elif node["t"] == "Note":
            for block in node["c"]:
                _resolved(block["c"], out)


def splice(ast: Node, cited_frame: Node) -> Node | None:
    """The chapter with the frame's rendered citations and reference list put in, or None
    where the result could differ from citeproc over the whole chapter."""
    blocks = cited_frame.get("blocks", [])
    if not blocks or blocks[0].get("t") != "Para":
        return None
    cites: list[Node] = []
    _resolved(blocks[0]["c"], cites)
    for cite in cites:
        shown = cite["c"][1]
        if shown and (shown[0]["t"] == "Superscript"
                      or (len(shown) == 1 and shown[0]["t"] == "Note")):
            return None  # pandoc drops the space before such a citation
    queue = iter(cites)
    state = {"left": len(cites), "ok": True}

    def put(item: Any) -> Any:
        if type(item) is list:
            out = []
            for index, child in enumerate(item):
                if type(child) is dict and child.get("t") == "Cite":
                    if state["left"] == 0:
                        state["ok"] = False
                        return item
                    state["left"] -= 1
                    new = next(queue)
                    following = item[index + 1] if index + 1 < len(item) else None
                    if (type(following) is dict and following.get("t") == "Str"
                            and following.get("c") == "."
                            and stringify(new["c"][1]).endswith(".")):
                        state["ok"] = False  # pandoc drops the second full stop
                    out.append(new)
                elif type(child) is dict or type(child) is list:
                    out.append(put(child))
                else:
                    out.append(child)
            return out
        if type(item) is dict:
            if item.get("t") == "Cite":  # a citation not in a list: not in pandoc's AST
                state["ok"] = False
                return item
            return {key: put(value) if type(value) is dict or type(value) is list else value
                    for key, value in item.items()}
        return item

    body = put(ast.get("blocks", []))
    if not state["ok"] or state["left"] != 0:
        return None
    return {"pandoc-api-version": cited_frame.get("pandoc-api-version"),
            "meta": cited_frame.get("meta", {}), "blocks": [*body, *blocks[1:]]}
