"""The cache and the incremental PDF: an incremental build gives the pages of a clean one, only
what changed is laid out again, and a change to any input changes the output."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from anthology.build import BuildOptions, build_book
from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.outputs.book import merge, print_style_key
from tests.books import EPOCH, Snapshot, built_once
from tests.builds.common import (
    SAMPLE_PDF,
    laid_out,
    laid_out_names,
    outline,
    page_showing,
    pages,
    pdf_build,
    root_copy,
    same_pages,
)
from tests.conftest import BIB, BOOK_YAML, CHAPTERS_YAML, INTRO_MD, png, write_book
from tests.workers import build_kept

pytestmark = pytest.mark.slow

PEER_MD = """\
---
title: Peer Support
authors: [ben-writer]
---

Peer support grew from mutual aid [@cahn2000].

![A small figure](images/fig.png)
"""


PNG_A, PNG_B = png(200), png(10)


def stored_chapters(root: Path) -> dict[str, tuple[int, int]]:
    """Each prepared chapter stored in the cache, with what changes when it is stored again."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in (root / "build" / ".cache" / "chapter").rglob("*.json")}


SMALL_PDF = "a-small-book.pdf"


def test_incremental_and_release_builds_give_the_same_pages(
        sample_pdf_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    # The cold build's everyday PDF: what an unchanged build gives again, byte for byte
    # (test_nothing_changed_lays_out_nothing).
    incremental = sample_pdf_built.output(SAMPLE_PDF)
    release = pdf_build(sample_pdf_built.fresh(), monkeypatch, release=True)
    same_pages(incremental, release)
    assert PdfReader(incremental).metadata["/anthologybuild"] == "incremental"  # type: ignore[index]
    assert PdfReader(release).metadata["/anthologybuild"] == "release"  # type: ignore[index]
    inc, rel = PdfReader(incremental), PdfReader(release)
    assert {k: v for k, v in inc.metadata.items() if k != "/anthologybuild"} == {  # type: ignore[union-attr]
        k: v for k, v in rel.metadata.items() if k != "/anthologybuild"}  # type: ignore[union-attr]
    assert inc.trailer["/Root"]["/Lang"] == rel.trailer["/Root"]["/Lang"] == "en-GB"
    # Both label their pages as they are numbered: i-viii, then 1 on the first chapter.
    assert inc.page_labels == rel.page_labels
    assert inc.page_labels[:9] == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "1"]
    assert inc.page_labels[-1] == str(len(inc.pages) - 8)
    assert "/StructTreeRoot" in rel.trailer["/Root"]
    # Contents lines link to the chapters' named destinations, as in one document.
    links = [a.get_object() for a in inc.pages[4].get("/Annots", [])]
    targets = {str(a["/Dest"]) for a in links if "/Dest" in a}
    assert {f"chapter-{n}" for n in range(1, 7)} <= targets
    assert not any("/URI" in a.get("/A", {}) for a in links)
    names = inc.named_destinations
    for target in targets:
        assert target in names


def test_nothing_changed_lays_out_nothing(sample_pdf_built: Snapshot,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    sample = sample_pdf_built.fresh()
    before = laid_out(sample)
    again = pdf_build(sample, monkeypatch)
    assert laid_out(sample) == before
    assert sample_pdf_built.output(SAMPLE_PDF).read_bytes() == again.read_bytes()


def test_a_new_build_date_lays_out_only_the_front_matter(
        sample_pdf_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The date (SOURCE_DATE_EPOCH, the last commit, or the newest input) is in the PDF's
    metadata, which comes from the front matter: chapters are not laid out again for it."""
    sample = sample_pdf_built.fresh()
    before = laid_out(sample)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + 86400))
    build_kept(load_book(sample), BuildOptions(("pdf",), force=True, jobs=2))
    assert len(laid_out(sample) - before) == 1


def test_an_interrupted_entry_is_never_trusted(tmp_path: Path) -> None:
    cache = Cache(tmp_path / ".cache")
    cache.put_json("chapter", "ab" * 32, {"x": 1})
    path = tmp_path / ".cache" / "chapter" / "ab" / f"{'ab' * 32}.json"
    path.write_text('{"x": ', encoding="utf-8")  # what a crash mid-write could leave
    assert cache.get_json("chapter", "ab" * 32) is None
    # Writes go to a temporary name first: nothing else is left in the folder.
    cache.put_json("chapter", "cd" * 32, {"y": 2})
    assert [p.name for p in (tmp_path / ".cache" / "chapter" / "cd").iterdir()] == [
        f"{'cd' * 32}.json"]


def test_clean_reads_nothing_from_the_cache(small_built: Snapshot,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    small = small_built.fresh()
    before = laid_out(small)
    for path in (small / "build" / ".cache" / "part").rglob("*.pdf"):
        path.write_bytes(b"not a PDF")  # would break the merge if it were read
    rebuilt = pdf_build(small, monkeypatch, clean=True, jobs=1)
    assert laid_out(small) == before
    assert len(pages(rebuilt)) > 4


def write_small(root: Path) -> Path:
    """The small test book, with a second chapter that has a figure."""
    write_book(root, {"chapters/02-peer.md": PEER_MD})
    (root / "chapters" / "images").mkdir()
    (root / "chapters" / "images" / "fig.png").write_bytes(PNG_A)
    return root


SUBHEADS_MD = """\
---
title: Introduction
authors: [ada-editor]
---

This book began in a seminar [@cahn2000].

### Seminars came first

The seminars met in rooms that were, on purpose, not always on campus.

### Knowledge is plural

What people know from living through [services]{.index} is knowledge too.
"""


def write_parted(root: Path, index: bool = False) -> Path:
    """The small book with subheadings in its introduction and its second chapter in a part
    (its title page after the introduction), with an index if `index`."""
    write_small(root)
    return write_book(root, {
        "chapters/01-intro.md": SUBHEADS_MD,
        "chapters.yaml": CHAPTERS_YAML.replace("  - id: peer\n",
                                               "  - id: peer\n    part: Part One\n"),
        "book.yaml": BOOK_YAML + ("build:\n  index: true\n" if index else "")})


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """The small test book, with a second chapter that has a figure."""
    return write_small(tmp_path / "small")


def _csl_file(root: Path) -> None:
    from anthology.chapters.csl import resolve_csl

    style = resolve_csl(root, "chicago-author-date").read_text(encoding="utf-8")
    (root / "styles").mkdir(exist_ok=True)
    (root / "styles" / "house.csl").write_text(style, encoding="utf-8")
    yaml = (root / "book.yaml").read_text(encoding="utf-8")
    (root / "book.yaml").write_text(yaml.replace("csl: chicago-author-date",
                                                 "csl: styles/house.csl"), encoding="utf-8")


def _edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CHANGES = {
    "chapter text": lambda r: _edit(r, "chapters/01-intro.md", "began in a seminar",
                                    "began in a reading group"),
    "image": lambda r: (r / "chapters" / "images" / "fig.png").write_bytes(PNG_B),
    "bibliography": lambda r: _edit(r, "references/book.bib", "Essential Books",
                                    "Essential Press"),
    "csl": lambda r: _edit(r, "styles/house.csl", '<layout suffix=".">',
                           '<layout suffix=". (Cited.)">'),
    "template": lambda r: (r / "templates" / "book").mkdir(parents=True) or (
        r / "templates" / "book" / "book.html.j2").write_text(
        (Path(__file__).resolve().parents[2] / "src" / "anthology" / "templates" / "book" /
         "book.html.j2").read_text(encoding="utf-8").replace("Edited by", "Edited with care by"),
        encoding="utf-8"),
    "css": lambda r: (r / "styles" / "book.css").write_text(
        ".chapter-title { font-size: 30pt; }\n", encoding="utf-8"),
    "book.yaml": lambda r: _edit(r, "book.yaml", "title: A Small Book", "title: A Smaller Book"),
    "contributors.yaml": lambda r: _edit(r, "contributors.yaml", "name: Ben Writer",
                                         "name: Benjamin Writer"),
    "chapters.yaml": lambda r: _edit(r, "chapters.yaml", "  - id: peer\n",
                                     "  - id: peer\n    part: Part One\n"),
}


@pytest.fixture(scope="session")
def small_built(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The small book (two chapters, a figure) with its own CSL file, after a cold build of
    its PDF and EPUB: one book for every test that starts from a built small book, built
    once per worker."""
    def write(root: Path) -> Path:
        _csl_file(write_small(root))
        return root

    return built_once(tmp_path_factory.mktemp("small-csl"), write, ("pdf", "epub"))


@pytest.mark.parametrize("what", list(CHANGES))
def test_a_change_to_any_input_changes_the_pdf_and_the_epub(
        what: str, small_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    small = small_built.fresh()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    before = (small_built.output(SMALL_PDF).read_bytes(),
              small_built.output("a-small-book.epub").read_bytes())
    CHANGES[what](small)
    book = load_book(small)
    build_kept(book, BuildOptions(("pdf", "epub"), force=True, jobs=2))
    slug = book.config.slug
    pdf, epub = small / "build" / f"{slug}.pdf", small / "build" / f"{slug}.epub"
    after = (pdf.read_bytes(), epub.read_bytes())
    assert after[0] != before[0], f"a change of {what} did not change the PDF"
    if what not in ("template", "css"):  # print-only inputs
        assert after[1] != before[1], f"a change of {what} did not change the EPUB"
    incremental = pdf.read_bytes()
    # Laid out again on one worker (quicker for two chapters): the same bytes as on two.
    build_kept(book, BuildOptions(("pdf",), force=True, clean=True, jobs=1))
    assert pdf.read_bytes() == incremental, f"after a change of {what}, the incremental PDF " \
        "is not the clean one"


def test_fonts_and_versions_are_in_the_print_key(small: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import anthology
    from anthology.engines.weasyprint import render as pdf
    from anthology.outputs.book import html

    book = load_book(small)
    base = print_style_key(book)
    monkeypatch.setattr(pdf, "weasyprint_version", lambda: "0.0-test")
    assert print_style_key(book) != base
    monkeypatch.undo()
    monkeypatch.setattr(anthology, "__version__", "0.0-test")
    assert print_style_key(book) != base
    monkeypatch.undo()
    from anthology.engines.weasyprint import subsetting

    monkeypatch.setattr(subsetting, "subsetter_version", lambda: "uharfbuzz 0.0-test")
    assert print_style_key(book) != base
    monkeypatch.undo()
    fonts = small.parent / "fonts"
    shutil.copytree(html.FONTS_DIR, fonts)
    monkeypatch.setattr(html, "FONTS_DIR", fonts)
    same = print_style_key(book)
    assert same == base  # the fonts' bytes are in the key, not their folder; now change a byte
    font = next(fonts.glob("*.ttf"))
    font.write_bytes(font.read_bytes() + b"\0")
    assert print_style_key(book) != same


def test_pandoc_version_is_in_the_chapter_key(small: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.chapters import prepare as chapter_module
    from anthology.chapters.csl import resolve_csl
    from anthology.chapters.manuscript import read_manuscript
    from anthology.engines import pandoc

    book = load_book(small)
    chapter = book.active_chapters[0]
    assert chapter.file is not None
    manuscript = read_manuscript(book.root, chapter.file, chapter.id)
    csl = resolve_csl(book.root, book.config.csl)
    bibs = [small / "references" / "book.bib"]
    base = chapter_module.chapter_key(book, chapter, 1, csl, manuscript, bibs)
    monkeypatch.setattr(pandoc, "pandoc_version", lambda: "0.0-test")
    assert chapter_module.chapter_key(book, chapter, 1, csl, manuscript, bibs) != base


def test_outline_tree_follows_weasyprints_levels() -> None:
    tree = merge.outline_tree([(1, "Contents", 0, 0, 0), (1, "Part I", 4, 0, 0),
                               (2, "1. A", 6, 0, 0), (3, "Section", 7, 0, 0),
                               (2, "2. B", 9, 0, 0), (1, "Part II", 11, 0, 0),
                               (3, "Skipped", 12, 0, 0)])
    titles = [(t[0], [(c[0], [g[0] for g in c[4]]) for c in t[4]]) for t in tree]
    assert titles == [("Contents", []), ("Part I", [("1. A", ["Section"]), ("2. B", [])]),
                      ("Part II", [("Skipped", [])])]


def test_starts_follow_lengths_with_blank_versos() -> None:
    body = [merge.Piece("a", "", "a", pages=5), merge.Piece("b", "", "b", pages=1),
            merge.Piece("c", "", "c", pages=None), merge.Piece("d", "", "d", pages=3)]
    assert merge.starts_of(body) == [1, 7, 9, None]


def test_bib_and_intro_fixtures_are_what_the_changes_expect() -> None:
    assert "Essential Books" in BIB and "began in a seminar" in INTRO_MD


def test_a_build_after_a_check_prepares_no_chapter_again(
        small_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """`anthology check` stores each chapter as the build prepares it (same key, same form)."""
    from anthology.editorial.checks.runner import check_book

    small = small_built.fresh()
    clean = small_built.output(SMALL_PDF)  # the cold build's: nothing came from a cache
    shutil.rmtree(small / "build")
    check_book(load_book(small))
    stored = stored_chapters(small)
    assert len(stored) == 2
    same_pages(pdf_build(small, monkeypatch, jobs=1), clean)
    assert stored_chapters(small) == stored, "a chapter was prepared again"


def test_nothing_changed_reads_no_chapter_ast(small_built: Snapshot,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The biggest cache entries are read only when something needs them."""
    small = small_built.fresh()
    first = small_built.output(SMALL_PDF)
    read = Cache.get_json

    def get_json(self: Cache, kind: str, key: str) -> object:
        assert kind != "chapter-ast", "a chapter's AST was read with nothing changed"
        return read(self, kind, key)

    monkeypatch.setattr(Cache, "get_json", get_json)
    assert pdf_build(small, monkeypatch).read_bytes() == first.read_bytes()


def test_a_worker_started_early_and_never_used_is_stopped() -> None:
    from anthology.engines.weasyprint.workers import WorkerPool

    pool = WorkerPool(2)
    pool.prestart(5)
    processes = [w.process for w in pool.workers]
    assert len(processes) == 2
    pool.close()
    assert all(p.poll() is not None for p in processes)
    assert pool.workers == []


def test_a_pool_for_one_build_lets_its_workers_go_once_no_job_comes() -> None:
    from anthology.engines.weasyprint.workers import WorkerPool

    pool = WorkerPool(2, kept=False)
    pool.prestart(2)
    pool.workers[0].used = True  # as if it had laid a piece out
    processes = [w.process for w in pool.workers]
    pool.finish()
    assert pool.workers == []
    assert processes[1].poll() is not None  # never used: killed at once
    pool.close()
    assert all(p.poll() is not None for p in processes)
    assert pool.leaving == []


def test_a_kept_pool_keeps_its_workers_and_a_wait_can_end_with_no_answer() -> None:
    from anthology.engines.weasyprint.workers import WorkerPool

    with WorkerPool(1) as pool:
        pool.prestart(1)
        pool.finish()
        assert len(pool.workers) == 1
        assert pool.wait(0) == []


def test_an_edit_makes_the_html_of_the_edited_chapter_only(
        small_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.outputs.book import html

    small = small_built.fresh()
    first = small_built.output(SMALL_PDF)
    read: list[str] = []
    made: list[str] = []
    original, to_html = html.chapter_sections, html.pandoc.ast_to_html

    def counted(book: Any, text: Any, *args: Any) -> html.Sections:
        read.append(text.chapter.id)
        return original(book, text, *args)

    def converted(ast: Any, what: str) -> str:
        made.append(what)
        return to_html(ast, what)

    monkeypatch.setattr(html, "chapter_sections", counted)
    monkeypatch.setattr(html.pandoc, "ast_to_html", converted)
    _edit(small, "chapters/02-peer.md", "grew from mutual aid", "grew out of mutual aid")
    edited = pdf_build(small, monkeypatch)
    # made once, by the check (ahead of the layout), then read by the build
    assert set(read) == {"peer"}
    assert made and all(what.startswith("chapters/02-peer.md") for what in made)
    assert any("grew out of mutual aid" in t for t in pages(edited))
    assert len(pages(edited)) == len(pages(first))


def test_the_pieces_before_an_edited_chapter_are_joined_while_it_is_laid_out(
        small_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    small = small_built.fresh()
    first = small_built.output(SMALL_PDF)
    _edit(small, "chapters/02-peer.md", "grew from mutual aid", "grew out of mutual aid")
    lines: list[str] = []
    joined: list[tuple[str, bool]] = []
    add = merge.Joiner.add

    def recorded(self: merge.Joiner, piece: merge.Piece, **options: Any) -> None:
        joined.append((piece.name, "Joining the pieces" in lines))
        add(self, piece, **options)

    monkeypatch.setattr(merge.Joiner, "add", recorded)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build_book(load_book(small), BuildOptions(("pdf",), force=True, jobs=2), progress=lines.append)
    assert joined == [("chapter 1", False), ("chapter 2", True)]
    edited = small / "build" / "a-small-book.pdf"
    assert len(pages(edited)) == len(pages(first))
    assert outline(edited) == outline(first)


RUNNING_SUBHEAD_CSS = ("h3 { string-set: subhead content(text); }\n"
                      "@page { @top-left { content: 'Sub: ' string(subhead); } }\n"
                      "@page :first { @top-right { content: 'Opening'; } }\n")


def test_named_strings_carry_from_one_chapter_into_the_next_pieces(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A book's own running heads from `string-set`: a page that sets none (the part title
    after the introduction, a chapter's pages before its first subheading) shows the last
    value set before it, in the incremental build as in one document; and when an edit
    changes that value, the later pieces are laid out again with it. Its `@page :first` is
    the book's first page, as in one document. A book with its own CSS (which may set
    running heads from inside a chapter) has its folios drawn in place, not apart (the
    sample, without CSS of its own, has them drawn apart: see test_guesses)."""
    book = write_parted(tmp_path / "book")
    (book / "styles").mkdir(exist_ok=True)
    (book / "styles" / "book.css").write_text(RUNNING_SUBHEAD_CSS, encoding="utf-8")
    names = laid_out_names(book, monkeypatch)
    assert {"chapter 1", "part Part One", "chapter 2"} <= set(names)
    assert not any(name.startswith("the running heads") for name in names)
    incremental = root_copy(book / "build" / SMALL_PDF)
    texts = same_pages(incremental, pdf_build(book, monkeypatch, release=True))
    # The introduction's last subheading, shown over the part title that follows it.
    assert "Sub: Knowledge is plural" in page_showing(texts, "Part One")
    # `@page :first` is the book's first page only, not each piece's.
    assert ["Opening" in page for page in texts].count(True) == 1

    intro = book / "chapters" / "01-intro.md"
    intro.write_text(intro.read_text(encoding="utf-8").replace(
        "### Knowledge is plural", "### Knowledge is many"), encoding="utf-8")
    names = laid_out_names(book, monkeypatch)
    assert {"part Part One", "chapter 2"} <= set(names)  # they enter with the new value
    edited = root_copy(book / "build" / SMALL_PDF)
    texts = same_pages(edited, pdf_build(book, monkeypatch, clean=True, jobs=1))
    assert "Sub: Knowledge is many" in page_showing(texts, "Part One")


RUNNING_ELEMENT_CSS = ("body { color: black; }\n"
                       "h3 {\n  position: running(subhead);\n}\n"
                       "@page { @top-left { content: element(subhead); } }\n")


def test_a_book_with_running_elements_is_laid_out_as_one_document(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A running element (a box, not a string) cannot be carried from one piece into the
    next: the everyday PDF of such a book is one untagged whole-book render, the release's
    pages, kept while nothing changes."""
    from anthology.engines.weasyprint import render as pdf_module
    from anthology.outputs.book import onedocument

    book = write_parted(tmp_path / "book", index=True)
    (book / "styles").mkdir(exist_ok=True)
    (book / "styles" / "book.css").write_text(RUNNING_ELEMENT_CSS, encoding="utf-8")
    found = onedocument.reason(load_book(book))
    assert found == onedocument.Reason("styles/book.css", 3, "running elements")
    lines: list[str] = []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    built = build_book(load_book(book), BuildOptions(("pdf",), force=True, jobs=2),
                       progress=lines.append)
    everyday = root_copy(built.outputs[0])
    assert ("Laying out the PDF (one whole-book render: styles/book.css, line 3, uses running "
            "elements)") in lines
    assert not laid_out(book)  # no piece
    reader = PdfReader(everyday)
    assert reader.metadata["/anthologybuild"] == "whole-book"  # type: ignore[index]
    assert "/StructTreeRoot" not in reader.trailer["/Root"]

    texts = same_pages(everyday, pdf_build(book, monkeypatch, release=True))
    # The introduction's last subheading, over the part title after it, as in one document.
    assert "Knowledge is plural" in page_showing(texts, "Part One")
    assert page_showing(texts, "Index")  # the index is in the PDF

    pdf_build(book, monkeypatch)  # after the release (in its place), laid out again
    renders: list[Path] = []
    original = pdf_module.render_pdf
    monkeypatch.setattr(pdf_module, "render_pdf",
                        lambda html, *a, **k: renders.append(html) or original(html, *a, **k))
    again = pdf_build(book, monkeypatch)
    assert renders == []
    assert again.read_bytes() == everyday.read_bytes()
    intro = book / "chapters" / "01-intro.md"
    intro.write_text(intro.read_text(encoding="utf-8").replace(
        "### Knowledge is plural", "### Knowledge is many"), encoding="utf-8")
    edited = pdf_build(book, monkeypatch)
    # The book has an index (build.index): it is laid out once for the pages of its marks,
    # then with its index.
    assert [html.name for html in renders] == ["book-unindexed.html", "book.html"]
    assert "Knowledge is many" in page_showing(pages(edited), "Part One")


def test_entries_are_known_once_the_pieces_before_are_laid_out() -> None:
    first = merge.Piece("a", "", "ka", pages=3, strings={"head": "One", "sub": "x"})
    second = merge.Piece("b", "", "kb", pages=2, strings={"head": "Two"})
    third = merge.Piece("c", "", "kc")
    fourth = merge.Piece("d", "", "kd")
    assert merge.entries_of([first, second, third, fourth]) == [
        {}, {"head": "One", "sub": "x"}, {"head": "Two", "sub": "x"}, None]
    # The named strings a piece enters with are part of its PDF's key, when it has any: the
    # keys of books that set none are those they always were.
    third.start = 7
    plain = merge.part_key(third)
    third.entry = {}
    assert merge.part_key(third) == plain
    third.entry = {"head": "Two"}
    assert merge.part_key(third) != plain


def test_recording_a_step_makes_nothing_again(sample_pdf_built: Snapshot,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from anthology.editorial.tracking.plan import mark_chapter

    sample = sample_pdf_built.fresh()
    first = sample_pdf_built.output(SAMPLE_PDF)
    mark_chapter(sample, "power-sharing", "copyedited", date=dt.date(2026, 11, 20),
                 force=True)
    stored = stored_chapters(sample)
    assert laid_out_names(sample, monkeypatch) == []
    assert stored_chapters(sample) == stored, "a chapter was prepared again"
    assert (sample / "build" / "doing-things-differently.pdf").read_bytes() == \
        first.read_bytes()


def test_after_an_edit_the_other_chapters_are_prepared_during_the_check(
        small_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the edited chapter is checked, a thread prepares the others from the cache, so
    that the build itself prepares none of them (and the PDF is what a clean build gives)."""
    small = small_built.fresh()
    _edit(small, "chapters/02-peer.md", "grew from mutual aid", "grew out of mutual aid")
    result = build_kept(load_book(small), BuildOptions(("pdf",), force=True, jobs=2))
    assert "intro" in result.prepared_while_checking  # the unchanged chapter: from the thread
    # The edited one, unless the thread found it stored.
    assert set(result.prepared_after_checks) <= {"peer"}
    same_pages(root_copy(result.outputs[0]), pdf_build(small, monkeypatch, clean=True, jobs=1))


def test_a_cold_build_and_an_unchanged_one_prepare_nothing_early(
        small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for _ in ("cold", "unchanged"):
        result = build_book(load_book(small), BuildOptions(("pdf",), force=True, jobs=1))
        assert result.prepared_while_checking == []
        assert result.prepared_after_checks == ["intro", "peer"]


def test_what_is_prepared_early_is_what_the_build_prepares(small: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.chapters.csl import resolve_csl
    from anthology.chapters.prepare import prepare_chapter, prepared_chapter
    from anthology.outputs.common import included_chapters

    book = load_book(small)
    cache = Cache(small / "build" / ".cache")
    csl = resolve_csl(book.root, book.config.csl)
    chapters = included_chapters(book)[0]
    assert [prepared_chapter(book, c, n, csl, cache)
            for n, c in enumerate(chapters, start=1)] == [None, None]
    assert not (small / "build" / ".cache").exists()  # a miss stores nothing
    made = [prepare_chapter(book, c, n, csl, cache) for n, c in enumerate(chapters, start=1)]
    early = [prepared_chapter(book, c, n, csl, cache) for n, c in enumerate(chapters, start=1)]
    def facts(texts: list[Any]) -> list[tuple[Any, ...]]:
        return [(t.key, t.number, t.title, t.cited, t.findings, t.ast) for t in texts]

    assert facts(early) == facts(made)
    assert prepared_chapter(book, chapters[0], 1, csl, Cache(cache.folder, enabled=False)) \
        is None


def test_a_failure_while_preparing_early_is_left_to_the_build(
        small_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The early thread gives up quietly; the build prepares the chapters itself."""
    from anthology.chapters import prepare as chapter

    small = small_built.fresh()
    first = small_built.output(SMALL_PDF)
    _edit(small, "chapters/02-peer.md", "grew from mutual aid", "grew out of mutual aid")

    def broken(*_: object) -> None:
        raise RuntimeError("a fault in the early thread")

    monkeypatch.setattr(chapter, "prepared_chapter", broken)
    edited = pdf_build(small, monkeypatch)
    assert len(pages(edited)) == len(pages(first))
    assert any("grew out of mutual aid" in t for t in pages(edited))


def test_a_build_stopped_by_its_checks_stops_the_early_thread(
        small_built: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from anthology.core.errors import AnthologyError

    small = small_built.fresh()
    _edit(small, "chapters/02-peer.md", "[@cahn2000]", "[@nobody1999]")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    with pytest.raises(AnthologyError, match="The build stopped"):
        build_book(load_book(small), BuildOptions(("pdf",), jobs=2))
    assert not [t for t in threading.enumerate() if t.name == "anthology-ahead"]


def started_renders(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The WeasyPrint processes the release starts ahead, as they are started."""
    from anthology.engines.weasyprint import render as pdf

    started: list[Any] = []
    start = pdf.start_render

    def recording() -> Any:
        started.append(start())
        return started[-1]

    monkeypatch.setattr(pdf, "start_render", recording)
    return started


def test_the_release_renders_in_the_process_it_started_ahead(
        small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started = started_renders(monkeypatch)
    release = pdf_build(small, monkeypatch, release=True)
    assert len(started) == 1
    assert started[0].returncode == 0  # it rendered the book and left
    assert PdfReader(release).metadata["/anthologybuild"] == "release"  # type: ignore[index]
    assert "/StructTreeRoot" in PdfReader(release).trailer["/Root"]
    pdf_build(small, monkeypatch)
    assert len(started) == 1  # the everyday build has its workers


def test_a_release_stopped_by_its_checks_stops_the_process_started_ahead(
        small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.core.errors import AnthologyError

    started = started_renders(monkeypatch)
    _edit(small, "chapters/02-peer.md", "[@cahn2000]", "[@nobody1999]")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    with pytest.raises(AnthologyError, match="The build stopped"):
        build_book(load_book(small), BuildOptions(("pdf",), release=True))
    assert len(started) == 1
    assert started[0].returncode not in (None, 0)  # killed, and its pipes read and closed
    assert started[0].stdout.closed and started[0].stdin.closed
