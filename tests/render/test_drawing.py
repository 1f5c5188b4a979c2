"""The release's pages drawn on two cores (render/drawing.py): the bytes of drawing them on one,
whatever the later pages hold; what cannot be taken in as drawn is drawn here again."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from anthology.engines.weasyprint.patches.drawing import split_at
from anthology.engines.weasyprint.render import render_pdf
from anthology.outputs.book.html import FONTS_DIR, font_css
from tests.builds.test_incremental import PNG_A, PNG_B, copy_sample, pdf_build

STYLE = """
@page { size: 105mm 148mm; margin: 12mm }
body { font-family: "Charis SIL"; font-size: 10pt; text-align: justify; hyphens: auto }
code { font-family: "DejaVu Sans Mono" }
h2 { break-before: page }
"""


SVG = ("<svg xmlns='http://www.w3.org/2000/svg' width='40' height='20'><rect width='40' "
       "height='20' fill='#c33' fill-opacity='0.5'/><circle cx='10' cy='10' r='8'/></svg>")


def image(data: bytes, kind: str = "png") -> str:
    return f"data:image/{kind};base64," + base64.b64encode(data).decode()


def book(later: str = "", sections: int = 12) -> str:
    """A tagged book of about 24 pages: the later half has a font, a raster and an SVG image
    and colours with transparency that the first half has not, and `later` in its last
    section."""
    parts = []
    for n in range(sections):
        second = n >= sections // 2
        extra = (f"<p>Call <code>draw({n})</code>, see <img src='{image(PNG_B)}' alt='B' "
                 f"width='30'> and <span style='color: rgba(0, 0, 128, .5)'>faint</span> "
                 f"<img src='{image(SVG.encode(), 'svg+xml')}' alt='S'>.</p>"
                 if second else "")
        parts.append(
            f"<section id='s{n}'><h2>Section {n}</h2>"
            f"<p>{'Words in a justified and hyphenated paragraph, with <i>italics</i>. ' * 40}"
            f"</p><ul><li><a href='#s{(n + 1) % sections}'>Next</a></li>"
            f"<li><a href='https://example.org/{n}'>Out</a></li></ul>"
            f"<p><img src='{image(PNG_A)}' alt='A' width='40'></p>{extra}"
            f"{later if n == sections - 1 else ''}</section>")
    return (f"<html lang='en'><head><title>Two cores</title><style>{font_css()}{STYLE}</style>"
            f"</head><body><h1>Book</h1>{''.join(parts)}</body></html>")


def render(folder: Path, html: str, parallel: bool) -> tuple[bytes, dict[str, Any]]:
    """The tagged PDF of `html` and WeasyPrint's answer, drawn on two cores or on one."""
    source = folder / "book.html"
    source.write_text(html, encoding="utf-8")
    output = folder / f"book-{parallel}.pdf"
    result = render_pdf(source, output, folder, [folder, FONTS_DIR], variant="pdf/ua-1",
                        identifier="test", parallel_drawing=parallel)
    return output.read_bytes(), result


@pytest.mark.slow
def test_pages_drawn_on_two_cores_give_the_bytes_of_one(tmp_path: Path) -> None:
    apart, result = render(tmp_path, book(), parallel=True)
    here, alone = render(tmp_path, book(), parallel=False)
    pages = result["pages"]
    assert pages >= 20
    assert result["drawn_apart"] == pages - split_at(pages)
    assert result["drawn_here_because"] is None
    assert "drawn_apart" not in alone
    assert apart == here
    reader = PdfReader(tmp_path / "book-True.pdf")
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert "draw(11)" in reader.pages[pages - 1].extract_text() + reader.pages[
        pages - 2].extract_text()


@pytest.mark.slow
@pytest.mark.parametrize(("later", "reason"), [
    ("<p style='opacity: .5'>A group, named by a counter.</p>", "a resource named in order"),
    ("<p>A character no font has: \U000f0001.</p>", "a glyph no font has"),
])
def test_what_cannot_be_taken_in_is_drawn_here(tmp_path: Path, later: str, reason: str) -> None:
    apart, result = render(tmp_path, book(later), parallel=True)
    here, alone = render(tmp_path, book(later), parallel=False)
    pages = result["pages"]
    assert 0 < result["drawn_apart"] < pages - split_at(pages)  # up to the page where it is
    assert result["drawn_here_because"].startswith(reason)
    assert apart == here
    assert result["warnings"] == alone["warnings"]


@pytest.mark.slow
def test_a_short_document_is_drawn_here(tmp_path: Path) -> None:
    _, result = render(tmp_path, book(sections=2), parallel=True)
    assert "drawn_apart" not in result


@pytest.mark.slow
def test_a_release_with_one_job_gives_the_bytes_of_two(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = copy_sample(tmp_path / "book")
    twin = tmp_path / "twin"
    shutil.copytree(sample, twin)
    two = pdf_build(sample, monkeypatch, release=True)  # jobs=2
    from anthology.build import BuildOptions, build_book
    from anthology.core.config import load_book

    one = build_book(load_book(twin), BuildOptions(("pdf",), force=True, jobs=1,
                                                   release=True)).outputs[0]
    assert len(PdfReader(two).pages) >= 16
    assert two.read_bytes() == one.read_bytes()


def test_a_glyph_width_worked_out_at_another_size_is_not_taken_in() -> None:
    """A font's width for a glyph is worked out where the glyph is first drawn and used for
    the kerning of every later run: a page of the copy's that worked it out otherwise (a
    hinted font at another size) is drawn here, and nothing of it is taken in."""
    from types import SimpleNamespace

    from anthology.engines.weasyprint.patches import drawing

    font = SimpleNamespace(widths={5: 500}, to_unicode={5: "a"})
    tables = {name: {} for name in ("ExtGState", "XObject", "Pattern", "Shading")}
    stream = SimpleNamespace(_fonts={"k": font}, _resources=tables, _images={}, _tags=None,
                             stream=["drawn here"])
    page: Any = SimpleNamespace()
    copy = drawing.ParallelDrawing(SimpleNamespace(pages=[]), [])
    try:
        def delta(width: int) -> dict[str, Any]:
            return {"fonts": [], "glyphs": {"k": ([(5, "a"), (6, "b")], [(5, width), (6, 610)])},
                    "resources": {"ExtGState": [("a0.5", {"ca": 0.5})]}, "images": [],
                    "tags": None, "ops": ["drawn by the copy"], "messages": ["a warning"]}

        with pytest.raises(drawing._Unusable, match="another size"):
            copy._take_in(stream, page, delta(501))
        assert font.widths == {5: 500} and font.to_unicode == {5: "a"}
        assert stream.stream == ["drawn here"] and tables["ExtGState"] == {}
        assert copy.messages == []
        copy._take_in(stream, page, delta(500))
        assert font.widths == {5: 500, 6: 610} and font.to_unicode == {5: "a", 6: "b"}
        assert stream.stream == ["drawn by the copy"] and list(tables["ExtGState"]) == ["a0.5"]
        assert copy.messages == ["a warning"]
    finally:
        copy.close()
