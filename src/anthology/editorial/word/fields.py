"""Word out, ready to come back in: citations and the reference list of a chapter's DOCX as
the fields Zotero writes.

Each citation becomes a complex field `ADDIN ZOTERO_ITEM CSL_CITATION {json}` whose result is
the citation as the book's style prints it and whose data holds each work's key and CSL JSON;
the reference list becomes Zotero's `ADDIN ZOTERO_BIBL` field. A contributor's Zotero can
refresh them, and `anthology import` of the returned file finds the same works under the same
keys (and leaves the reference list to the book). Pure: the AST and the items in, the AST out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from anthology.chapters.document import Node, stringify, transform

SCHEMA = "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"
IN_TEXT = "anthology-author-in-text"
BIBLIOGRAPHY = ' ADDIN ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[]} CSL_BIBLIOGRAPHY '


def _raw(xml: str) -> Node:
    return {"t": "RawInline", "c": ["openxml", xml]}


def field_start(instruction: str) -> Node:
    """The runs that open a complex field with `instruction`, up to its shown result."""
    return _raw('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText '
                f'xml:space="preserve">{escape(instruction)}</w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')


FIELD_END = _raw('<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def _unlinked(inlines: list[Node]) -> list[Node]:
    """A citation's printed form without its links to the reference list (a field's result
    holds text, and Word would make each link a field of its own)."""
    def visit(node: Node) -> Node | list[Node] | None:
        if node["t"] == "Link":
            content: list[Node] = node["c"][1]
            return content
        return None

    unlinked: list[Node] = transform(inlines, visit)
    return unlinked


def _citation_data(cite: Node, items: Mapping[str, dict[str, Any]], number: int) -> str:
    cited = []
    for citation in cite["c"][0]:
        key = citation["citationId"]
        entry: dict[str, Any] = {"id": key, "uris": [],
                                 "itemData": {**items.get(key, {}), "id": key}}
        prefix, suffix = stringify(citation["citationPrefix"]), \
            stringify(citation["citationSuffix"])
        if prefix:
            entry["prefix"] = prefix
        if suffix:
            entry["suffix"] = suffix
        mode = citation["citationMode"]["t"]
        if mode == "SuppressAuthor":
            entry["suppress-author"] = True
        elif mode == "AuthorInText":
            # CSL has no such flag; ours, for `anthology import` (Zotero drops it on refresh).
            entry[IN_TEXT] = True
        cited.append(entry)
    shown = stringify(cite["c"][1])
    data = {"citationID": f"anthology-{number}", "properties": {
        "formattedCitation": shown, "plainCitation": shown, "noteIndex": 0},
        "citationItems": cited, "schema": SCHEMA}
    return f" ADDIN ZOTERO_ITEM CSL_CITATION {json.dumps(data, ensure_ascii=False)} "


def with_citation_fields(ast: Node, items: Mapping[str, dict[str, Any]]) -> Node:
    """The chapter's cited AST with its citations and reference list as Zotero's fields."""
    count = 0

    def visit(node: Node) -> Node | list[Node] | None:
        nonlocal count
        if node["t"] == "Cite":
            count += 1
            shown = {"t": "Cite", "c": [node["c"][0], _unlinked(node["c"][1])]}
            return [field_start(_citation_data(node, items, count)), shown, FIELD_END]
        if node["t"] == "Div" and node["c"][0][0] == "refs":
            return _bibliography_field(node)
        return None

    result: Node = transform(ast, visit)
    return result


def _bibliography_field(refs: Node) -> Node:
    """The reference list inside one field that opens in its first paragraph and closes in
    its last (Zotero's bibliography spans paragraphs so)."""
    paragraphs = [block for entry in refs["c"][1] if entry["t"] == "Div"
                  for block in entry["c"][1] if block["t"] in ("Para", "Plain")]
    if not paragraphs:
        return refs
    first, last = paragraphs[0], paragraphs[-1]
    first["c"] = [field_start(BIBLIOGRAPHY), *first["c"]]
    last["c"] = [*last["c"], FIELD_END]
    return refs
