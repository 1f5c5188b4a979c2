"""The incremental PDF keys each piece by what its HTML is made of, not by the HTML (which is
then made only for the pieces laid out again): every change that changes a piece's HTML, or
its running heads and folios, must change its key, and a piece made without the other
chapters' HTML must be the piece made with all of it."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from anthology.build import prepare_chapters
from anthology.core.cache import Cache
from anthology.core.config import load_book
from anthology.outputs.book import merge
from anthology.outputs.book.html import book_html
from anthology.outputs.book.pieces import PrintPieces
from tests.bookdata import chapter, chapters_yaml, intro, peer
from tests.books import EPOCH
from tests.builds.test_incremental import PEER_MD, PNG_A, PNG_B
from tests.conftest import write_book

pytestmark = pytest.mark.slow

CREATED = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)

CHAPTERS_YAML = chapters_yaml(
    intro("draft"),
    peer("draft", more="    part: Practice\n"),
    chapter("wards", "Wards", "ben-writer, ada-editor", "draft", file="chapters/03-wards.md",
            more="    part: Practice\n"),
)

WARDS_MD = """\
---
authors: [ben-writer, ada-editor]
subtitle: Then and Now
short-title: Wards
lang: en-US
abstract: How the wards were run.
keywords: [wards, history]
---

# Before

Total institutions [@goffman1961] ran the wards.[^1]

[^1]: As the records show.
"""


Snapshot = dict[str, tuple[str, str, str, str]]


@dataclass(frozen=True)
class Prepared:
    """The test book with its chapters prepared (cache included), kept aside, and its
    snapshot: each test gets the book back in the same folder and changes it."""

    place: Path
    kept: Path
    before: Snapshot


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """Three chapters, the last two in a part; one with a figure, one with its title from
    chapters.yaml only."""
    folder = tmp_path_factory.mktemp("piece-keys")
    root = write_book(folder / "book", {"chapters.yaml": CHAPTERS_YAML,
                                        "chapters/02-peer.md": PEER_MD,
                                        "chapters/03-wards.md": WARDS_MD})
    (root / "chapters" / "images").mkdir()
    (root / "chapters" / "images" / "fig.png").write_bytes(PNG_A)
    before = snapshot(root)
    kept = folder.parent / f"{folder.name}-kept"
    shutil.copytree(root, kept)
    return Prepared(root, kept, before)


@pytest.fixture
def book(prepared: Prepared) -> Path:
    """The test book as `prepared` left it."""
    shutil.rmtree(prepared.place)
    shutil.copytree(prepared.kept, prepared.place)
    return prepared.place


@pytest.fixture
def before(prepared: Prepared) -> Snapshot:
    """The test book's snapshot before any change."""
    return prepared.before


def snapshot(root: Path) -> Snapshot:
    """Each body piece's key and HTML, and its margins layer's key and HTML (for 3 pages from
    page 7), checking on the way that the pieces made on demand, with only their own
    chapter's HTML, are those made with every chapter's HTML."""
    book = load_book(root)
    cache = Cache(root / "build" / ".cache")
    texts, _ = prepare_chapters(book, cache, lambda _: None, jobs=2)
    out: Snapshot = {}
    with ThreadPoolExecutor(2) as threads:
        pieces = PrintPieces(book, texts, CREATED, cache, threads)
        sections = {t.chapter.id: pieces.sections(t) for t in texts}
        for number, (piece, (name, place, _)) in enumerate(
                zip(pieces.body(), pieces.places, strict=True)):
            whole = book_html(book, texts, CREATED, pieces.css, pieces.extra_css, sections=sections,
                              build_kind="incremental", include_front=False, body=[place])
            expected = merge.without_margins(whole) if pieces.margins_apart else whole
            assert piece.source() == expected, name
            layer = pieces.margins(number, 3, 7)
            assert layer.source() == merge.margins_only(whole, 3), name
            out[name] = (piece.key, expected, layer.key, layer.source())
    return out


def _edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _book_template(root: Path) -> None:
    source = (Path(__file__).resolve().parents[2] / "src" / "anthology" / "templates" / "book"
              / "book.html.j2").read_text(encoding="utf-8")
    (root / "templates" / "book").mkdir(parents=True)
    (root / "templates" / "book" / "book.html.j2").write_text(
        source.replace('<p class="chapter-number">', '<p class="chapter-number">No. '),
        encoding="utf-8")


def _move_first_chapter_last(root: Path) -> None:
    first = ("  - id: intro\n    title: Introduction\n    authors: [ada-editor]\n"
             "    file: chapters/01-intro.md\n    status: draft\n")
    _edit(root, "chapters.yaml", first, "")
    path = root / "chapters.yaml"
    path.write_text(path.read_text(encoding="utf-8") + first, encoding="utf-8")


EDITS: dict[str, Callable[[Path], object]] = {
    "chapter text": lambda r: _edit(r, "chapters/03-wards.md", "ran the wards",
                                    "ran the long wards"),
    "chapter note": lambda r: _edit(r, "chapters/03-wards.md", "As the records show.",
                                    "As the old records show."),
    "title in front matter": lambda r: _edit(r, "chapters/01-intro.md", "title: Introduction",
                                             "title: An Introduction"),
    "title in chapters.yaml": lambda r: _edit(r, "chapters.yaml", "title: Wards",
                                              "title: The Wards"),
    "subtitle": lambda r: _edit(r, "chapters/03-wards.md", "Then and Now", "Now and Then"),
    "short title": lambda r: _edit(r, "chapters/03-wards.md", "short-title: Wards",
                                   "short-title: The Wards"),
    "lang": lambda r: _edit(r, "chapters/03-wards.md", "lang: en-US", "lang: fr"),
    "keywords": lambda r: _edit(r, "chapters/03-wards.md", "[wards, history]",
                                "[wards, asylums]"),
    "abstract": lambda r: _edit(r, "chapters/01-intro.md", "What this small book is about.",
                                "What this small book is for."),
    "authors in front matter": lambda r: _edit(r, "chapters/03-wards.md",
                                               "authors: [ben-writer, ada-editor]",
                                               "authors: [ada-editor, ben-writer]"),
    "an author's affiliation": lambda r: _edit(r, "contributors.yaml", "Mind in Leeds",
                                               "Mind in York"),
    "an author's name": lambda r: _edit(r, "contributors.yaml", "name: Ben Writer",
                                        "name: Benjamin Writer"),
    "an editor's name": lambda r: _edit(r, "contributors.yaml", "name: Ada Editor",
                                        "name: Ada B. Editor"),
    "book title": lambda r: _edit(r, "book.yaml", "title: A Small Book",
                                  "title: A Smaller Book"),
    "book subtitle": lambda r: _edit(r, "book.yaml", "subtitle: For Tests",
                                     "subtitle: For More Tests"),
    "book language": lambda r: _edit(r, "book.yaml", "language: en-GB", "language: en-US"),
    "book keywords": lambda r: _edit(r, "book.yaml", "language: en-GB",
                                     "language: en-GB\nkeywords: [care]"),
    "book description": lambda r: _edit(r, "book.yaml", "language: en-GB",
                                        "language: en-GB\ndescription: About care."),
    "page size": lambda r: _edit(r, "book.yaml", "language: en-GB",
                                 "language: en-GB\npage:\n  size: [148mm, 210mm]"),
    "page margins": lambda r: _edit(r, "book.yaml", "language: en-GB",
                                    "language: en-GB\npage:\n  margins: {inner: 25mm}"),
    "no abstracts": lambda r: _edit(r, "book.yaml", "language: en-GB",
                                    "language: en-GB\nbuild:\n  abstracts: false"),
    "no keywords": lambda r: _edit(r, "book.yaml", "language: en-GB",
                                   "language: en-GB\nbuild:\n  keywords: false"),
    "endnotes": lambda r: _edit(r, "book.yaml", "language: en-GB",
                                "language: en-GB\nbuild:\n  notes: endnotes"),
    "an extra stylesheet": lambda r: (r / "styles").mkdir() or (
        r / "styles" / "book.css").write_text("p { color: #111; }\n", encoding="utf-8"),
    "the book's own template": _book_template,
    "a part renamed": lambda r: _edit(r, "chapters.yaml", "part: Practice\n  - id: wards",
                                      "part: In Practice\n  - id: wards"),
    "a part split": lambda r: _edit(r, "chapters.yaml", "    part: Practice\n",
                                    "    part: Peers\n"),
    "a part added first": lambda r: _edit(r, "chapters.yaml", "file: chapters/01-intro.md\n",
                                          "file: chapters/01-intro.md\n    part: Opening\n"),
    "the first chapter moved last": _move_first_chapter_last,
    "bibliography": lambda r: _edit(r, "references/book.bib", "Anchor Books", "Doubleday"),
}


@pytest.mark.parametrize("what", list(EDITS))
def test_a_change_to_a_pieces_html_changes_its_key(what: str, book: Path,
                                                   before: Snapshot) -> None:
    EDITS[what](book)
    after = snapshot(book)
    both = before.keys() & after.keys()
    for name in both:
        (key, html, layer_key, layer), (key2, html2, layer_key2, layer2) = (before[name],
                                                                            after[name])
        if html != html2:
            assert key != key2, f"{what}: the HTML of {name} changed, its key did not"
        if layer != layer2:
            assert layer_key != layer_key2, (f"{what}: the running heads and folios of {name} "
                                             "changed, their key did not")
    assert before.keys() != after.keys() or any(
        before[n][1] != after[n][1] for n in both), f"{what} changed no piece's HTML"


def test_an_image_changes_the_key_of_its_chapter_only(book: Path, before: Snapshot) -> None:
    """The HTML names the image; the layout depends on its bytes too."""
    (book / "chapters" / "images" / "fig.png").write_bytes(PNG_B)
    after = snapshot(book)
    assert [n for n in before if before[n][0] != after[n][0]] == ["chapter 2"]
    assert before["chapter 2"][1] == after["chapter 2"][1]


def test_an_edit_to_one_chapter_changes_only_its_own_key(book: Path,
                                                         before: Snapshot) -> None:
    EDITS["chapter text"](book)
    after = snapshot(book)
    assert [n for n in before if before[n][0] != after[n][0]] == ["chapter 3"]
    # Its running heads and folios are those it had: they need not be drawn again.
    assert all(before[n][2] == after[n][2] for n in before)


def test_pages_of_counts_a_piece_still_laid_out_by_its_opening() -> None:
    done = merge.Piece("chapter 1", "", "a", pages=3,
                       layout={"anchors": {"chapter-1": 0, "c1-fig": 2}})
    running = merge.Piece("chapter 2", "", "b", pages=5)
    assert merge.pages_of([done, running], [1, 5], ["chapter-1", "chapter-2"]) == {
        "chapter-1": 1, "c1-fig": 3, "chapter-2": 5}


class RecordedLayouts:
    """Stands for merge.Layouts: takes pieces in and lays nothing out."""

    busy = False

    def __init__(self) -> None:
        self.pieces: list[merge.Piece] = []

    def add(self, piece: merge.Piece) -> merge.Piece:
        self.pieces.append(piece)
        return piece

    def forget(self, piece: merge.Piece) -> None:
        piece.optional = True


def test_the_front_matter_starts_before_the_chapters_end_and_is_checked_after(
        book: Path) -> None:
    """Laid out once every first page is known (the contents show where chapters begin), and
    laid out again if the chapters' anchors, once known, say otherwise."""
    from anthology.outputs.book.assembly import Assembly

    loaded = load_book(book)
    cache = Cache(book / "build" / ".cache")
    texts, _ = prepare_chapters(loaded, cache, lambda _: None, jobs=2)
    layouts = RecordedLayouts()
    with ThreadPoolExecutor(2) as threads:
        pieces = PrintPieces(loaded, texts, CREATED, cache, threads)
        assembly = Assembly(pieces, layouts, cache)  # type: ignore[arg-type]
        assert assembly.step() is False  # no length known: nothing to start
        for piece in assembly.body:
            piece.pages = 3  # as the workers say before they write the PDFs
        assert assembly.step() is True
        fronts = [p for p in layouts.pieces if p.name == "the front matter"]
        assert len(fronts) == 1
        assert '<span class="toc-page">13</span>' in fronts[0].html  # chapter 3, after a part
        for piece, (_, _, opening) in zip(assembly.body[:-1], pieces.places, strict=False):
            piece.layout = {"pages": 3, "anchors": {opening: 0}}
        assembly.step()  # chapter 3 is still being laid out
        assert len([p for p in layouts.pieces if p.name == "the front matter"]) == 1
        assembly.body[-1].layout = {"pages": 3, "anchors": {"chapter-3": 1}}
        assembly.step()
        fronts = [p for p in layouts.pieces if p.name == "the front matter"]
        assert len(fronts) == 2
        assert '<span class="toc-page">14</span>' in fronts[1].html
        assert fronts[0].optional and not fronts[1].optional  # the first is not waited for


def test_a_chapter_set_to_change_length_starts_the_other_workers(
        book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.build import BuildOptions, build_book

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    build_book(load_book(book), BuildOptions(("pdf",), force=True, jobs=2))

    def foreseen() -> int:
        loaded = load_book(book)
        cache = Cache(book / "build" / ".cache")
        texts, _ = prepare_chapters(loaded, cache, lambda _: None, jobs=2)
        calls: list[int] = []
        with ThreadPoolExecutor(2) as threads:
            pieces = PrintPieces(loaded, texts, CREATED, cache, threads,
                                 on_length_change=lambda: calls.append(1))
            pieces.body()[0].source()
        return len(calls)

    _edit(book, "chapters/01-intro.md", "began in a seminar", "began in a reading group")
    assert foreseen() == 0
    long = " ".join(["A sentence added in proof, to make the chapter longer."] * 40)
    _edit(book, "chapters/01-intro.md", "[^1]: A note",
          "\n\n".join([long] * 12) + "\n\n[^1]: A note")
    assert foreseen() == 1
