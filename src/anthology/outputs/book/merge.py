"""The everyday PDF: the book laid out piece by piece (front matter, each part title, each
chapter) by long-lived workers, each piece cached, then joined with pikepdf (qpdf).

Why it gives the pages of a whole-book render (see ../shared/PERFORMANCE.md):
- Every part title and chapter opens on a recto, so a piece's layout does not depend on where
  it starts; only its folios do. A worker lays a piece out, says how many pages it has, and is
  told the page it starts on before WeasyPrint makes the margin boxes (engines/weasyprint/render.py
  shifts the page counter there). So a cold build lays out every piece once, in parallel, and a
  piece is cached under (its content, its first page).
- The blank versos before a recto are added here, as empty pages.
- With anthology's own templates and CSS, a piece is laid out without running heads and
  folios (its layout does not depend on where it starts) and they are drawn apart, over empty
  pages, for its first page, and laid over it (`compose`).
- The contents need the pages of the body: the front matter is laid out once they are known
  (assembly.py), with the page numbers filled in by the pipeline, and its links
  (anthology:ANCHOR, a private scheme) are turned into links to the named destinations of the
  body after the merge.
- `Layouts` schedules all of it on the workers, each piece as soon as what it needs is known.
- The outline is rebuilt here from the bookmarks of every piece, with WeasyPrint's rules for
  levels, so chapters nest under their part as in one document.
- Copying pages keeps neither the catalog's /Lang nor the named destinations: both are set
  again. Metadata and the file identifier are the front matter's.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anthology.core.cache import Cache, digest
from anthology.core.files import atomic_output
from anthology.core.terminal import Progress
from anthology.engines.weasyprint.workers import Worker, WorkerPool

LINK_SCHEME = "anthology:"


@dataclass
class Piece:
    """One separately laid-out document: the front matter, a part title, a chapter, or the
    running heads and folios of one of them."""

    name: str
    html: str
    key: str
    pages: int | None = None
    start: int | None = None
    path: Path | None = None
    layout: dict[str, Any] = field(default_factory=dict)
    running: bool = False
    ask_start: bool = True  # told its first page by the pipeline (what its folios need)
    opens_book: bool = False  # the front matter: its first page is the book's (`@page :first`)
    rank: int = 0  # among pieces ready at once, the lower rank is laid out first
    weight: int = 0  # then the heavier first: the last layouts to finish are short ones
    optional: bool = False  # laid out ahead on a guess: only while a needed piece is unfinished
    make: Callable[[], str] | None = field(default=None, repr=False)  # makes `html` when asked
    # The last value the piece sets of each named string (CSS string-set), known with its
    # length; and the values the pieces before it left, which it is laid out with (a book's
    # own CSS may show them in its running heads: see PrintPieces.apart).
    strings: dict[str, str] | None = None
    entry: dict[str, str] | None = None

    @property
    def done(self) -> bool:
        """Laid out, for its right first page."""
        return self.path is not None

    def source(self) -> str:
        """The piece's HTML (made now if it is made on demand)."""
        if self.make is not None:
            self.html, self.make = self.make(), None
        return self.html


def padded(pages: int) -> int:
    """A piece's pages with the blank verso that lets the next piece open on a recto."""
    return pages + pages % 2


def starts_of(body: Sequence[Piece],
              foreseen: dict[int, int] | None = None) -> list[int | None]:
    """The first page of every body piece whose predecessors' lengths are known (or, for the
    pieces not laid out yet, in `foreseen`: number -> length)."""
    starts: list[int | None] = []
    start: int | None = 1
    for number, piece in enumerate(body):
        starts.append(start)
        pages = piece.pages if piece.pages is not None else (foreseen or {}).get(number)
        if start is not None:
            start = None if pages is None else start + padded(pages)
    return starts


def entries_of(body: Sequence[Piece]) -> list[dict[str, str] | None]:
    """The named strings every body piece enters with (the last value each was given by the
    pieces before it), where the pieces before it are laid out."""
    entries: list[dict[str, str] | None] = []
    entry: dict[str, str] | None = {}
    for piece in body:
        entries.append(entry)
        if entry is not None:
            entry = None if piece.strings is None else {**entry, **piece.strings}
    return entries


def part_key(piece: Piece) -> str:
    """The cache key of a piece's PDF: its content, its first page and the named strings it
    enters with (if any)."""
    entry = [json.dumps(piece.entry, sort_keys=True)] if piece.entry else []
    return digest("part-pdf", piece.key, str(piece.start), *entry)


def _look_up(piece: Piece, cache: Cache) -> None:
    """Take the piece's PDF from the cache if its first page is known and it is there."""
    if piece.start is None or piece.pages is None or piece.done or piece.running:
        return
    path = cache.path_of("part", part_key(piece), ".pdf")
    if cache.enabled and path is not None:
        piece.path = path


def _store(piece: Piece, result: dict[str, Any], output: Path, cache: Cache) -> None:
    layout = {k: result[k] for k in ("pages", "anchors", "bookmarks", "refused", "warnings")}
    layout["strings"] = piece.strings or {}
    cache.put_json("layout", piece.key, layout)
    piece.layout, piece.pages = layout, int(result["pages"])
    piece.path = cache.put_bytes("part", part_key(piece), output.read_bytes(), ".pdf")
    output.unlink(missing_ok=True)


class Layouts:
    """Pieces laid out by the pool's workers as soon as what they need is known.

    A piece whose length is known (from an earlier layout of the same content) waits until its
    first page is known, then is taken from the cache or laid out again; a piece never laid out
    is started at once and, if it asks, told its first page once that is known. Its length is
    known as soon as the worker asks, before the PDF is written: what depends on it (the
    pieces after it, their running heads and folios) can start meanwhile.
    """

    def __init__(self, cache: Cache, pool: WorkerPool,
                 job: Callable[[Piece, Path], dict[str, Any]], work: Path,
                 progress: Progress) -> None:
        self.cache, self.pool, self.job, self.work, self.progress = (cache, pool, job, work,
                                                                     progress)
        self.pieces: list[Piece] = []
        self._waiting: dict[int, Worker] = {}  # index of the piece -> the worker asking
        self._dropped: set[int] = set()  # ids of the pieces forgotten: never started
        self._running = 0

    def add(self, piece: Piece) -> Piece:
        """Take a piece in, with its length if the same content was laid out before."""
        stored = self.cache.get_json("layout", piece.key) if self.cache.enabled else None
        if isinstance(stored, dict):
            piece.layout, piece.pages = stored, int(stored["pages"])
            piece.strings = dict(stored.get("strings") or {})
        self.pieces.append(piece)
        _look_up(piece, self.cache)
        return piece

    @property
    def busy(self) -> bool:
        """A worker is on a piece."""
        return self._running > 0

    def forget(self, piece: Piece) -> None:
        """The caller no longer needs `piece` (a guess that proved wrong): it is not started,
        or, if it is running, not waited for beyond the pieces that are needed."""
        piece.optional = True
        self._dropped.add(id(piece))

    @property
    def _needed(self) -> bool:
        return any(not p.done and not p.optional for p in self.pieces)

    def run(self, step: Callable[[], bool]) -> None:
        """Lay out every piece until all are done.

        `step` is called again and again, after every answer of a worker and after pieces
        are started: it may set first pages, add pieces whose inputs became known, or do a
        little of the caller's own work (it returns whether it did anything; the workers are
        then only polled, not waited for). It returns when no needed piece is left, no
        optional piece is running and `step` has nothing more to do: optional pieces are
        started only while a needed one is unfinished (after the needed ones ready then).
        """
        while True:
            for piece in self.pieces:
                _look_up(piece, self.cache)
            progressed = step()
            for piece in self.pieces:
                _look_up(piece, self.cache)
            progressed = self._submit() or progressed
            for index, worker in list(self._waiting.items()):
                start = self.pieces[index].start
                if start is not None:
                    self.pool.send(worker, {"start": start,
                                            "strings": self.pieces[index].entry or {}})
                    del self._waiting[index]
            if not progressed and all(p.done or (p.optional and not p.running)
                                      for p in self.pieces):
                return
            if not self._running and not progressed:  # pragma: no cover - a planning error
                raise RuntimeError("the PDF pieces cannot be scheduled")
            for worker, message in self.pool.wait(0 if progressed else None):
                self._receive(worker, message)

    def _submit(self) -> bool:
        """Start what is ready on idle workers; return whether anything was started."""
        needed = self._needed
        ready = sorted((p.rank + (10 if p.optional else 0), -p.weight, i)
                       for i, p in enumerate(self.pieces)
                       if not p.done and not p.running and (needed or not p.optional)
                       and id(p) not in self._dropped
                       and (p.pages is None or p.start is not None))
        started = False
        for worker in self.pool.idle(len(ready)):
            started = True
            *_, index = ready.pop(0)
            piece = self.pieces[index]
            piece.running = True
            self._running += 1
            self.progress(f"Laying out {piece.name}")
            self.pool.submit(worker, index, self.job(piece, self.work / f"piece-{index}.pdf"),
                             piece.name)
        return started

    def _receive(self, worker: Worker, message: dict[str, Any]) -> None:
        index = worker.job
        piece = self.pieces[index]
        if "pages" in message:
            piece.pages = int(message["pages"])
            piece.strings = dict(message.get("strings") or {})
            self._waiting[index] = worker
            return
        result = message["done"]
        worker.job = None
        piece.running = False
        self._running -= 1
        if "error" in result:
            from anthology.core.errors import ToolError

            raise ToolError(f"{piece.name}: {result['error']}")
        _store(piece, result, self.work / f"piece-{index}.pdf", self.cache)


# Every margin box of CSS paged media: a chapter laid out without them has the pages of the
# whole-book render (the page area does not depend on them), and no folio in it.
MARGIN_BOXES = ("top-left-corner", "top-left", "top-center", "top-right", "top-right-corner",
                "right-top", "right-middle", "right-bottom", "bottom-right-corner",
                "bottom-right", "bottom-center", "bottom-left", "bottom-left-corner",
                "left-bottom", "left-middle", "left-top")
NO_MARGINS = ("<style>@page { " + " ".join(f"@{box} {{ content: none !important; }}"
                                           for box in MARGIN_BOXES) + " }</style>\n")


def without_margins(html: str) -> str:
    """A piece's HTML laid out with no running heads and no folios."""
    return html.replace("</head>", NO_MARGINS + "</head>", 1)


def margins_only(html: str, pages: int) -> str:
    """A document of `pages` empty pages with the margin boxes (running heads, folios) a
    piece has: its head (fonts, CSS), and its opening element, which names its pages and sets
    its running strings, holding one empty block per page."""
    head, _, rest = html.partition("<body>")
    opening = re.search(r"<(article|section)\b[^>]*>", rest)
    if opening is None:  # pragma: no cover - every piece is a part title or a chapter
        raise ValueError("a piece with neither a chapter nor a part title")
    blocks = "<div></div>" + '<div style="break-before: page"></div>' * (pages - 1)
    return f"{head}<body>\n{opening.group(0)}{blocks}</{opening.group(1)}>\n</body>\n</html>\n"


def compose(content: Path, margins: Path, name: str) -> bytes:
    """Each page of `content` with the same page of `margins` drawn over it (a form XObject,
    after the page's own drawing, where WeasyPrint draws margin boxes)."""
    import io

    import pikepdf

    with pikepdf.open(content) as pages, pikepdf.open(margins) as over:
        if len(pages.pages) != len(over.pages):  # pragma: no cover - made with the same count
            from anthology.core.errors import ToolError

            raise ToolError(f"The running heads and folios of {name} came out with "
                            f"{len(over.pages)} pages for {len(pages.pages)} pages of text. "
                            "Build with --release (one whole-book render) and report this.")
        for number, (page, layer) in enumerate(zip(pages.pages, over.pages, strict=True)):
            drawn = {str(item.operator) for item in pikepdf.parse_content_stream(layer)}
            if drawn - {"cm", "q", "Q", "gs"}:  # a page with no margin boxes stays as it is
                _overlay(page, layer, f"/AnthologyMargins{number}")
        out = io.BytesIO()
        pages.save(out, deterministic_id=True)
        return out.getvalue()


def _overlay(page: Any, layer: Any, name: str) -> None:
    """pikepdf's Page.add_overlay, under `name` (add_overlay draws a random one, and the same
    book would not give the same bytes twice). The name is the page's own: WeasyPrint's pages
    share one /Resources."""
    import pikepdf

    form = layer.as_form_xobject()
    placed_name = page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(name),
                                    replace_existing=False)
    placed = page.calc_form_xobject_placement(form, placed_name, pikepdf.Rectangle(page.trimbox),
                                              allow_shrink=True, allow_expand=True)
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n", prepend=False)
    page.contents_add(placed, prepend=False)
    page.contents_coalesce()


def outline_tree(marks: Sequence[tuple[int, str, int, float, float]]) -> list[Any]:
    """Bookmarks (level, label, page, x, y) as a tree of (label, page, x, y, children).

    WeasyPrint's rule: a level deeper than the previous by more than one counts as one deeper.
    """
    root: list[Any] = []
    skipped: list[int] = []
    last_by_depth: list[list[Any]] = [root]
    previous = 0
    for level, label, page, x, y in marks:
        if level > previous:
            skipped.append(level - previous - 1)
        else:
            temp = level
            while temp < previous:
                temp += 1 + skipped.pop()
            if temp > previous:
                skipped.append(temp - previous - 1)
        previous = level
        depth = level - sum(skipped)
        children: list[Any] = []
        last_by_depth[depth - 1].append((label, page, x, y, children))
        del last_by_depth[depth:]
        last_by_depth.append(children)
    return root


class Joiner:
    """The pieces joined into one PDF, the body pieces one by one in book order (as soon as
    each is final, while the workers go on), then the front matter, placed first.

    The pieces are always copied in that order, whatever order they were laid out in: qpdf
    numbers and packs the objects in the order they were copied, so the same pieces give the
    same bytes. pikepdf (qpdf) copies the pages with their fonts, images and link annotations;
    the named destinations, the outline and the front matter's links are rebuilt here.
    """

    def __init__(self) -> None:
        import pikepdf

        self.merged = pikepdf.new()
        self.sources: list[pikepdf.Pdf] = []
        self.destinations: dict[str, pikepdf.Array] = {}
        self.marks: list[tuple[int, str, int, float, float]] = []  # pages of the body
        self.count = 0  # body pieces joined
        self.after = 0  # where the pieces after the body (the index) begin, if any

    def __enter__(self) -> Joiner:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def add(self, piece: Piece, *, last: bool, path: Path | None = None) -> None:
        """Copy the next body piece's pages, from `path` if given (and a blank verso after
        it unless `last`)."""
        self.marks += self._copy(piece, len(self.merged.pages), blank=not last, path=path)
        self.count += 1

    def add_after(self, piece: Piece) -> None:
        """Copy a piece laid out after the body (the index) on a recto; its links
        (anthology:ANCHOR) are made internal by `finish`, as the front matter's are."""
        import pikepdf

        if len(self.merged.pages) % 2:
            box = self.merged.pages[-1].mediabox
            self.merged.pages.append(pikepdf.Page(self.merged.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Page, MediaBox=pikepdf.Array([0, 0, box[2], box[3]]),
                Contents=self.merged.make_stream(b""), Resources=pikepdf.Dictionary()))))
        self.after = len(self.merged.pages)
        self.marks += self._copy(piece, self.after, blank=False)

    def _copy(self, piece: Piece, at: int, *, blank: bool,
              path: Path | None = None) -> list[Any]:
        import warnings

        import pikepdf

        path = path or piece.path
        assert path is not None
        source = pikepdf.open(path)
        self.sources.append(source)
        index_of: dict[Any, int] = {page.objgen: i for i, page in enumerate(source.pages)}
        with warnings.catch_warnings():  # named destinations are carried over below
            warnings.simplefilter("ignore")
            if at == len(self.merged.pages):
                self.merged.pages.extend(source.pages)
            else:
                for number, page in enumerate(source.pages):
                    self.merged.pages.insert(at + number, page)
        copied = [self.merged.pages[at + i].obj for i in range(len(source.pages))]
        height = float(source.pages[0].mediabox[3]) if len(source.pages) else 0.0
        names = source.Root.get("/Names")
        if names is not None and "/Dests" in names:
            for name, target in pikepdf.NameTree(names.Dests).items():
                index = index_of.get(target[0].objgen)
                if index is not None:
                    self.destinations[str(name)] = pikepdf.Array([copied[index], *target[1:]])
        if blank and len(source.pages) % 2:
            box = source.pages[-1].mediabox
            verso = self.merged.make_indirect(pikepdf.Dictionary(
                Type=pikepdf.Name.Page, MediaBox=pikepdf.Array([0, 0, box[2], box[3]]),
                Contents=self.merged.make_stream(b""), Resources=pikepdf.Dictionary()))
            self.merged.pages.insert(at + len(source.pages), pikepdf.Page(verso))
        # CSS pixels from the top-left, as WeasyPrint writes its own outline.
        return [(int(level), str(label), at + int(page), float(x) * 0.75,
                 height - float(y) * 0.75)
                for level, label, page, x, y in piece.layout.get("bookmarks", [])]

    def finish(self, front: Piece, output: Path, lang: str) -> int:
        """Put the front matter first, set the names, outline and metadata, and write
        `output`; return its pages."""
        import pikepdf

        body_pages = len(self.merged.pages)
        front_marks = self._copy(front, 0, blank=self.count > 0)
        shift = len(self.merged.pages) - body_pages
        marks = front_marks + [(level, label, shift + page, x, y)
                               for level, label, page, x, y in self.marks]
        merged, front_pdf = self.merged, self.sources[-1]
        # One leaf holding every name, sorted: a valid name tree, and quicker to make than one
        # insertion at a time.
        leaf: list[Any] = []
        for name in sorted(self.destinations):
            leaf += [pikepdf.String(name), self.destinations[name]]
        tree = merged.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(leaf)))
        merged.Root.Names = pikepdf.Dictionary(Dests=tree)
        with merged.open_outline() as outline:
            outline.root.extend(_outline_items(outline_tree(marks)))
        _link_front(merged, len(front_pdf.pages), set(self.destinations),
                    range(shift + self.after, len(merged.pages)) if self.after else range(0))
        for key, value in front_pdf.docinfo.items():
            merged.docinfo[key] = value
        merged.Root.Lang = pikepdf.String(lang)
        from anthology.engines.weasyprint.render import page_label_numbers

        nums: list[Any] = []
        # Roman folios for the front matter, arabic from 1 for the body (what viewers show).
        for index, style in page_label_numbers(shift) if self.count else [(0, "r")]:
            nums += [index, pikepdf.Dictionary(S=pikepdf.Name("/" + style))]
        merged.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))
        if "/ViewerPreferences" in front_pdf.Root:
            merged.Root.ViewerPreferences = merged.copy_foreign(
                front_pdf.Root.ViewerPreferences)
        if "/ID" in front_pdf.trailer:
            merged.trailer.ID = pikepdf.Array(
                [pikepdf.String(bytes(part)) for part in front_pdf.trailer.ID])
        merged.save(output, min_version=front_pdf.pdf_version, deterministic_id=True,
                     object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return len(merged.pages)

    def close(self) -> None:
        """Let go of the pieces' files."""
        for source in self.sources:
            source.close()
        self.sources.clear()
        self.merged.close()


def _outline_items(tree: list[Any]) -> list[Any]:
    from pikepdf import OutlineItem, PageLocation

    items = []
    for label, page, x, y, children in tree:
        item = OutlineItem(label, page, PageLocation.XYZ, left=x, top=y, zoom=0)
        item.children.extend(_outline_items(children))
        items.append(item)
    return items


def _link_front(merged: Any, front_pages: int, names: set[str], after: range = range(0)) -> None:
    """The front matter's links (anthology:ANCHOR) as links to the body's named destinations;
    and those of the pages `after` the body (the index)."""
    import pikepdf

    for page in [*merged.pages[:front_pages], *(merged.pages[i] for i in after)]:
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if uri.startswith(LINK_SCHEME):
                anchor = uri.removeprefix(LINK_SCHEME)
                del annotation["/A"]
                if anchor in names:
                    annotation.Dest = pikepdf.String(anchor)


def pages_of(body: Sequence[Piece], starts: Sequence[int | None],
             openings: Sequence[str]) -> dict[str, int]:
    """The printed page of every anchor in the body (what the contents and lists show), the
    pieces starting at `starts`; of a piece not laid out to the end yet, only its opening
    element (named in `openings`), on its first page."""
    pages: dict[str, int] = {}
    for piece, start, opening in zip(body, starts, openings, strict=True):
        assert start is not None
        for name, index in piece.layout.get("anchors", {opening: 0}).items():
            pages.setdefault(name, start + int(index))
    return pages


def output_marker(cache: Cache, output: Path) -> Path:
    """Where the key of the last merged PDF is kept (next to the cache)."""
    return cache.folder / f"{output.name}.key.json"


def merged_is_current(cache: Cache, output: Path, key: str) -> bool:
    """The output was merged from exactly these pieces and has not been touched since."""
    marker = output_marker(cache, output)
    if not cache.enabled or not marker.is_file() or not output.is_file():
        return False
    try:
        stored = json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return bool(stored.get("key") == key and stored.get("sha256") == _sha256(output))


def remember_merged(cache: Cache, output: Path, key: str, pages: int) -> None:
    """Record which pieces made the output."""
    from anthology.core.files import atomic_write_text

    marker = output_marker(cache, output)
    marker.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(marker, json.dumps({"key": key, "sha256": _sha256(output),
                                          "pages": pages}))


def merged_pages(cache: Cache, output: Path) -> int:
    """The page count recorded with the output."""
    return int(json.loads(output_marker(cache, output).read_text(encoding="utf-8"))["pages"])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


__all__ = ["Joiner", "Layouts", "Piece", "atomic_output"]
