"""The speed patches change no byte: the sample book built with them on and with
ANTHOLOGY_PATCHES=off (engines/weasyprint/patches/) gives the same PDFs, everyday and release."""

from __future__ import annotations

from pathlib import Path

import pytest

from anthology.engines.weasyprint import patches
from anthology.engines.weasyprint.render import render_pdf
from anthology.outputs.book.html import FONTS_DIR
from tests.books import Snapshot
from tests.builds.common import SAMPLE_PDF, pdf_build
from tests.render.conftest import Built, copy_sample


@pytest.mark.slow
@pytest.mark.parametrize("setting", ["on", "off"])
def test_the_switch_reaches_the_renderer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         setting: str) -> None:
    """A render in its own process uses every patch, or none, as the switch says."""
    monkeypatch.setenv(patches.SWITCH, setting)
    source = tmp_path / "book.html"
    source.write_text("<html lang='en'><title>T</title><body><h1>Book</h1>"
                      f"<p>{'Words and more words. ' * 400}</p></body></html>", encoding="utf-8")
    result = render_pdf(source, tmp_path / "book.pdf", tmp_path, [tmp_path, FONTS_DIR],
                        variant="pdf/ua-1", identifier="test", fast_parse=True)
    assert result["pages"] >= 2
    assert result["patches"] == (sorted(patches.NAMES) if setting == "on" else [])


@pytest.mark.slow
def test_the_sample_book_is_the_same_pdf_with_the_patches_off(
        sample_pdf_built: Snapshot, built_sample: Built, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Text, fonts, images, tables, footnotes, parts laid out alone, HTML parsed by html5ever
    or not, a tagged release. With the patches on: the session's cold everyday build and its
    release of the sample book; off: both built in a copy of their own (the cache keeps
    products)."""
    on = [sample_pdf_built.output(SAMPLE_PDF).read_bytes(), built_sample.pdf.read_bytes()]
    monkeypatch.setenv(patches.SWITCH, "off")
    root = copy_sample(tmp_path / "off")
    off = [pdf_build(root, monkeypatch).read_bytes(),
           pdf_build(root, monkeypatch, release=True).read_bytes()]
    assert on[0][:5] == b"%PDF-"
    assert on[0] == off[0]
    assert on[1] == off[1]
