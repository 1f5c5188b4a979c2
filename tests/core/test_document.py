"""Pure AST transformations: safety, numbering, cross-references, ids, notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from anthology.chapters.crossrefs import number_crossrefs
from anthology.chapters.document import (
    Locator,
    each,
    notes_to_endnotes,
    notes_to_footnotes,
    prefix_ids,
    stringify,
)
from anthology.chapters.prepare import parse_markdown
from anthology.chapters.safety import sanitize
from anthology.core.cache import Cache


def parse(text: str, tmp_path: Path) -> dict[str, Any]:
    return parse_markdown(text, "test", Cache(tmp_path / "cache"))


def make_safe(text: str, root: Path) -> tuple[dict[str, Any], list[str]]:
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    locator = Locator("chapters/x.md", text, 1, "x")
    ast = sanitize(parse(text, root), locator, root, root / "chapters")
    return ast, [f.to_text() for f in locator.findings]


def test_raw_html_is_dropped_and_reported(tmp_path: Path) -> None:
    ast, found = make_safe('Text.\n\n<img src="file:///etc/passwd">\n\nMore <b>bold</b>.\n',
                           tmp_path)
    assert each(ast, "RawBlock") == [] and each(ast, "RawInline") == []
    assert found[0] == (
        'chapters/x.md:3: error: contains raw HTML (<img src="file:///etc/passwd">), which the '
        "book does not print. Use Markdown instead: *italic*, **bold**, [link](https://...), "
        "![image](images/x.png). [markdown.raw-html]")
    assert len(found) == 3  # the <img>, <b> and </b>


def test_dangerous_attributes_and_links(tmp_path: Path) -> None:
    text = ('[x]{style="background:url(file:///etc/passwd)" onclick="go()" lang="fr"} '
            "[click](javascript:alert(1)) [ok](https://example.org) [mail](mailto:a@b.org)\n")
    ast, found = make_safe(text, tmp_path)
    span = each(ast, "Span")[0]
    assert span["c"][0][2] == [["lang", "fr"]]
    assert [link["c"][2][0] for link in each(ast, "Link")] == ["https://example.org",
                                                               "mailto:a@b.org"]
    assert found == [
        "chapters/x.md:1: warning: links to 'javascript:alert(1)', which readers of the book "
        "cannot follow. Link to a web address (https://...) or remove the link. [link.unsafe]",
        "chapters/x.md:1: warning: removed 2 attributes that could run code or change the page "
        "(style, onclick), the first here; the text is printed without them. Delete the "
        "attribute in {...} after the text; only width, height and lang are kept. Ask the "
        "editor if the passage needs a special style. [markdown.attribute-removed]"]


@pytest.mark.parametrize(("target", "code"), [
    ("/etc/hostname", "image.outside"), ("../../outside.png", "image.outside"),
    ("file:///etc/passwd", "image.outside"), ("http://127.0.0.1:9/x.png", "image.remote"),
    ("images/nope.png", "image.missing")])
def test_images_outside_the_book_are_refused(tmp_path: Path, target: str, code: str) -> None:
    ast, found = make_safe(f"![A picture]({target})\n", tmp_path)
    assert each(ast, "Image") == []
    assert stringify(ast["blocks"]) == "A picture [Image not included: A picture]"
    assert len(found) == 1 and found[0].endswith(f"[{code}]")


def test_symlinked_image_pointing_out_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG")
    root = tmp_path / "book"
    (root / "chapters" / "images").mkdir(parents=True)
    (root / "chapters" / "images" / "x.png").symlink_to(secret)
    _, found = make_safe("![Alt](images/x.png)\n", root)
    assert found == [
        "chapters/x.md:1: error: uses the image images/x.png, which is outside the book folder. "
        "Copy the image into the chapter's images/ folder and refer to it there. "
        "[image.outside]"]


def test_image_inside_the_book_is_kept_relative_to_the_book(tmp_path: Path) -> None:
    (tmp_path / "chapters" / "images").mkdir(parents=True)
    (tmp_path / "chapters" / "images" / "f.svg").write_text("<svg/>")
    ast, found = make_safe("![Alt](images/f.svg)\n", tmp_path)
    assert found == []
    assert each(ast, "Image")[0]["c"][2][0] == "chapters/images/f.svg"


def test_deep_nesting_is_bounded(tmp_path: Path) -> None:
    ast, found = make_safe("> " * 60 + "deep\n", tmp_path)
    assert len(each(ast, "BlockQuote")) == 40
    assert found[0].endswith("[markdown.too-deep]")


def test_figures_tables_and_sections_are_numbered_and_resolved(tmp_path: Path) -> None:
    text = ("## Where we start {#sec-start}\n\nSee @fig-cycle and [see @tbl-ladder, p. 2] and "
            "@sec-start.\n\n![The cycle.](x.svg){#fig-cycle}\n\n| a |\n|---|\n| 1 |\n\n"
            ": The ladder. {#tbl-ladder}\n")
    locator = Locator("chapters/x.md", text, 1, "x")
    ast, targets = number_crossrefs(parse(text, tmp_path), "3", locator)
    assert locator.findings == []
    assert each(ast, "Cite") == []
    links = [(stringify(link["c"][1]), link["c"][2][0]) for link in each(ast, "Link")]
    # An outer quotation, as pandoc reads "...": the book's quotation style is applied later.
    assert links == [("Figure 3.1", "#fig-cycle"), ("Table 3.1", "#tbl-ladder"),
                     ("“Where we start”", "#sec-start")]
    assert stringify(ast["blocks"][1]) == "See Figure 3.1 and see Table 3.1, p. 2 and “Where we " \
                                          "start”."
    assert targets["fig-cycle"].label == "Figure 3.1"
    assert stringify(each(ast, "Figure")[0]["c"][1][1]) == "Figure 3.1 The cycle."


def test_missing_crossref_target(tmp_path: Path) -> None:
    text = "See @fig-cycel.\n\n![The cycle.](x.svg){#fig-cycle}\n"
    locator = Locator("chapters/x.md", text, 5, "x")
    number_crossrefs(parse(text, tmp_path), "2", locator)
    assert [f.to_text() for f in locator.findings] == [
        "chapters/x.md:5: error: refers to @fig-cycel, but this chapter has no figure with the "
        "id 'fig-cycel'. Did you mean 'fig-cycle'? [crossref.missing]"]


def test_prefix_ids_makes_ids_unique_per_chapter(tmp_path: Path) -> None:
    ast = parse("## Head {#sec-a}\n\n[back](#sec-a) [web](https://x.org)\n", tmp_path)
    out = prefix_ids(ast, "c3-")
    assert each(out, "Header")[0]["c"][1][0] == "c3-sec-a"
    assert [link["c"][2][0] for link in each(out, "Link")] == ["#c3-sec-a", "https://x.org"]


def test_notes_become_footnote_spans_or_endnotes(tmp_path: Path) -> None:
    ast = parse("Text.[^1] More.[^2]\n\n[^1]: First *note*.\n\n[^2]: Second.\n\n    Two.\n",
                tmp_path)
    foot = notes_to_footnotes(ast)
    spans = [s for s in each(foot, "Span") if "footnote" in s["c"][0][1]]
    assert [stringify(s["c"][1]) for s in spans] == ["First note.", "Second. Two."]
    end = notes_to_endnotes(ast, "c2-")
    assert each(end, "Note") == []
    text = json.dumps(end)
    assert [text.count(f'"#c2-{x}"') for x in ("fn1", "fn2", "fnref1", "fnref2")] == [1] * 4
    assert [d["c"][0][0] for d in each(end, "Div")] == ["c2-fn1", "c2-fn2"]


def test_dangling_internal_links_become_text(tmp_path: Path) -> None:
    from anthology.chapters.document import unwrap_dangling_links

    ast = parse("## Here {#sec-here}\n\n[ok](#sec-here) [gone](#ref-nobody) [web](https://x.org)\n",
                tmp_path)
    out = unwrap_dangling_links(ast)
    assert [link["c"][2][0] for link in each(out, "Link")] == ["#sec-here", "https://x.org"]
    assert stringify(out["blocks"][1]) == "ok gone web"
