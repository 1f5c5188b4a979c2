"""The PDF, checked structurally: text and folios page by page, contents, running heads, fonts,
metadata, outline, links. The sample book is built once per session (see conftest)."""

from __future__ import annotations

import re
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.pdftext import page_texts
from tests.render.conftest import Built

pytestmark = pytest.mark.slow

ROMAN = re.compile(r"^[ivxlc]+$")


@cache
def pages_text(pdf: Path) -> tuple[str, ...]:
    """The text of every page."""
    return tuple(page_texts(pdf))


def folio(text: str) -> str | None:
    """The printed page number: in the running head (last line drawn) or a drop folio."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    last = lines[-1]
    if re.fullmatch(r"\d+", last) or ROMAN.fullmatch(last):
        return last
    head = re.fullmatch(r"(\d+) .+", last) or re.fullmatch(r".+ (\d+)", last)
    return head.group(1) if head else None


def flat(text: str) -> str:
    """Whitespace collapsed, line-end hyphens joined, for matching titles that wrap."""
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"-\s+", "-", re.sub(r"\u2010\s+", "", text))  # U+2010: a hyphenation


def page_of_title(pages: tuple[str, ...], number: int, title: str) -> int:
    """The index of the page where chapter `number` opens (its number, then its title)."""
    for index, text in enumerate(pages):
        if flat(text).startswith(flat(f"{number} {title}")):
            return index
    raise AssertionError(f"chapter {number} '{title}' opens on no page")


def test_contents_page_numbers_match_printed_folios(built_sample: Built) -> None:
    pages = pages_text(built_sample.pdf)
    contents = next(flat(t) for t in pages if t.startswith("Contents"))
    assert len(built_sample.texts) == 6
    for text in built_sample.texts:
        match = re.search(re.escape(flat(f"{text.number} {text.title}")) + r" (\d+)", contents)
        assert match, f"chapter {text.number} is not in the contents"
        opener = page_of_title(pages, text.number, text.title)
        assert folio(pages[opener]) == match.group(1), text.title
    first = page_of_title(pages, 1, built_sample.texts[0].title)
    assert folio(pages[first]) == "1"


def test_front_matter_is_numbered_in_roman_and_title_pages_carry_no_folio(
        built_sample: Built) -> None:
    pages = pages_text(built_sample.pdf)
    assert pages[0].strip() == "Doing Things Differently"  # half-title
    assert "Edited by" in pages[2] and folio(pages[2]) is None
    assert "ISBN 978-1-916428-31-7 (print)" in pages[3]
    assert folio(pages[4]) == "v" and pages[4].startswith("Contents")
    notes = next(i for i, t in enumerate(pages) if t.startswith("Notes on contributors"))
    assert ROMAN.fullmatch(folio(pages[notes]) or "")


def test_chapters_open_on_rectos_without_running_heads(built_sample: Built) -> None:
    pages = pages_text(built_sample.pdf)
    for text in built_sample.texts:
        opener = page_of_title(pages, text.number, text.title)
        assert opener % 2 == 0, f"chapter {text.number} opens on a verso"  # index 0 = page 1
        last = pages[opener].strip().splitlines()[-1].strip()
        assert re.fullmatch(r"\d+", last), f"chapter {text.number} opener has a running head"


def test_running_heads_verso_authors_recto_short_title(built_sample: Built) -> None:
    pages = pages_text(built_sample.pdf)
    openers = [page_of_title(pages, t.number, t.title) for t in built_sample.texts]
    # The last chapter runs to the index (build.index), which has running heads of its own.
    index = next(i for i, p in enumerate(pages) if i > openers[-1] and flat(p).startswith(
        "Index"))
    checked = 0
    for text, start, end in zip(built_sample.texts, openers, [*openers[1:], index],
                                strict=True):
        for index in range(start + 1, end):
            last = pages[index].strip().splitlines()[-1].strip() if pages[index].strip() else ""
            if not last or last.startswith("Part "):
                continue  # a blank page or a part title
            number = folio(pages[index])
            assert number is not None and number.isdigit(), pages[index][-80:]
            if int(number) % 2 == 0:
                assert last == f"{number} {text.author_names}"
            else:
                assert last == f"{text.short_title} {number}"
            checked += 1
    assert checked > 20


def test_every_font_is_embedded_and_bundled(built_sample: Built) -> None:
    # pypdf rather than poppler's pdffonts: CI machines need nothing outside PyPI.
    from anthology.outputs.delivery import pdf_report

    fonts = pdf_report(built_sample.pdf).fonts
    assert fonts
    for name, subtype, embedded in fonts:
        assert embedded, (name, subtype)
        assert "Charis-SIL" in name, (name, subtype)


def test_metadata_language_tagging_and_no_attachments(built_sample: Built) -> None:
    reader = PdfReader(built_sample.pdf)
    meta = reader.metadata
    assert meta is not None, "the PDF has no document information"
    assert meta.title == ("Doing Things Differently: Co-production, Power and Knowledge in "
                          "Mental Health")
    assert meta.author == "Helen Marsh and Daniel Okafor"
    assert meta.subject is not None and meta.subject.startswith("Mental health services")
    assert "co-production" in str(meta.get("/Keywords"))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert "/EmbeddedFiles" not in root.get("/Names", {})
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (156, 234)


def test_pages_are_labelled_with_their_folios(built_sample: Built) -> None:
    import pikepdf

    reader = PdfReader(built_sample.pdf)
    body = reader.get_destination_page_number(reader.named_destinations["chapter-1"])
    with pikepdf.open(built_sample.pdf) as pdf:
        nums = list(pdf.Root.PageLabels.Nums)
    assert [nums[0], str(nums[1].S), nums[2], str(nums[3].S)] == [0, "/r", body, "/D"]
    labels = reader.page_labels
    assert labels[:body] == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii"][:body]
    assert labels[body:] == [str(n) for n in range(1, len(labels) - body + 1)]
    pages = pages_text(built_sample.pdf)
    printed = [(folio(text), label) for text, label in zip(pages, labels, strict=True)
               if folio(text)]
    assert len(printed) > 30 and all(shown == label for shown, label in printed)


def test_the_release_pdf_passes_the_pdfua_checker(built_sample: Built) -> None:
    """pdfua (16 of PDF/UA-1's 106 rules): no error and no warning; table header cells carry
    their /Scope (UA-15-003)."""
    import pdfua

    report = pdfua.validate(str(built_sample.pdf))
    assert [(f.rule_id, f.severity.name, f.message) for f in report.findings] == []


def test_outline_has_every_chapter_under_its_part(built_sample: Built) -> None:
    outline = PdfReader(built_sample.pdf).outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top == ["Contents", "Notes on contributors",
                   "1. Introduction: Doing things differently",
                   "Part I: Power, knowledge and space",
                   "Part II: Decisions, practice and institutions", "Index"]
    titles = str([getattr(i, "title", None) for i in outline if not isinstance(i, list)]) + str(
        [[getattr(j, "title", None) for j in i] for i in outline if isinstance(i, list)])
    for text in built_sample.texts:
        assert f"{text.number}. {text.title}" in titles


def test_contents_entries_link_inside_the_document(built_sample: Built) -> None:
    reader = PdfReader(built_sample.pdf)
    contents = reader.pages[4]
    links = [a.get_object() for a in contents.get("/Annots", [])]
    internal = [a for a in links if a.get("/Subtype") == "/Link" and "/URI" not in
                a.get("/A", {})]
    assert len(internal) >= len(built_sample.texts)


def test_footnotes_sit_on_the_page_of_their_call(built_small: Built) -> None:
    pages = pages_text(built_small.pdf)
    page = next(flat(t) for t in pages if "Goffman described total institutions" in flat(t))
    assert "1. A note about the seminar." in page


def test_pdf_bytes_are_reproducible(built_small: Built, tmp_path: Path) -> None:
    from tests.render.conftest import build

    again = build(built_small.root, ("pdf",))
    assert again.pdf.read_bytes() == built_small.pdf.read_bytes()


def plain_page_references() -> property:
    """pydyf's own `page_references` (rebuilt at every read), whether or not the patch is in."""
    import pydyf

    current = pydyf.PDF.page_references
    found: property = getattr(current.fget, "anthology_original", current)
    return found


def test_page_references_are_kept_until_a_page_is_added(monkeypatch: pytest.MonkeyPatch) -> None:
    import pydyf

    from anthology.engines.weasyprint.patches import pagerefs

    monkeypatch.setattr(pydyf.PDF, "page_references", plain_page_references())
    assert pagerefs.install()
    pdf = pydyf.PDF()
    for _ in range(3):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = pdf.page_references
    assert pdf.page_references is first  # not rebuilt
    assert first == tuple(f"{n} 0 R".encode() for n in pdf.pages["Kids"][::3])
    pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
    assert len(pdf.page_references) == 4
    assert pdf.page_references[:3] == first


def test_tagged_pdf_is_the_same_with_page_references_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import pydyf
    import weasyprint

    from anthology.engines.weasyprint import subsetting
    from anthology.engines.weasyprint.patches import pagerefs

    sections = "".join(f"<section><h2>Section {n}</h2><p>{'Words and more words. ' * 200}</p>"
                       f"<p><a href='#s{n}'>Back</a></p></section>" for n in range(8))
    html = weasyprint.HTML(string=f"<html lang='en'><title>T</title><body>{sections}</body>")
    options = {"pdf_variant": "pdf/ua-1", "pdf_identifier": b"test"}
    monkeypatch.setattr(pydyf.PDF, "page_references", plain_page_references())
    subsetting.install()  # as anthology renders (fontTools' subsets carry the time they are made)
    plain = html.render(**options).write_pdf(**options)
    assert pagerefs.install()
    kept = html.render(**options).write_pdf(**options)
    assert len(PdfReader(BytesIO(kept)).pages) > 3
    assert kept == plain
