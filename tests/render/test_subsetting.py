"""Fonts subset with HarfBuzz through uharfbuzz (engines/weasyprint/subsetting.py): the glyphs
drawn keep their ids and outlines, the layout tables go, and WeasyPrint's own way is kept when this
one does not apply."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pikepdf
import pytest
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from anthology.engines.weasyprint import subsetting
from anthology.engines.weasyprint.render import render_pdf
from anthology.engines.weasyprint.upstream import source_digest
from anthology.outputs.book.html import FONTS_DIR, font_css

CHARIS = FONTS_DIR / "CharisSIL-Regular.ttf"


def outlines(font: TTFont, names: list[str]) -> dict[str, list[object]]:
    glyphs = font.getGlyphSet()
    drawn = {}
    for name in names:
        pen = RecordingPen()
        glyphs[name].draw(pen)
        drawn[name] = pen.value
    return drawn


def test_the_glyphs_used_keep_their_ids_and_outlines() -> None:
    full = TTFont(CHARIS)
    cmap = full.getBestCmap()
    order = full.getGlyphOrder()
    used = sorted({full.getGlyphID(cmap[ord(c)]) for c in "Editing, 2026: ﬁ"})
    subset = subsetting.subset_font(CHARIS.read_bytes(), 0, used, hinting=False,
                                    notdef_outline=False)
    assert len(subset) < CHARIS.stat().st_size / 10
    small = TTFont(io.BytesIO(subset))
    assert small["maxp"].numGlyphs == max(used) + 1  # no empty glyphs after the last used
    for table in ("GSUB", "GPOS"):
        assert table in full and table not in small
    names = [order[gid] for gid in used]
    assert outlines(small, [small.getGlyphOrder()[gid] for gid in used]) == \
        dict(zip([small.getGlyphOrder()[gid] for gid in used],
                 outlines(full, names).values(), strict=True))
    unused = full.getGlyphID(cmap[ord("Z")])
    assert unused < max(used) and not outlines(small, [small.getGlyphOrder()[unused]])[
        small.getGlyphOrder()[unused]]


def test_a_font_harfbuzz_cannot_read_is_refused() -> None:
    with pytest.raises(RuntimeError):
        subsetting.subset_font(b"not a font", 0, [1, 2], hinting=True, notdef_outline=False)


@pytest.mark.slow
def test_pdfs_embed_harfbuzz_subsets(tmp_path: Path) -> None:
    """A PDF's fonts are subsets without layout tables, the text is extractable, and
    WeasyPrint no longer warns that it falls back to fontTools; a character no font has
    still gets its box."""
    source = tmp_path / "page.html"
    source.write_text(f"<html lang='en'><head><style>{font_css()} body {{ font-family: "
                      "'Charis SIL' }} code { font-family: 'DejaVu Sans Mono' }</style>"
                      "</head><body><p>Co-production <i>in</i> <b>mental</b> health, "
                      "<code>check()</code> \ue000.</p></body></html>", encoding="utf-8")
    output = tmp_path / "page.pdf"
    result = render_pdf(source, output, tmp_path, [tmp_path, FONTS_DIR], identifier="t")
    assert not [w for w in result["warnings"] if "fontTools" in w]
    # pypdf reads the font with the missing glyph's extra code as two-byte text (\0 between
    # letters), as it does when WeasyPrint subsets with fontTools.
    text = PdfReader(output).pages[0].extract_text().replace("\0", "")
    assert "Co-production in mental health, check()" in text
    sizes = []
    with pikepdf.open(output) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and "/FontFile2" in obj:
                data = obj.FontFile2.read_bytes()
                font = TTFont(io.BytesIO(data))
                assert "GSUB" not in font and "GPOS" not in font
                sizes.append(len(data))
    assert len(sizes) >= 4  # regular, italic, bold, mono
    assert max(sizes) < min(p.stat().st_size for p in FONTS_DIR.glob("*.ttf")) / 5


def test_weasyprint_keeps_its_own_way_when_this_one_does_not_apply(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from weasyprint.pdf import fonts

    own = getattr(fonts.Font.subset, "replaced", fonts.Font.subset)
    monkeypatch.setattr(fonts.Font, "subset", own)
    monkeypatch.setattr(subsetting, "WRITTEN_AGAINST", "another WeasyPrint")
    assert subsetting.install() is False
    assert fonts.Font.subset is own
    monkeypatch.setitem(sys.modules, "uharfbuzz", None)  # not installed
    monkeypatch.setattr(subsetting, "WRITTEN_AGAINST",
                        source_digest(fonts.Font.subset, fonts.Font._harfbuzz_subset))
    assert subsetting.install() is False
    assert fonts.Font.subset is own
    monkeypatch.delitem(sys.modules, "uharfbuzz")
    # With or without the system's HarfBuzz-Subset: the same subsets on every machine.
    monkeypatch.setattr(fonts, "harfbuzz_subset", object())
    assert subsetting.install() is True
    assert fonts.Font.subset is not own and fonts.Font.subset.replaced is own
    assert subsetting.install() is True  # once only


def test_the_subsetter_version_is_read_without_importing_it() -> None:
    assert subsetting.subsetter_version().startswith("uharfbuzz 0.")
