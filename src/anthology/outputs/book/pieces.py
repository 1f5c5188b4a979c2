"""The pieces of the everyday PDF (the front matter, each part title, each chapter, and the
running heads and folios of each), their cache keys, and their HTML made only when needed."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from anthology.chapters.prepare import ChapterText
from anthology.core.cache import Cache, digest
from anthology.core.model import Book
from anthology.outputs.book.typeset import html_key, long_table
from anthology.outputs.common import stylesheets

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from anthology.outputs.book.html import Sections
    from anthology.outputs.book.merge import Piece

# What a piece's cached layout records: 2 since it holds the named strings the piece sets.
PIECES_FORMAT = "2"


class Place(NamedTuple):
    """Where a body piece is in the book template (what book_html's `body` takes)."""

    chapter: int  # the index of its chapter among the book's chapters
    shows_part: bool  # it is the title page of the chapter's part
    shows_chapter: bool  # it is the chapter itself


class BodyPiece(NamedTuple):
    """A part title or a chapter of the body, in book order."""

    name: str  # for messages: "part 1", "chapter 3"
    place: Place
    opening: str  # the id of its opening element (where the contents point)


def print_style_key(book: Book) -> str:
    """Everything that shapes the print layout besides the HTML: anthology's and the book's
    templates and CSS, the fonts, and the versions of anthology, WeasyPrint, the font
    subsetter and the HTML parser."""
    from anthology import __version__
    from anthology.engines.weasyprint import flushbottom, linebreak
    from anthology.engines.weasyprint.patches.htmltree import parser_version
    from anthology.engines.weasyprint.render import weasyprint_version
    from anthology.engines.weasyprint.subsetting import subsetter_version
    from anthology.outputs.book.html import FONTS_DIR, TEMPLATES_DIR

    extra = [book.root / name for name in (book.config.build.css,) if name]
    files = _files_digest(TEMPLATES_DIR / "book", FONTS_DIR, book.root / "templates",
                          book.root / "styles")
    # The line breaker's rules shape the pages as much as the CSS does. The book's folder
    # does too: WeasyPrint names each image in the PDF after its absolute URL.
    breaker = Path(linebreak.__file__).read_bytes() + Path(flushbottom.__file__).read_bytes()
    return digest("print-style", __version__, PIECES_FORMAT, weasyprint_version(),
                  subsetter_version(), parser_version(), breaker, str(book.root.resolve()),
                  *files,
                  *(p.read_bytes() if p.is_file() else b"-" for p in extra))


def _files_digest(*folders: Path) -> list[str | bytes]:
    # Each file by its place inside its folder (the book's folder is in the key once).
    parts: list[str | bytes] = []
    for number, folder in enumerate(folders):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    parts += [f"{number}/{path.relative_to(folder).as_posix()}",
                              path.read_bytes()]
    return parts


def _canonical(value: Any) -> str:
    """A value of the book template's context as text, for a key (dataclasses by field)."""
    import dataclasses
    import json

    def plain(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return dataclasses.asdict(item)
        raise TypeError(f"no canonical form for {type(item).__name__}")

    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=plain)


class PrintPieces:
    """The pieces of the everyday PDF: their keys, and their HTML only when it is needed.

    With anthology's own book template, a piece's key is made from what its HTML is made of:
    the print style; the document's head; the chapter's entry in the template (number, title,
    authors, part, lang, ...) and where the piece is; the chapter's key and the key of its HTML
    sections. So HTML is made only for a piece laid out again, and a chapter's HTML sections
    (pandoc's) are read or made only for it. A book's own template may show anything anywhere
    (another chapter's text, the contents): then every piece's HTML is made, and its key is a
    digest of it.

    `on_length_change` is called when a chapter about to be laid out looks set to change its
    length (so that the workers that will draw the pages after it can load meanwhile).
    """

    def __init__(self, book: Book, texts: Sequence[ChapterText], created: dt.datetime,
                 cache: Cache, threads: Executor, style: str | None = None,
                 on_length_change: Callable[[], None] = lambda: None) -> None:
        from anthology.outputs.book.html import Sections, toc_entries

        self.book, self.texts, self.created, self.cache = book, texts, created, cache
        self.css, self.extra_css = stylesheets(book)
        self.own_template = (book.root / "templates" / "book").is_dir()
        # With anthology's own templates and CSS, running heads and folios come only from the
        # chapter's attributes and the page counter: each piece is laid out without them (its
        # layout does not depend on where it starts, so a chapter that grows does not make the
        # later ones be laid out again) and they are drawn on their own, cheaply, and laid over.
        # A book's own CSS or templates may set running strings from inside a chapter: then the
        # folios are drawn in place, and a piece is laid out again when its first page moves
        # or the named strings it enters with change (the last values the pieces before it
        # set: a page that sets none shows them, as in one document).
        # anthology's CSS sets one running string from inside a chapter: "Table 2.1
        # (continued)" at the head of a page a long table runs onto.
        self.margins_apart = (self.extra_css is None and not self.own_template
                              and not any(long_table(cache, t) for t in texts))
        self.threads = threads
        self.on_length_change = on_length_change
        self.no_sections = Sections("", "", [])
        # pandoc starts now for the chapters whose HTML is not cached: they are laid out again.
        self.html_sections: dict[str, Future[Sections]] = {
            t.chapter.id: threads.submit(self._make_sections, t) for t in texts
            if cache.path_of("html", html_key(book, t.key), ".json") is None}
        if len(self.html_sections) > 2:
            # Many chapters' HTML to make (a cold build): make it before the workers start.
            # pandoc beside two WeasyPrint workers would set the build's peak of memory, for
            # little time saved: the layouts wait on the HTML anyway.
            for made in self.html_sections.values():
                made.result()
        self.style = style or print_style_key(book)
        self.places: list[BodyPiece] = []  # every part title and chapter, in book order
        previous_part: str | None = None
        for index, text in enumerate(texts):
            part = text.chapter.part
            if part and part != previous_part:
                self.places.append(BodyPiece(f"part {part}", Place(index, True, False),
                                             f"part-{text.number}"))
            previous_part = part
            self.places.append(BodyPiece(f"chapter {text.number}", Place(index, False, True),
                                         text.anchor))
        self.skeleton = "" if self.own_template else self.html([])
        blank = {t.chapter.id: "" for t in texts}
        self.entries = [] if self.own_template else toc_entries(book, texts, blank, blank)
        # Body piece -> (its frame key, its HTML's size), for those laid out in this build.
        self.html_sizes: dict[int, tuple[str, int]] = {}
        # Body piece being laid out -> its likely length, from its last layout.
        self.likely_pages: dict[int, int] = {}
        self._frame_keys: dict[Place, str] = {}

    def _make_sections(self, text: ChapterText) -> Sections:
        from anthology.outputs.book.html import chapter_sections

        return chapter_sections(self.book, text, self.cache, html_key(self.book, text.key))

    def sections(self, text: ChapterText) -> Sections:
        """The chapter's HTML sections (pandoc's), read or made once."""
        made = self.html_sections.get(text.chapter.id)
        if made is None:
            made = self.html_sections[text.chapter.id] = self.threads.submit(
                self._make_sections, text)
        return made.result()

    def html(self, body: Sequence[Place], shown: Sequence[int] = (), *,
             floats: bool = False, **options: Any) -> str:
        """The book's HTML with only the chapters at `shown` holding their own HTML sections
        (no piece shows another chapter's text); all of them with `floats` (the lists of
        figures and tables) or with a book's own template."""
        from anthology.outputs.book.html import book_html

        everything = floats or self.own_template
        sections = {t.chapter.id: self.sections(t) if everything or i in shown
                    else self.no_sections for i, t in enumerate(self.texts)}
        return book_html(self.book, self.texts, self.created, self.css, self.extra_css,
                         sections=sections, build_kind="incremental",
                         **{"include_front": False, "body": body, **options})

    def frame_key(self, place: Place) -> str:
        """A digest of everything in a piece's HTML but its chapter's own HTML sections (with
        a book's own template: of all its HTML)."""
        if place not in self._frame_keys:
            if self.own_template:
                key = digest("frame", self.style, self.html([place], [place.chapter]))
            else:
                key = digest("frame", self.style, self.skeleton,
                             _canonical(self.entries[place.chapter]), str(place.chapter),
                             str(place.shows_part), str(place.shows_chapter))
            self._frame_keys[place] = key
        return self._frame_keys[place]

    def body(self) -> list[Piece]:
        """The part titles and chapters, in book order, keyed, their HTML made on demand."""
        from anthology.outputs.book.merge import Piece

        pieces = []
        for number, (name, place, _) in enumerate(self.places):
            text = self.texts[place.chapter]
            if self.own_template:  # the key of its HTML, as it is laid out
                html = self.html([place], [place.chapter])
                key = digest("piece", self.style,
                             *([text.key] if place.shows_chapter else []), html)
                pieces.append(Piece(name, html, key))
                continue
            # The chapter's key covers what its HTML does not show: its images.
            key = digest("piece", self.frame_key(place), str(self.margins_apart),
                         *([text.key, html_key(self.book, text.key)]
                           if place.shows_chapter else []))
            # Laid out without its folios, a piece needs no other's length: the longest
            # chapters go first (by their text's length), so that the last layouts of a cold
            # build are short ones and no worker waits long for the other at the end.
            weight = len(text.manuscript.body) if place.shows_chapter and self.margins_apart \
                else 0
            pieces.append(Piece(name, "", key, start=1 if self.margins_apart else None,
                                weight=weight, make=functools.partial(self._content_html,
                                                                      number)))
        return pieces

    def _content_html(self, number: int) -> str:
        """Body piece `number`'s HTML, made when a worker is about to lay it out; its likely
        length is noted from its last layout (pages in proportion to its HTML's size)."""
        from anthology.outputs.book.merge import without_margins

        place = self.places[number].place
        html = self.html([place], [place.chapter] if place.shows_chapter else [])
        frame = self.frame_key(place)
        self.html_sizes[number] = (frame, len(html))
        before = self.cache.get_json("hint", frame) if self.cache.enabled else None
        if self.margins_apart and isinstance(before, dict):
            likely = self.likely_length(int(before["pages"]), int(before["size"]), len(html))
            self.likely_pages[number] = likely
            if likely != int(before["pages"]):
                self.on_length_change()
        return without_margins(html) if self.margins_apart else html

    def likely_length(self, last_pages: int, last_size: int, size: int) -> int:
        """A piece's likely length: its last one, in proportion to its HTML's size now."""
        return max(1, round(last_pages * size / max(1, last_size)))

    def remember_length(self, number: int, pages: int) -> None:
        """Keep a laid-out piece's length against its HTML's size: a hint, next time, of
        whether an edit will move the pieces after it."""
        if number in self.html_sizes:
            frame, size = self.html_sizes.pop(number)
            self.cache.put_json("hint", frame, {"size": size, "pages": pages})

    def margins(self, number: int, pages: int, start: int) -> Piece:
        """The running heads and folios of body piece `number`, for `pages` pages from
        `start`: its head and opening element over empty pages (its text is not needed)."""
        from anthology.outputs.book.merge import Piece, margins_only

        name, place, _ = self.places[number]
        return Piece(f"the running heads and folios of {name}", "",
                     digest("margins", self.frame_key(place), str(pages)), pages=pages,
                     start=start, rank=2,
                     make=lambda: margins_only(self.html([place]), pages))

    def front(self, pages: dict[str, int]) -> Piece:
        """The front matter, with the page numbers of the body."""
        from anthology.outputs.book.merge import LINK_SCHEME, Piece

        html = self.html([], include_front=True, pages=pages, link_prefix=LINK_SCHEME,
                         floats=self.lists)
        return Piece("the front matter", html, digest("piece", self.style, html), start=1,
                     ask_start=False, rank=1, opens_book=True)

    @property
    def lists(self) -> bool:
        """The front matter lists figures or tables."""
        return self.book.config.build.list_of_figures or self.book.config.build.list_of_tables
