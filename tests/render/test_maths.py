"""Maths typeset as SVG (ziamath): sizes and baseline, safety, findings, the cache, the HTML
and the EPUB's MathML."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from anthology.chapters import maths
from anthology.chapters.document import Locator
from anthology.chapters.maths import Formula, check_maths, formula, image_html, typeset
from anthology.chapters.prepare import parse_markdown
from anthology.core.cache import Cache
from anthology.engines import pandoc


def test_a_formula_is_an_svg_of_paths_without_ids_or_text() -> None:
    made = typeset("E = mc^2", display=False)
    assert made.problem is None
    svg = ElementTree.fromstring(made.svg)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    tags = {element.tag.split("}")[1] for element in svg.iter()}
    assert "path" in tags and "text" not in tags and "use" not in tags
    assert not [e for e in svg.iter() if "id" in e.attrib]
    assert "mc^2" not in made.svg


def test_sizes_are_in_em_and_the_depth_is_below_the_baseline() -> None:
    x, y, frac = (typeset(tex, display=False) for tex in ("x", "y", r"\frac{a}{b}"))
    sup = typeset("x^2", display=False)
    # x sits on the baseline (only the margin below it); y's descender goes below.
    assert 0 < x.depth < 0.05 < y.depth < 0.4
    assert 0.3 < x.height < 1 and 0.3 < x.width < 1
    assert frac.depth > 0.2 and frac.height > x.height * 1.5
    assert sup.height > x.height and sup.width > x.width
    display = typeset(r"\sum_{i=1}^n i", display=True)
    inline = typeset(r"\sum_{i=1}^n i", display=False)
    assert display.height > inline.height  # limits above and below in display style


@pytest.mark.parametrize(("tex", "problem", "fix"), [
    (r"\foo{x} + 1", r"uses \foo, which the maths typesetter does not know", maths.KNOWN),
    (r"\includegraphics{/etc/passwd}",
     r"uses \includegraphics, which the maths typesetter does not know", maths.KNOWN),
    (r"\input{/etc/hostname}", r"uses \input, which the maths typesetter does not know",
     maths.KNOWN),
    (r"E = mc^2 \label{eq:e}", r"uses \label, which the maths typesetter does not know",
     maths.LABEL),
    (r"\frac{a}{", "cannot be read as TeX", maths.READ),
    (r"\frac{1}{" * 45 + "x" + "}" * 45, "is nested too deeply to typeset", maths.SPLIT),
    ("x^{" * 60 + "y" + "}" * 60, "is nested too deeply to typeset", maths.SPLIT),
    ("x+" * 2001, "is 4,002 characters long; the limit is 4,000", maths.SPLIT),
])
def test_what_cannot_be_typeset_says_why(tex: str, problem: str, fix: str) -> None:
    made = typeset(tex, display=True)
    assert (made.problem, made.fix, made.svg) == (problem, fix, "")


def test_nested_groups_are_typeset_quickly() -> None:
    """ziamath lays out nested rows in time exponential in their depth (12 braces took 6 s):
    groups of one element are flattened first, so 300 take no time at all."""
    for tex in ("{" * 300 + "x" + "}" * 300, r"\frac{1}{" * 30 + "x" + "}" * 30):
        made = typeset(tex, display=False)
        assert made.problem is None and made.width > 0


def test_links_styles_and_odd_colours_are_dropped() -> None:
    made = typeset(r"\href{https://example.org/x}{y} + \style{fill:url(file:///etc/x)}{z} + "
                   r"\color{red}{w} + \color{url(file:///etc/x)}{v}", display=False)
    assert made.problem is None
    assert "example.org" not in made.svg and "file:" not in made.svg and "url(" not in made.svg
    assert 'fill="red"' in made.svg


def test_findings_name_the_line_and_say_how_to_fix(tmp_path: Path) -> None:
    body = ("Intro $x$ text.\n\nA bad $\\foo{x}$ one.\n\n$$\n\\frac{a}{\n$$\n\n"
            "$$ E = mc^2 \\label{eq:e} $$\n")
    locator = Locator("chapters/x.md", body, 5, "x")
    ast = parse_markdown(body, "test", Cache(tmp_path))
    check_maths(ast, locator, Cache(tmp_path))
    assert [f.to_text() for f in locator.findings] == [
        "chapters/x.md:7: error: has a formula that cannot be printed: $\\foo{x}$ uses \\foo, "
        "which the maths typesetter does not know. The PDF shows its TeX in a box instead. "
        "Write it with LaTeX's standard maths commands (\\frac, \\sqrt, \\sum, \\mathrm, "
        "\\begin{aligned} ...), or without that command. [markdown.math]",
        "chapters/x.md:10: error: has a formula that cannot be printed: $\\frac{a}{$ cannot be "
        "read as TeX. The PDF shows its TeX in a box instead. Check that every { has its }, "
        "every \\begin its \\end, and every \\frac two arguments. [markdown.math]",
        "chapters/x.md:13: error: has a formula that cannot be printed: $E = mc^2 "
        "\\label{eq:e}$ uses \\label, which the maths typesetter does not know. The PDF shows "
        "its TeX in a box instead. Label the equation after it instead, as $$ ... $$ "
        "{#eq-name}, and refer to it as @eq-name. [markdown.math]"]


def test_a_formula_is_typeset_once_then_read_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Cache(tmp_path)
    first = formula(r"\sqrt{2}", False, cache)
    assert first.problem is None and cache.misses == 1

    def typeset_again(tex: str, display: bool) -> Formula:
        raise AssertionError("typeset again")

    monkeypatch.setattr(maths, "typeset", typeset_again)
    assert formula(r"\sqrt{2}", False, cache) == first and cache.hits == 1
    with pytest.raises(AssertionError):  # display maths is another entry
        formula(r"\sqrt{2}", True, cache)


def test_inline_image_sits_on_the_baseline_with_the_tex_as_alt_text() -> None:
    made = typeset("x_i < y", display=False)
    html = image_html(made, "x_i  <\n y", display=False)
    match = re.fullmatch(r'<span class="math inline"><img class="math-image" '
                         r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" '
                         r'alt="x_i &lt; y" style="width: ([\d.]+)em; height: ([\d.]+)em; '
                         r'vertical-align: (-[\d.]+)em"></span>', html)
    assert match, html
    assert base64.b64decode(match[1]).decode() == made.svg
    assert float(match[4]) == pytest.approx(-made.depth, abs=0.001)


def test_display_image_has_no_height_so_it_can_shrink_to_the_measure() -> None:
    made = typeset("a + b", display=True)
    html = image_html(made, "a + b", display=True)
    assert html.startswith('<span class="math display"><img class="math-image" ')
    assert f'style="width: {made.width:.3f}em"' in html and "height" not in html


def test_a_formula_that_cannot_be_typeset_prints_its_tex_in_a_box() -> None:
    made = typeset(r"\foo<b>", display=True)
    assert image_html(made, r" \foo<b> ", display=True) == (
        '<code class="math-source display">\\foo&lt;b&gt;</code>')


def test_epub_mathml_carries_its_tex_as_alttext_not_as_an_annotation() -> None:
    ast = pandoc.markdown_to_ast("Text $x < y$ and\n\n$$\n\\frac{a}{b}\n$$\n", "test")
    out, _ = pandoc.run_pandoc(["-f", "json", "-t", "html5", "--mathml"],
                               pandoc.as_input(ast), "test")
    xhtml = maths.tex_as_alttext(out.decode())
    assert "<annotation" not in xhtml and "<semantics>" not in xhtml
    assert '<math display="inline" xmlns="http://www.w3.org/1998/Math/MathML" ' \
           'alttext="x &lt; y"><mrow><mi>x</mi>' in xhtml
    assert 'alttext="\\frac{a}{b}"><mfrac>' in xhtml
    assert xhtml.count("<math") == 2


def test_text_after_display_maths_continues_the_paragraph_unindented(tmp_path: Path) -> None:
    from anthology.chapters.document import chain, each, footnote_spanner, stringify, transform
    from anthology.chapters.maths import paragraph_splitter, svg_maker

    text = ("Before\n$$ x = 1 $$\nand after.\n\nEnds with\n$$ y $$\n\nNote.[^1]\n\n"
            "[^1]: A note\n    $$ z $$\n    with more.\n")
    ast = parse_markdown(text, "test", Cache(tmp_path))
    out = transform(ast, chain(svg_maker(None), footnote_spanner, paragraph_splitter))
    kinds = [(block["t"], block["c"][0][1] if block["t"] == "Div" else None)
             for block in out["blocks"]]
    assert kinds == [("Para", None), ("Div", ["continued"]), ("Para", None), ("Para", None)]
    assert stringify(out["blocks"][0]) == "Before"
    assert out["blocks"][0]["c"][-1]["c"][1].startswith('<span class="math display">')
    assert stringify(out["blocks"][1]) == "and after."
    assert stringify(out["blocks"][2]) == "Ends with"
    [note] = [s["c"][1] for s in each(out, "Span") if s["c"][0][1] == ["footnote"]]
    assert stringify(note) == "A note with more."  # the note's text is all kept
    assert [n["t"] for n in note if n["t"] == "RawInline"] == ["RawInline"]  # its formula


def test_a_display_formula_too_wide_for_the_page_is_a_warning(tmp_path: Path) -> None:
    from anthology.chapters.crossrefs import number_crossrefs
    from anthology.chapters.maths import measure_of

    assert measure_of("156mm", "20mm", "16mm") == pytest.approx(34.02, abs=0.01)
    assert measure_of("6in", "1in", "72pt") == pytest.approx(28.8)
    assert measure_of("156mm", "auto", "16mm") is None
    long = " + ".join(f"a_{{{i}}} x^{{{i}}}" for i in range(12))
    body = (f"Short:\n\n$$ E = mc^2 $$ {{#eq-e}}\n\nLong, numbered:\n\n$$\n{long}\n$$ {{#eq-l}}"
            f"\n\nLong, not numbered, and inline ${long} + {long}$:\n\n$$ {long} $$\n")
    locator = Locator("chapters/x.md", body, 1, "x")
    ast, _ = number_crossrefs(parse_markdown(body, "test", Cache(tmp_path)), "2", locator)
    width = typeset(long, display=True).width
    assert 34 / 0.8 > width > 28 / 0.8  # too wide beside a number, not on a line of its own
    check_maths(ast, locator, Cache(tmp_path), measure=34.0)
    assert [f.to_text() for f in locator.findings] == [
        f"chapters/x.md:8: warning: has a formula too wide for the page: $a_{{0}} x^{{0}} + "
        f"a_{{1}} x^{{1}} + a_{{2}} x^{{2}} + a_{{3}} x^{{3}} + a...$ is {width:.0f} em "
        f"wide where the line has 28, so it prints at {28 / width:.0%} of the text's size. "
        "Break it over lines: \\begin{aligned} a &= b \\\\ &= c \\end{aligned}, or split it "
        "into several formulas. [markdown.math-wide]"]
