"""Maths in a built book: typeset in the PDF (no TeX printed), numbered equations and their
references, MathML in the EPUB, and `anthology check` reporting what cannot be typeset."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from anthology.outputs.book.html import chapter_sections
from tests.commandline import run
from tests.conftest import INTRO_MD, write_book
from tests.pdftext import page_texts
from tests.render.conftest import Built, build, epubcheck

MATHS_MD = INTRO_MD + r"""
Einstein's relation $E = mc^2$ ties energy to mass, and the mean
$\bar{x} = \frac{1}{n}\sum_{i=1}^{n} x_i$ sits in a line of text.

$$
\frac{\#\;persons}{\sum_{j} w_j} = \int_0^\infty e^{-x^2}\,dx
$$ {#eq-share}

as @eq-share shows, and energy is given by

$$ E = mc^2 $$ {#eq-energy}

$$
f(x) = LONG
$$ {#eq-long}

See @eq-energy and @eq-long. An unknown command: $\foo{x}$.
""".replace("LONG", " + ".join(f"a_{{{i}}} x^{{{i}}}" for i in range(14)))


@pytest.fixture(scope="module")
def built_maths(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A one-chapter book with maths, built once (PDF and EPUB, with --force)."""
    root = write_book(tmp_path_factory.mktemp("maths") / "book",
                      {"chapters/01-intro.md": MATHS_MD})
    return build(root)


def chapter_page(built: Built) -> str:
    pages = page_texts(built.pdf)
    return " ".join(next(text for text in pages if "Einstein" in text).split())


@pytest.mark.slow
def test_the_pdf_prints_maths_not_tex(built_maths: Built) -> None:
    text = chapter_page(built_maths)
    for tex in ("\\frac", "mc^2", "\\sum", "persons", "a_0", "{#eq"):
        assert tex not in text
    assert "Einstein’s relation ties energy to mass, and the mean sits in a line" in text
    assert "(1.1)" in text and "(1.2)" in text and "(1.3)" in text
    assert "as Equation 1.1 shows" in text
    assert "See Equation 1.2 and Equation 1.3." in text
    assert "\\foo{x}" in text  # what cannot be typeset is shown as its TeX, in a box


@pytest.mark.slow
def test_the_tagged_pdf_gives_each_formula_its_tex_as_alt_text(built_maths: Built) -> None:
    import pikepdf

    with pikepdf.open(built_maths.pdf) as pdf:
        alts = [str(o.Alt) for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
                and "/Alt" in o]
    assert alts[:3] == ["E = mc^2", "\\bar{x} = \\frac{1}{n}\\sum_{i=1}^{n} x_i",
                        "\\frac{\\#\\;persons}{\\sum_{j} w_j} = \\int_0^\\infty e^{-x^2}\\,dx"]
    assert len(alts) == 5


@pytest.mark.slow
def test_equation_references_link_to_the_equation(built_maths: Built) -> None:
    [text] = built_maths.texts
    html = chapter_sections(built_maths.book, text).body_html
    assert html.count('<span id="c1-eq-') == 3
    assert re.search(r'<span id="c1-eq-energy" class="equation"><span class="math display">'
                     r'<img class="math-image" src="data:image/svg\+xml;base64,[^"]+" '
                     r'alt="E = mc\^2" style="width: [\d.]+em"></span>'
                     r'<span class="equation-number">\(1\.2\)</span></span>', html)
    assert '<a href="#c1-eq-share" class="crossref">Equation 1.1</a>' in html
    reader = PdfReader(built_maths.pdf)
    assert {"c1-eq-share", "c1-eq-energy", "c1-eq-long"} <= set(reader.named_destinations)


@pytest.mark.slow
def test_the_epub_has_mathml_with_its_tex_as_alttext_and_passes_epubcheck(
        built_maths: Built) -> None:
    chapter = next(data.decode() for name, data in built_maths.epub_files().items()
                   if name.endswith(".xhtml") and b"Einstein" in data)
    assert chapter.count("<math") == 5
    assert "<annotation" not in chapter
    assert 'alttext="E = mc^2"' in chapter
    assert re.search(r'<span id="c1-eq-energy" class="equation"><math display="block"[^>]*>'
                     r'.*?</math><span class="equation-number">\(1\.2\)</span></span>', chapter)
    assert re.search(r'<a href="[^"]*#c1-eq-share" class="crossref">Equation 1\.1</a>', chapter)
    report = epubcheck(built_maths.epub)
    assert "No errors or warnings detected" in report, report


def test_check_reports_a_formula_that_cannot_be_typeset(tmp_path: Path) -> None:
    root = write_book(tmp_path / "book", {"chapters/01-intro.md": INTRO_MD + (
        "\nFine $x^2$, then\n\n$$\n\\alpha +\n\\includegraphics{/etc/passwd}\n$$\n")})
    result = run(root, "check", "-q")
    assert result.exit_code == 1
    assert result.stdout == (
        "chapters/01-intro.md:16:1: error: has a formula that cannot be printed: $\\alpha + "
        "\\includegraphics{/etc/passwd}$ uses \\includegraphics, which the maths typesetter "
        "does not know. The PDF shows its TeX in a box instead. Write it with LaTeX's "
        "standard maths commands (\\frac, \\sqrt, \\sum, \\mathrm, \\begin{aligned} ...), or "
        "without that command. [markdown.math]\n"
        "1 problem (1 error) in 1 file.\n")


def test_check_reports_a_formula_in_the_abstract_at_its_line(tmp_path: Path) -> None:
    root = write_book(tmp_path / "book", {"chapters/01-intro.md": INTRO_MD.replace(
        "abstract: What this small book is about.",
        "abstract: What this small book is about, $\\sqrt{2}$ and $\\ce{H2O}$.")})
    result = run(root, "check", "-q")
    assert result.stdout == (
        "chapters/01-intro.md:4: error: has a formula that cannot be printed: $\\ce{H2O}$ uses "
        "\\ce, which the maths typesetter does not know. The PDF shows its TeX in a box "
        "instead. Write it with LaTeX's standard maths commands (\\frac, \\sqrt, \\sum, "
        "\\mathrm, \\begin{aligned} ...), or without that command. [markdown.math]\n"
        "1 problem (1 error) in 1 file.\n")
