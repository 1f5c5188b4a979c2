"""What real manuscripts carry besides Markdown: raw TeX and HTML, comments, template syntax,
other tools' cross-references, duplicate ids, conflict markers, nesting (real pandoc)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anthology.chapters.crossrefs import number_crossrefs
from anthology.chapters.document import Locator, each, stringify
from anthology.chapters.prepare import parse_markdown
from anthology.chapters.rawtext import (
    INDEX_ENTRY,
    conflict_markers,
    limit_nesting,
    tex_meaning,
    tree_too_deep,
)
from anthology.chapters.safety import sanitize
from anthology.core.cache import Cache

RAW_TEX_HINT = ("Write what it should show in Markdown instead (a page break, \\newpage on a "
                "line of its own, is kept).")


def read(text: str, root: Path, allow_raw_html: bool = False
         ) -> tuple[dict[str, Any], list[str], Locator]:
    """The chapter text sanitized and numbered as the build does it, and the findings."""
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    locator = Locator("chapters/x.md", text, 1, "x")
    ast = parse_markdown(text, "test", Cache(root / "cache"))
    safe = sanitize(ast, locator, root, root / "chapters", allow_raw_html=allow_raw_html)
    numbered, _ = number_crossrefs(safe, "2", locator)
    return numbered, [f.to_text() for f in locator.findings], locator


def test_fenced_raw_tex_is_left_out_with_one_finding_each_and_the_table_after_it_kept(
        tmp_path: Path) -> None:
    text = ("Before.\n\n```{=tex}\n\\begingroup \\fontsize{5pt}{6pt}\\selectfont\n```\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n```{=latex}\n\\endgroup\n```\n\nAfter.\n")
    ast, found, _ = read(text, tmp_path)
    assert each(ast, "Code") == [] and each(ast, "CodeBlock") == []
    assert len(each(ast, "Table")) == 1
    assert stringify(ast["blocks"]) == "Before. Table 2.1 a b 1 2 After."
    assert found == [
        "chapters/x.md:3: warning: has a raw LaTeX block (\\begingroup \\fontsize{5pt}{6pt}"
        "\\selectfo), which the book does not print: it is left out. Write it in Markdown "
        "instead; ask the editors if the book's style should do what it does. [markdown.raw-tex]",
        "chapters/x.md:11: warning: has a raw LaTeX block (\\endgroup), which the book does not "
        "print: it is left out. Write it in Markdown instead; ask the editors if the book's "
        "style should do what it does. [markdown.raw-tex]"]


def test_latex_commands_with_a_meaning(tmp_path: Path) -> None:
    text = ("\\mainmatter\n\nOne\\index{peer support} two.\n\n\\newpage\n\n\\noindent Three.\n\n"
            "```{=latex}\n\\clearpage\n```\n\nFour.\n")
    ast, found, _ = read(text, tmp_path)
    assert found == []
    breaks = [b for b in ast["blocks"] if b["t"] == "Div"]
    assert [b["c"] for b in breaks] == [[["", ["page-break"], []], []]] * 2
    assert stringify(ast["blocks"]) == "One two. Three. Four."


@pytest.mark.parametrize(("text", "meaning"), [
    ("\\newpage", "page-break"), ("\\clearpage\n", "page-break"), ("\\noindent", "nothing"),
    ("\\index{a!b}\\index{c{d}}", "nothing"), ("\\backmatter", "nothing"),
    ("\\gref{a}{b}", None), ("\\newpage \\vspace{1em}", None)])
def test_tex_meaning(text: str, meaning: str | None) -> None:
    assert tex_meaning(text) == meaning


def test_index_entries_stay_recoverable() -> None:
    assert INDEX_ENTRY.findall("x\\index{virtual environment} y\\index{a{b}c}") == [
        "\\index{virtual environment}", "\\index{a{b}c}"]


def test_html_comments_are_notes_to_the_editor(tmp_path: Path) -> None:
    text = "<!-- note to the editor -->\n\nText <!-- inline\nnote --> here.\n"
    for allow in (False, True):
        ast, found, _ = read(text, tmp_path, allow_raw_html=allow)
        assert found == []
        assert stringify(ast["blocks"]) == "Text here."


def test_fenced_html_follows_build_raw_html(tmp_path: Path) -> None:
    text = "```{=html}\n<b>bold</b>\n```\n\nText.\n"
    ast, found, _ = read(text, tmp_path)
    assert found == [
        "chapters/x.md:1: error: contains raw HTML (<b>bold</b>), which the book does not "
        "print. Use Markdown instead: *italic*, **bold**, [link](https://...), "
        "![image](images/x.png). [markdown.raw-html]"]
    ast, found, _ = read(text, tmp_path, allow_raw_html=True)
    assert found == [] and each(ast, "RawBlock")[0]["c"] == ["html", "<b>bold</b>"]


def test_template_syntax_is_printed_with_a_warning(tmp_path: Path) -> None:
    text = ("Text.\n\n`{{ code }}` is fine.\n\n{% for x in items %}\n{{ x }}\n{% endfor %}\n\n"
            "So is maths, $x^{{2}}$.\n")
    ast, found, _ = read(text, tmp_path)
    assert stringify(ast["blocks"][2]) == "{% for x in items %} {{ x }} {% endfor %}"
    hint = ("the book does not run templates and prints it as written. Replace it with the "
            "text it should make, or leave it if it is meant to be printed. "
            "[markdown.template-syntax]")
    assert found == [
        "chapters/x.md:5: warning: has '{% for x in items %}', which looks like template syntax "
        f"(Jinja, Liquid or Quarto): {hint}",
        "chapters/x.md:6: warning: has '{{ x }}', which looks like template syntax (Jinja, "
        f"Liquid or Quarto): {hint}",
        "chapters/x.md:7: warning: has '{% endfor %}', which looks like template syntax (Jinja, "
        f"Liquid or Quarto): {hint}"]


def test_bookdown_and_pandoc_crossref_references_resolve(tmp_path: Path) -> None:
    text = ("# Introduction {#intro}\n\nSee Figure \\@ref(fig:cycle), Table \\@ref(tab:ladder), "
            "Section \\@ref(intro), @fig:wheel and [@tbl:steps].\n\n"
            "![(\\#fig:cycle) The cycle.](x.svg)\n\n![The wheel.](y.svg){#fig:wheel}\n\n"
            "Table: (\\#tab:ladder) The ladder.\n\n| a |\n|---|\n| 1 |\n\n"
            "| b |\n|---|\n| 2 |\n\n: Steps. {#tbl:steps}\n")
    ast, found, _ = read(text, tmp_path)
    assert [f for f in found if "crossref" in f] == []
    assert stringify(ast["blocks"][1]) == (
        "See Figure Figure 2.1, Table Table 2.1, Section “Introduction”, Figure 2.2 and "
        "Table 2.2.")
    links = [link["c"][2][0] for link in each(ast["blocks"][1], "Link")]
    assert links == ["#fig-cycle", "#tab-ladder", "#intro", "#fig-wheel", "#tbl-steps"]
    assert [f["c"][0][0] for f in each(ast, "Figure")] == ["fig-cycle", "fig-wheel"]
    assert stringify(each(ast, "Figure")[0]["c"][1][1]) == "Figure 2.1 The cycle."
    image = each(ast, "Image")
    assert image == [] or stringify(image[0]["c"][1]) == "The cycle."
    assert stringify(each(ast, "Table")[0]["c"][1][1]) == "Table 2.1 The ladder."


@pytest.mark.parametrize(("text", "printed", "findings"), [
    pytest.param(
        "A \\gref{a}{b} and \\gref{c}{d}.\n\nMore \\gref{e}{f}, \\alpha.\n\n"
        "\\begin{align}\nx &= 1\n\\end{align}\n",
        "A and . More , .",
        [f"chapters/x.md:1: warning: uses the LaTeX command \\gref 3 times (first here), which "
         f"the book does not print: it is left out. {RAW_TEX_HINT} [markdown.raw-tex]",
         f"chapters/x.md:3: warning: uses the LaTeX command \\alpha, which the book does not "
         f"print: it is left out. {RAW_TEX_HINT} [markdown.raw-tex]",
         "chapters/x.md:5: warning: uses the LaTeX environment align, which the book does not "
         "print: it is left out. Write the equation as Markdown maths: $$\\begin{aligned} ... "
         "\\end{aligned}$$. [markdown.raw-tex]"],
        id="other-raw-tex-one-finding-per-command-with-a-count"),
    pytest.param(
        "See \\@ref(fig:gone) and \\@ref(nowhere) and @tbl:none.\n\nAgain \\@ref(fig:gone).\n",
        "See ?? and ?? and ??. Again ??.",
        ["chapters/x.md:1: error: refers to \\@ref(fig:gone), but this chapter has no figure "
         "with the label 'fig:gone'. Give the figure that label, for example (\\#fig:gone) at "
         "the start of its caption, or {#fig:gone} after it. [crossref.missing]",
         "chapters/x.md:1: error: refers to \\@ref(nowhere), but this chapter has no section "
         "with the label 'nowhere'. Give the section that label, for example ## Title "
         "{#nowhere}. [crossref.missing]",
         "chapters/x.md:1: error: refers to @tbl:none, but this chapter has no table with the "
         "label 'tbl:none'. Give the table that label, for example {#tbl:none} after it. "
         "[crossref.missing]",
         "chapters/x.md:3: error: refers to \\@ref(fig:gone), but this chapter has no figure "
         "with the label 'fig:gone'. Give the figure that label, for example (\\#fig:gone) at "
         "the start of its caption, or {#fig:gone} after it. [crossref.missing]"],
        id="missing-references-in-the-syntax-written"),
])
def test_what_is_left_out_or_missing_is_reported(tmp_path: Path, text: str, printed: str,
                                                 findings: list[str]) -> None:
    ast, found, _ = read(text, tmp_path)
    assert stringify(ast["blocks"]) == printed
    assert found == findings


def test_missing_figure_made_by_a_code_block(tmp_path: Path) -> None:
    text = "See @fig-plot.\n\n```{python}\n#| label: fig-plot\nplot()\n```\n"
    _, found, _ = read(text, tmp_path)
    assert found == [
        "chapters/x.md:1: error: refers to @fig-plot, but this chapter has no figure with the id "
        "'fig-plot'. The label fig-plot belongs to a code block, and anthology does not run "
        "code: save what the code makes as an image and add it, for example "
        "![Caption](images/fig-plot.png){#fig-plot}. [crossref.missing]"]


def test_the_same_id_twice_is_reported_and_made_unique(tmp_path: Path) -> None:
    text = ("| a |\n|---|\n| 1 |\n\n: One. {#tbl-x}\n\n| b |\n|---|\n| 2 |\n\n"
            ": Two. {#tbl-x}\n\nSee @tbl-x.\n")
    ast, found, _ = read(text, tmp_path)
    assert [t["c"][0][0] for t in each(ast, "Table")] == ["tbl-x", "tbl-x-2"]
    assert found == [
        "chapters/x.md:11: error: uses the id 'tbl-x' twice (lines 5 and 11): references to it "
        "can only reach the first. Give one of them another id, for example {#tbl-x-2}, and "
        "correct the references to it. [crossref.duplicate-id]"]


def test_every_finding_has_a_line_in_lists_tables_notes_and_quotes(tmp_path: Path) -> None:
    text = ("Start.[^n]\n\n[^n]: A note \\gref{n}{n} with \\index{x}.\n\n"
            "> Quoted \\qref{q}.\n>\n> \\begin{align}\n> x &= 1\n> \\end{align}\n\n"
            "1. Item\n\n   \\begin{align}\n   y &= 2\n   \\end{align}\n\n"
            "   - inner \\sref{s} and <span>x</span>\n\n"
            "| a | b |\n|---|---|\n| \\tref{t} | <b>c</b> |\n\n"
            "Term\n\n:   Definition \\dref{d}.\n")
    _, _, locator = read(text, tmp_path)
    lines = {f.message.split(" which")[0]: f.line for f in locator.findings}
    assert None not in lines.values()
    assert lines == {
        "uses the LaTeX command \\gref,": 3, "uses the LaTeX command \\qref,": 5,
        "uses the LaTeX environment align 2 times (first here),": 7,
        "uses the LaTeX command \\sref,": 17, "uses the LaTeX command \\tref,": 21,
        "uses the LaTeX command \\dref,": 25, "contains raw HTML (<span>),": 17,
        "contains raw HTML (</span>),": 17, "contains raw HTML (<b>),": 21,
        "contains raw HTML (</b>),": 21}


def test_conflict_markers_outside_code() -> None:
    body = ("Text.\n\n<<<<<<< HEAD\nMine.\n=======\nTheirs.\n>>>>>>> feature\n\n"
            "```text\n<<<<<<< HEAD\n=======\n>>>>>>> docs\n```\n\nA heading\n=======\n")
    found = [f.to_text() for f in conflict_markers(body, 5, "chapters/x.md", "x")]
    hint = ("Keep the version you want (the lines between '<<<<<<<' and '=======' are one, "
            "those between '=======' and '>>>>>>>' the other), delete the other, and delete "
            "the marker lines. [manuscript.conflict-markers]")
    assert found == [
        "chapters/x.md:7: error: has the line '<<<<<<< HEAD', left by a git merge that was not "
        f"finished: both versions of the passage would be printed, with the markers. {hint}",
        "chapters/x.md:9: error: has the line '=======', left by a git merge that was not "
        f"finished: both versions of the passage would be printed, with the markers. {hint}",
        "chapters/x.md:11: error: has the line '>>>>>>> feature', left by a git merge that was "
        f"not finished: both versions of the passage would be printed, with the markers. {hint}"]


def test_nesting_is_cut_before_pandoc(tmp_path: Path) -> None:
    body = "Fine.\n\n" + "> " * 2000 + "deep\n\n" + "- " * 1500 + "list\n\n" + \
        "::: {.a}\n" * 100 + "x\n" + ":::\n" * 100 + "\nAfter.\n"
    cut, found = limit_nesting(body, 6, "chapters/x.md", "x")
    assert [f.to_text() for f in found] == [
        "chapters/x.md:8: error: nests quotations or lists more than 40 levels deep, which "
        "cannot be printed. Flatten the nesting: most books never go beyond three levels. "
        "[markdown.too-deep]"]
    assert cut.count("\n") == body.count("\n")
    ast = parse_markdown(cut, "test", Cache(tmp_path / "cache"))
    assert not tree_too_deep(ast)
    assert stringify(ast["blocks"][-1]) == "After."
    assert limit_nesting("> > quoted\n" * 40, 1, "x", None) == ("> > quoted\n" * 40, [])
    art = "```\n" + " " * 200 + "*\n```\n"
    assert limit_nesting(art, 1, "x", None) == (art, [])


def test_a_body_pandoc_cannot_read_is_left_out_with_a_finding(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.chapters.manuscript import read_manuscript
    from anthology.chapters.prepare import parse_body
    from anthology.engines import pandoc

    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "x.md").write_text(
        "---\ntitle: X\nauthors: [a]\n---\n\n" + "Words and more words.\n\n" * 2000)
    manuscript = read_manuscript(tmp_path, "chapters/x.md", "x")
    monkeypatch.setattr(pandoc, "HEAP_CAP", ["+RTS", "-M4M", "-RTS"])  # a real, tiny heap
    ast, found = parse_body(manuscript, "chapters/x.md (chapter 'x')", Cache(tmp_path / "c"))
    # Too much for pandoc's memory cap: left out whole, as a chapter over the limits is.
    assert ast["blocks"] == []
    assert [f.to_text() for f in found] == [
        "chapters/x.md:5: error: is more than pandoc can read: pandoc ran out of memory reading "
        "it (its cap is 4 MB); it was not checked further, and a build leaves it out. Check "
        "that this is the chapter text; split very long material into several chapters. "
        "[manuscript.too-large]"]


def test_a_body_nested_too_deeply_to_read_is_left_out_with_a_finding(tmp_path: Path) -> None:
    from anthology.chapters.manuscript import read_manuscript
    from anthology.chapters.prepare import parse_body

    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "x.md").write_text(
        "---\ntitle: X\nauthors: [a]\n---\n\nFine.\n\n" + "*_" * 300 + "x" + "_*" * 300 + "\n")
    manuscript = read_manuscript(tmp_path, "chapters/x.md", "x")
    ast, found = parse_body(manuscript, "chapters/x.md (chapter 'x')", Cache(tmp_path / "c"))
    assert stringify(ast["blocks"]) == "[Chapter omitted: nested too deeply.]"
    assert [f.to_text() for f in found] == [
        "chapters/x.md:8: error: nests emphasis, links, notes or quotations too deeply for "
        "anthology to read: the chapter is left out. Flatten the nesting: most books never go "
        "beyond three levels. [markdown.too-deep]"]
