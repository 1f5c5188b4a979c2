"""The walk that prefixes a chapter's ids and embeds its images for the EPUB: the same tree as
rebuilding it all with `transform`, sharing what does not change, the chapter's AST untouched."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from anthology.chapters.document import (
    each,
    id_prefixer,
    str_inlines,
    transform,
    unwrap_dangling_links,
)
from anthology.outputs.epub.write import _prefixed, _Seen, image_embedder
from tests.builds.test_incremental import PNG_A


def attr(ident: str = "", classes: list[str] | None = None) -> list[Any]:
    """A pandoc Attr."""
    return [ident, classes or [], []]


def link(url: str, ident: str = "") -> dict[str, Any]:
    """A link with one word."""
    return {"t": "Link", "c": [attr(ident), str_inlines("here"), [url, ""]]}


def blocks_with_everything() -> list[dict[str, Any]]:
    """Blocks with every kind of id, link and image the walk treats, and plain text around."""
    citation = {"citationId": "k", "citationPrefix": [link("#sec-a")], "citationSuffix": [],
                "citationMode": {"t": "NormalCitation"}, "citationNoteNum": 1,
                "citationHash": 0}
    return [
        {"t": "Header", "c": [1, attr("sec-a"), str_inlines("A top heading")]},
        {"t": "Header", "c": [2, attr(), str_inlines("No id")]},
        {"t": "Para", "c": [*str_inlines("Plain words stay shared"), {"t": "Space"},
                            link("#sec-a", "l1"), link("https://example.org/#x"),
                            link("#"), {"t": "Span", "c": [attr("s1", ["k"]), []]},
                            {"t": "Code", "c": [attr("c1"), "x = 1"]},
                            {"t": "Math", "c": [{"t": "InlineMath"}, "x^2"]},
                            {"t": "Cite", "c": [[citation], str_inlines("(Cahn 2000)")]},
                            {"t": "Note", "c": [{"t": "Para", "c": [link("#d1")]}]}]},
        {"t": "Div", "c": [attr("d1"), [{"t": "Para", "c": str_inlines("In a div.")}]]},
        {"t": "Figure", "c": [attr("fig-a"), [None, []], [{"t": "Plain", "c": [
            {"t": "Image", "c": [attr("i1"), str_inlines("alt"), ["images/a.png", ""]]},
            {"t": "Image", "c": [attr(), [], ["images/missing.png", ""]]}]}]]},
        {"t": "CodeBlock", "c": [attr("cb"), "print()"]},
    ]


def test_the_walk_gives_what_transform_gives_and_leaves_the_chapter_alone(
        tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(PNG_A)
    blocks = blocks_with_everything()
    before = copy.deepcopy(blocks)
    prefix, embed = id_prefixer("c3-"), image_embedder(tmp_path)

    def visit(node: dict[str, Any]) -> None:
        prefix(node)
        embed(node)

    expected = transform(copy.deepcopy(blocks), visit)
    seen = _Seen()
    walked = _prefixed(blocks, "c3-", tmp_path, seen)
    assert json.dumps(walked) == json.dumps(expected)
    assert blocks == before
    assert '"data:image/png;base64,' in json.dumps(walked)
    assert seen.kinds == {node["t"] for node in each(expected)}
    assert seen.ids == {"c3-sec-a", "c3-l1", "c3-s1", "c3-c1", "c3-d1", "c3-fig-a", "c3-i1",
                        "c3-cb"}
    assert sorted(seen.links) == sorted(["#c3-sec-a", "https://example.org/#x", "#",
                                         "#c3-sec-a", "#c3-d1"])
    assert seen.top_heading
    document = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": walked}
    assert seen.dangles()  # "#" names no id: unwrapped, as unwrap_dangling_links would
    assert unwrap_dangling_links(document) is not document
    plain = blocks[1]
    assert walked[1] is plain  # nothing in it changes: shared, not copied
    assert walked[2]["c"][0] is blocks[2]["c"][0]


def test_links_to_ids_of_the_chapter_do_not_dangle() -> None:
    seen = _Seen()
    _prefixed([{"t": "Para", "c": [link("#here"), link("mailto:a@example.org")]},
               {"t": "Header", "c": [2, attr("here"), []]}], "c1-", Path(), seen)
    assert not seen.dangles() and not seen.top_heading
    seen = _Seen()
    _prefixed([{"t": "Para", "c": [link("#gone")]}], "c1-", Path(), seen)
    assert seen.dangles()
