"""The EPUB 3: OPF metadata, navigation, per-chapter references, notes, cover, EPUBCheck and
reproducible bytes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from anthology.chapters.prepare import split_references
from tests.render.conftest import Built, build, epubcheck

pytestmark = pytest.mark.slow


def opf(built: Built) -> str:
    """The package document."""
    return built.epub_files()["EPUB/content.opf"].decode("utf-8")


def test_opf_metadata(built_sample: Built) -> None:
    text = opf(built_sample)
    assert '<dc:title id="epub-title-1">Doing Things Differently</dc:title>' in text
    assert "Co-production, Power and Knowledge in Mental Health</dc:title>" in text
    assert "<dc:identifier id=\"epub-id-1\">urn:isbn:9781916428324</dc:identifier>" in text
    assert "<dc:language>en-GB</dc:language>" in text
    assert "<dc:publisher>Northgate University Press</dc:publisher>" in text
    assert "<dc:rights>CC BY-NC-ND 4.0</dc:rights>" in text
    assert '<meta property="dcterms:modified">2027-01-01T00:00:00Z</meta>' in text
    assert "<dc:date" in text
    for prop in ("accessMode", "accessModeSufficient", "accessibilityFeature",
                 "accessibilityHazard", "accessibilitySummary"):
        assert f'property="schema:{prop}"' in text


def test_opf_credits_editors_and_every_chapter_author(built_sample: Built) -> None:
    text = opf(built_sample)
    roles = dict(re.findall(r'<meta refines="#(epub-(?:creator|contributor)-\d+)" '
                            r'property="role" scheme="marc:relators">(\w+)</meta>', text))
    people = {name: roles[ident] for ident, name in re.findall(
        r'<dc:(?:creator|contributor) id="([^"]+)">([^<]+)</dc:', text)}
    assert people["Helen Marsh"] == "edt" and people["Daniel Okafor"] == "edt"
    for chapter in built_sample.texts:
        for author in chapter.authors:
            assert author.name in people, author.name
            if author.id not in built_sample.book.config.editors:
                assert people[author.name] == "aut"


def test_nav_lists_every_chapter_with_its_authors(built_sample: Built) -> None:
    nav = built_sample.epub_files()["EPUB/nav.xhtml"].decode("utf-8")
    for chapter in built_sample.texts:
        entry = re.search(rf'#chapter-{chapter.number}">(.*?)</a>', nav)
        assert entry, chapter.title
        plain = re.sub(r"<[^>]+>", "", entry.group(1))
        assert plain == f"{chapter.number} {chapter.title}, {chapter.author_names}"
    assert 'epub:type="cover"' in nav


def test_spine_and_nav_follow_the_reading_order(built_sample: Built) -> None:
    files = built_sample.epub_files()
    spine = re.findall(r'<itemref idref="([^"]+)"', opf(built_sample))
    nav = files["EPUB/nav.xhtml"].decode("utf-8")
    entries = re.findall(r'<a href="text/(ch\d+)\.xhtml#((?:chapter|part)-\d+|notes-on-'
                         r'contributors)"', nav)
    chapters = [anchor for _, anchor in entries if anchor.startswith("chapter-")]
    assert chapters == [t.anchor for t in built_sample.texts]
    assert spine == ["cover_xhtml", "title_page_xhtml", "copyright_xhtml", "nav",
                     *(f"{stem}_xhtml" for stem, _ in entries), "book_index"]
    for stem, anchor in entries:
        assert f'<section id="{anchor}"'.encode() in files[f"EPUB/text/{stem}.xhtml"]


def test_each_chapter_lists_exactly_the_works_it_cites(built_sample: Built) -> None:
    files = built_sample.epub_files()
    pages = {name: data.decode("utf-8") for name, data in files.items()
             if name.startswith("EPUB/text/ch")}
    for chapter in built_sample.texts:
        _, refs = split_references(chapter.ast)
        listed = {entry["c"][0][0].removeprefix("ref-") for entry in refs[0]["c"][1]}
        assert listed == set(chapter.cited), chapter.title
        page = next(p for p in pages.values() if f'id="chapter-{chapter.number}"' in p)
        in_epub = set(re.findall(rf'id="c{chapter.number}-ref-([^"]+)"', page))
        assert in_epub == set(chapter.cited), chapter.title


def test_notes_are_epub3_footnotes(built_small: Built) -> None:
    page = next(d.decode() for n, d in built_small.epub_files().items()
                if n.startswith("EPUB/text/ch") and b"chapter-1" in d)
    assert 'epub:type="noteref"' in page
    assert re.search(r'<aside epub:type="footnote" role="doc-footnote" id="[^"]+">', page)


def test_cover_is_drawn_with_alt_text(built_small: Built) -> None:
    files = built_small.epub_files()
    assert files["EPUB/media/cover.png"].startswith(b"\x89PNG")
    assert 'properties="cover-image"' in opf(built_small)
    page = files["EPUB/text/cover.xhtml"].decode()
    assert ('alt="Cover of A Small Book: For Tests, edited by Ada Editor, published by Test '
            'University Press."') in page


def test_zip_layout(built_small: Built) -> None:
    with zipfile.ZipFile(built_small.epub) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/epub+zip"


@pytest.mark.parametrize("which", ["built_sample", "built_small"])
def test_epubcheck_reports_nothing(which: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(which)
    report = epubcheck(built.epub)
    assert "Messages: 0 fatals / 0 errors / 0 warnings / 0 infos" in report, report


def test_same_inputs_give_the_same_epub_bytes(built_small: Built) -> None:
    before = built_small.epub.read_bytes()
    again = build(built_small.root, ("epub",))
    assert again.epub.read_bytes() == before


def test_a_given_cover_is_used(make_book: object, tmp_path: Path) -> None:
    from tests.conftest import BOOK_YAML, write_book

    root = write_book(tmp_path / "covered", {"book.yaml": BOOK_YAML + "build:\n  cover: "
                                             "covers/front.svg\n",
                                             "covers/front.svg": '<svg xmlns="http://www.w3.org/'
                                             '2000/svg" width="10" height="15"/>\n'})
    built = build(root, ("epub",))
    files = built.epub_files()
    assert files["EPUB/media/cover.svg"].startswith(b"<svg")
    assert 'media-type="image/svg+xml" properties="cover-image"' in opf(built)
    report = epubcheck(built.epub)
    assert "0 fatals / 0 errors / 0 warnings / 0 infos" in report, report


def test_epubcheck_on_inits_book(tmp_path: Path) -> None:
    import datetime as dt

    from anthology.editorial.init import init_book

    root = tmp_path / "new-book"
    init_book(root, "A New Collection", "Ada Editor", "ada@example.org", dt.date(2026, 1, 5))
    built = build(root, ("epub",), force=False)
    report = epubcheck(built.epub)
    assert "Messages: 0 fatals / 0 errors / 0 warnings / 0 infos" in report, report
