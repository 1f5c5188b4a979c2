"""The incremental EPUB: each chapter's XHTML is made on its own and cached, so a rebuild makes
only the changed chapters again, and the package equals the one a clean build makes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from anthology.build import BuildOptions, build_book
from anthology.chapters.prepare import ChapterText
from anthology.cli import cli
from anthology.core.config import load_book
from anthology.engines import pandoc
from anthology.outputs.epub import write as epub
from anthology.outputs.epub.package import ChapterFile, book_media, media_id, placed_xhtml
from tests.books import EPOCH, Snapshot, built_once, copy_sample
from tests.builds.test_incremental import PEER_MD, PNG_A, PNG_B
from tests.conftest import CHAPTERS_YAML, write_book
from tests.render.conftest import epubcheck

CARE_MD = """\
---
title: Caring Together
authors: [ben-writer]
---

Carers know things [@goffman1961].[^1] See @fig-care.

![Another small figure](images/care.png){#fig-care}

[^1]: A note on caring.
"""

PARTS_YAML = CHAPTERS_YAML.replace(
    "  - id: peer\n", "  - id: peer\n    part: Part One\n") + """\
  - id: care
    title: Caring Together
    authors: [ben-writer]
    part: Part Two
    file: chapters/03-care.md
    status: invited
    history:
      - {date: 2026-01-10, state: invited, by: Ada Editor}
"""


def files_of(path: Path) -> dict[str, bytes]:
    """Every file in an EPUB, by name."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def cached(root: Path, kind: str) -> set[str]:
    """The keys of the cache entries of `kind`."""
    return {p.name for p in (root / "build" / ".cache" / kind).rglob("*.json")}


def epub_build(root: Path, monkeypatch: pytest.MonkeyPatch, **options: bool) -> Path:
    """Build the EPUB of the book at `root`; return it."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    book = load_book(root)
    build_book(book, BuildOptions(("epub",), force=True, jobs=2, **options))
    return root / "build" / f"{book.config.slug}.epub"


def pandoc_epubs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each EPUB run of pandoc was about, from now on (pandoc still runs)."""
    made: list[str] = []
    real = pandoc.ast_to_file

    def counted(ast: Any, to: str, output: Path, extra: list[str], what: str) -> str:
        made.append(what)
        return real(ast, to, output, extra, what)

    monkeypatch.setattr(pandoc, "ast_to_file", counted)
    return made


def write_parted(root: Path) -> Path:
    """A book with parts and three chapters, two of them with a figure of the same name in
    pandoc's run of each (media/file0.png)."""
    write_book(root, {"chapters.yaml": PARTS_YAML, "chapters/02-peer.md": PEER_MD,
                      "chapters/03-care.md": CARE_MD})
    (root / "chapters" / "images").mkdir()
    (root / "chapters" / "images" / "fig.png").write_bytes(PNG_A)
    (root / "chapters" / "images" / "care.png").write_bytes(PNG_B)
    return root


@pytest.fixture(scope="session")
def parted_epub_built(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The parted book after a cold build of its EPUB."""
    return built_once(tmp_path_factory.mktemp("parted-epub"), write_parted, ("epub",))


@pytest.fixture(scope="session")
def sample_epub_built(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The sample book after a cold build of its EPUB."""
    return built_once(tmp_path_factory.mktemp("sample-epub"), copy_sample, ("epub",))


@pytest.mark.slow
def test_one_changed_chapter_is_the_only_one_made_again(
        sample_epub_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    root = sample_epub_built.fresh()
    before = cached(root, "xhtml")
    assert len(before) == 6
    runs = pandoc_epubs(monkeypatch)
    chapter = root / "chapters" / "04-recovery-colleges.md"
    chapter.write_text(chapter.read_text(encoding="utf-8")
                       + "\nOne more short paragraph, added in proof.\n", encoding="utf-8")
    made = epub_build(root, monkeypatch)
    assert len(cached(root, "xhtml") - before) == 1
    assert runs == ["chapters/04-recovery-colleges.md (chapter 4, 'recovery-colleges')"]
    pages = {n: d.decode() for n, d in files_of(made).items() if n.startswith("EPUB/text/ch")}
    with_text = [n for n, page in pages.items()
                 if "One more short paragraph, added in proof." in page]
    assert len(with_text) == 1 and 'id="chapter-4"' in pages[with_text[0]]


@pytest.mark.slow
def test_nothing_changed_runs_no_pandoc_and_reads_no_ast(
        parted_epub_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    parted = parted_epub_built.fresh()
    first = parted_epub_built.output("a-small-book.epub").read_bytes()
    runs = pandoc_epubs(monkeypatch)
    real = epub.write_epub

    def without_asts(*args: Any, **kwargs: Any) -> str:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ChapterText, "ast", property(lambda _: pytest.fail("an AST was read")))
            return real(*args, **kwargs)

    monkeypatch.setattr(epub, "write_epub", without_asts)
    assert epub_build(parted, monkeypatch).read_bytes() == first
    assert runs == []


@pytest.mark.slow
def test_a_new_date_runs_no_pandoc_and_changes_only_the_modification_date(
        parted_epub_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """dc:date is the year of publication (book.yaml), so a new build date reaches only
    dcterms:modified, which the package sets itself."""
    parted = parted_epub_built.fresh()
    runs = pandoc_epubs(monkeypatch)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 86400))
    build_book(load_book(parted), BuildOptions(("epub",), force=True, jobs=2))
    assert runs == []
    opf = files_of(parted / "build" / "a-small-book.epub")["EPUB/content.opf"].decode()
    assert '<meta property="dcterms:modified">2027-01-02T00:00:00Z</meta>' in opf
    assert '<dc:date id="epub-date">2027</dc:date>' in opf


@pytest.mark.slow
def test_an_incremental_epub_is_a_clean_one_byte_for_byte(sample_epub_built: Snapshot) -> None:
    root = sample_epub_built.fresh()
    runner = CliRunner()

    def build(*options: str) -> bytes:
        result = runner.invoke(cli, ["--book", str(root), "build", "epub", "--quiet", *options],
                               env={"SOURCE_DATE_EPOCH": EPOCH})
        assert result.exit_code == 0, result.output
        return (root / "build" / "doing-things-differently.epub").read_bytes()

    chapter = root / "chapters" / "02-power-sharing.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(" the ", " the very ", 1),
                       encoding="utf-8")
    incremental = build()
    clean = build("--clean")
    assert incremental == clean
    assert b"the very" in b"".join(files_of(root / "build" /
                                            "doing-things-differently.epub").values())


@pytest.mark.slow
def test_parts_and_figures_pass_epubcheck_with_media_apart(
        parted_epub_built: Snapshot) -> None:
    built = parted_epub_built.output("a-small-book.epub")
    files = files_of(built)
    opf = files["EPUB/content.opf"].decode()
    media = sorted(n for n in files if n.startswith("EPUB/media/") and "cover" not in n)
    assert media == ["EPUB/media/file0.png", "EPUB/media/file1.png"]  # as in one pandoc run
    assert sorted(files[n] for n in media) == sorted([PNG_A, PNG_B])
    for name in media:
        href = name.removeprefix("EPUB/")
        assert f'href="{href}" media-type="image/png"' in opf
        page = next(d.decode() for n, d in files.items()
                    if n.startswith("EPUB/text/ch") and f'src="../{href}"'.encode() in d)
        assert page.count('src="../media/') == 1
    spine = re.findall(r'<itemref idref="([^"]+)"', opf)
    nav = files["EPUB/nav.xhtml"].decode()
    order = re.findall(r'<a href="text/(ch\d+)\.xhtml#((?:chapter|part)-\d+|notes-on-'
                       r'contributors)"', nav)
    assert [anchor for _, anchor in order] == [
        "notes-on-contributors", "chapter-1", "part-2", "chapter-2", "part-3", "chapter-3"]
    assert spine == ["cover_xhtml", "title_page_xhtml", "copyright_xhtml", "nav",
                     *(f"{stem}_xhtml" for stem, _ in order)]
    care = files[f"EPUB/text/{order[-1][0]}.xhtml"].decode()
    assert 'id="c3-fig-care"' in care and 'href="#c3-fig-care"' in care
    assert f'href="{order[-1][0]}.xhtml#c3-ref-goffman1961"' in care  # renamed from ch001
    assert re.search(r'<aside epub:type="footnote" role="doc-footnote" id="fn1">', care)
    assert 'href="#fn1"' in care
    report = epubcheck(built)
    assert "Messages: 0 fatals / 0 errors / 0 warnings / 0 infos" in report, report


@pytest.mark.slow
def test_a_changed_figure_changes_only_its_chapter(
        parted_epub_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    parted = parted_epub_built.fresh()
    runs = pandoc_epubs(monkeypatch)
    (parted / "chapters" / "images" / "care.png").write_bytes(PNG_A)
    built = epub_build(parted, monkeypatch)
    assert runs == ["chapters/03-care.md (chapter 3, 'care')"]
    figures = [d for n, d in files_of(built).items()
               if n.startswith("EPUB/media/") and "cover" not in n]
    assert figures == [PNG_A, PNG_A]


def test_a_chapter_placed_in_the_book_takes_its_file_name_and_its_title() -> None:
    chapter = ChapterFile(
        '<title>ch001.xhtml</title>\n<a href="ch001.xhtml#c2-fig-a">Figure 2.1</a>'
        '<a href="#fn1">1</a><img src="../media/file0.png" alt="A" />'
        '<img src="../media/file1.svg" alt="B" />'
        '<a href="https://example.org/ch001.xhtml#x">elsewhere</a>',
        "", (("file0.png", "image/png", b"\x89PNG"), ("file1.svg", "image/svg+xml", b"<svg/>")),
        has_images=True, has_math=False)
    assert placed_xhtml(chapter, "ch004.xhtml", {"file0.png": "file3.png",
                                                 "file1.svg": "file4.svg"},
                        "Peer support & <its> limits") == (
        '<title>Peer support &amp; &lt;its&gt; limits</title>\n'
        '<a href="ch004.xhtml#c2-fig-a">Figure 2.1</a>'
        '<a href="#fn1">1</a><img src="../media/file3.png" alt="A" />'
        '<img src="../media/file4.svg" alt="B" />'
        '<a href="https://example.org/ch001.xhtml#x">elsewhere</a>')


def test_media_are_numbered_through_the_book() -> None:
    def with_media(*names: str) -> ChapterFile:
        return ChapterFile("", "", tuple((n, "image/png", b"") for n in names),
                           has_images=bool(names), has_math=False)

    assert book_media([with_media("file0.png", "file1.svg"), with_media(),
                       with_media("file0.jpg")]) == [
        {"file0.png": "file0.png", "file1.svg": "file1.svg"}, {}, {"file0.jpg": "file2.jpg"}]


@pytest.mark.parametrize(("name", "expected"), [
    ("file0.png", "file0_png"),
    ("file12.svg+xml", "file12_svg_xml"),
])
def test_media_ids_are_xml_names(name: str, expected: str) -> None:
    assert media_id(name) == expected


def test_a_chapter_file_survives_the_cache() -> None:
    chapter = ChapterFile("<html/>", "mathml", (("file0.png", "image/png", b"\x00\x01"),),
                          has_images=True, has_math=True)
    assert ChapterFile.from_json(chapter.to_json()) == chapter
