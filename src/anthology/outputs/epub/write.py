"""The EPUB 3: each chapter's XHTML written by pandoc's EPUB writer on its own and cached, then
spliced into a package whose skeleton comes from one cheap pandoc run.

A rebuild after one chapter changed runs pandoc for that chapter only. A build that writes an
EPUB has each chapter's file made as soon as the chapter is checked, so what is left here is
mostly reading the cache. The skeleton (title page, notes on contributors, part titles, nav,
OPF metadata) is pandoc's EPUB of the front matter and the headings alone, cached too;
package.py puts the pieces together.

pandoc runs sandboxed: images reach it as data: URLs that we read ourselves from inside the book,
and the metadata is a file we write and name on its command line.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from anthology import __version__
from anthology.chapters.document import (
    ATTR_INDEX,
    Node,
    Visitor,
    each,
    empty_attr,
    id_prefixer,
    str_inlines,
    transform,
    unwrap_dangling_links,
)
from anthology.chapters.maths import tex_as_alttext
from anthology.chapters.prepare import ChapterText, with_reference_heading
from anthology.chapters.rawtext import PAGE_BREAK
from anthology.core.cache import Cache, digest
from anthology.core.errors import AnthologyError
from anthology.core.files import resolve_inside
from anthology.core.images import printable_image
from anthology.core.model import Book, Contributor
from anthology.core.typography import TYPOGRAPHY_RULES, typeset_book
from anthology.core.yamlio import dump_yaml
from anthology.engines import pandoc
from anthology.outputs.book.html import TEMPLATES_DIR, contributor_note, contributors_notes, names
from anthology.outputs.cover import Cover, book_cover
from anthology.outputs.epub.front import publication_date
from anthology.outputs.epub.package import (
    ChapterFile,
    Package,
    chapter_file_of,
    write_package,
)
from anthology.outputs.epub.page_list import PrintPages

# Change when the XHTML made from the same chapter changes (this module's or the package's
# handling of it): every chapter's cached file is then made again.
XHTML_FORMAT = "4"
PANDOC_OPTIONS = ("--split-level=1", "--toc", "--toc-depth=1", "--mathml")
# pandoc's EPUB writer allocates a lot for a long chapter: a larger old generation spares it
# most of its major collections. It changes no byte written, so it is not in the cache keys.
CHAPTER_RTS = ("+RTS", "-O64m", "-RTS")
API_VERSION = [1, 23, 1]


def book_identifier(book: Book) -> str:
    """The EPUB ISBN, or a UUID that stays the same for the same book."""
    if book.config.isbn_epub:
        return f"urn:isbn:{book.config.isbn_epub.replace('-', '')}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'anthology:' + book.config.slug)}"


def epub_metadata(book: Book, texts: Sequence[ChapterText], date: str) -> dict[str, Any]:
    """pandoc's EPUB metadata: titles, editors and authors with roles, rights, language."""
    c = book.config
    titles: list[dict[str, str]] = [{"type": "main", "text": c.title}]
    if c.subtitle:
        titles.append({"type": "subtitle", "text": c.subtitle})
    authors: list[str] = []
    for text in texts:
        for person in text.authors:
            if person.name not in authors and person.id not in c.editors:
                authors.append(person.name)
    meta: dict[str, Any] = {
        "title": titles,
        "creator": [{"role": "edt", "text": p.name} for p in book.editors],
        "contributor": [{"role": "aut", "text": name} for name in authors],
        "lang": c.language,
        "identifier": [{"scheme": "ISBN-13" if c.isbn_epub else "UUID",
                        "text": book_identifier(book)}],
        "date": date,
    }
    for key, value in (("publisher", c.publisher), ("rights", c.licence),
                       ("description", c.description), ("subject", c.subject)):
        if value:
            meta[key] = value
    return meta


def image_embedder(root: Path) -> Visitor:
    """A visitor for `embed_images`: an image that is not one the book may print (see
    images.py) becomes a span of its alt text, in place."""
    def visit(node: Node) -> Node | None:
        if node["t"] == "Image":
            path = resolve_inside(root, root, node["c"][2][0])
            if path is None:
                return None
            printable = printable_image(root, path)
            if printable is None:
                # Refused by the chapter's checks already, unless the file changed since.
                # Plain words around the alt text: the EPUB walk notes no new kind of element.
                alt = node["c"][1]
                node["t"] = "Span"
                node["c"] = [node["c"][0], [*str_inlines("[Image not included:"),
                                            {"t": "Space"}, *alt, {"t": "Str", "c": "]"}]]
                return None
            data, info = printable
            encoded = base64.b64encode(data).decode("ascii")
            node["c"][2][0] = f"data:{info.media_type};base64,{encoded}"
        return None

    return visit


def embed_images(ast: Node, root: Path) -> Node:
    """Images as data: URLs, so sandboxed pandoc and WeasyPrint need read nothing."""
    result: Node = transform(ast, image_embedder(root))
    return result


def _shift_headers(blocks: list[Node]) -> list[Node]:
    def visit(node: Node) -> Node | None:
        if node["t"] == "Header":
            node["c"][0] = min(node["c"][0] + 1, 6)
        return None

    shifted: list[Node] = transform(blocks, visit)
    return shifted


@dataclass
class _Seen:
    """What the walk over a chapter's EPUB blocks saw: every kind of element, the ids, the
    links' targets, and whether there is a level-1 heading."""

    kinds: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    top_heading: bool = False

    def note(self, node: Node, index: int | None) -> None:
        """Record an element (`index`: where its Attr is, if it has one)."""
        kind = node["t"]
        self.kinds.add(kind)
        if index is not None and node["c"][index][0]:
            self.ids.add(node["c"][index][0])
        if kind == "Link":
            self.links.append(node["c"][2][0])
        elif kind == "Header" and node["c"][0] == 1:
            self.top_heading = True

    def dangles(self) -> bool:
        """Whether an internal link points at no id (see `unwrap_dangling_links`)."""
        return any(url.startswith("#") and url[1:] not in self.ids for url in self.links)


def _prefixed(blocks: list[Node], prefix: str, root: Path, seen: _Seen) -> list[Node]:
    """`blocks` with ids and internal links prefixed and images embedded: what `transform` with
    `id_prefixer` and `image_embedder` makes of them, but sharing every part that stays the same
    (rebuilding all of a chapter was most of the Python time of its EPUB); `seen` is told of
    every element of the result."""
    prefix_ids, embed = id_prefixer(prefix), image_embedder(root)

    def walk_parts(item: Any, parts: Iterable[tuple[Any, Any]]) -> Any:
        """`item` (a list or a citation's fields), or a copy of it if walking one of its
        `parts` (place and value) changed it."""
        copied: Any = None
        for place, part in parts:
            if type(part) is dict or type(part) is list:
                new = walk(part)
                if new is not part:
                    if copied is None:
                        copied = item.copy()
                    copied[place] = new
        return item if copied is None else copied

    def walk(item: Any) -> Any:
        if type(item) is list:
            return walk_parts(item, enumerate(item))
        kind = item.get("t")
        if kind is None:  # a citation's fields
            return walk_parts(item, item.items())
        content = item.get("c")
        walked = walk(content) if type(content) is list or type(content) is dict else content
        index = ATTR_INDEX.get(kind)
        if (index is not None and walked[index][0]) or kind in ("Link", "Image"):
            # Changed by the visitors, which change a node in place: their own copy.
            walked = list(walked)
            if index is not None:
                walked[index] = list(walked[index])
            if kind in ("Link", "Image"):
                walked[2] = list(walked[2])
            node = {**item, "c": walked}
            prefix_ids(node)
            embed(node)
        else:
            node = item if walked is content else {**item, "c": walked}
        seen.note(node, index)
        return node

    result: list[Node] = walk(blocks)
    return result


def _div(classes: list[str], blocks: list[Node]) -> Node:
    return {"t": "Div", "c": [empty_attr(classes=classes), blocks]}


def chapter_heading(text: ChapterText) -> Node:
    """The chapter's level-1 heading: its number and title (what the nav lists)."""
    title: list[Node] = [{"t": "Span", "c": [empty_attr(classes=["chapter-number"]),
                                             str_inlines(str(text.number))]},
                         {"t": "Space"}, *str_inlines(text.title)]
    return {"t": "Header", "c": [1, empty_attr(text.anchor, ["chapter"]), title]}


def _author(person: Contributor) -> Node:
    """An author on a chapter's opening: the name, and the affiliation under it (as in print)."""
    inlines: list[Node] = [{"t": "Span", "c": [empty_attr(classes=["author-name"]),
                                               str_inlines(person.name)]}]
    if person.affiliation:
        inlines += [{"t": "LineBreak"},
                    {"t": "Span", "c": [empty_attr(classes=["author-affiliation"]),
                                        str_inlines(person.affiliation)]}]
    return {"t": "Para", "c": inlines}


def chapter_blocks(book: Book, text: ChapterText, ast: Node | None = None) -> list[Node]:
    """A chapter as EPUB blocks: its opening, abstract, body and references, ids prefixed and
    images embedded (of `ast`, the chapter's cited AST, when given, else of `text.ast`)."""
    return _chapter_blocks(book, text, text.ast if ast is None else ast, _Seen())


def _chapter_blocks(book: Book, text: ChapterText, ast: Node, seen: _Seen) -> list[Node]:
    body = _prefixed(with_reference_heading(ast)["blocks"], text.prefix, book.root, seen)
    # A \newpage is the print's (rawtext.py): a reading system paginates by itself.
    body = [block for block in body if block["t"] != "Div" or block["c"][0][1] != [PAGE_BREAK]]
    blocks: list[Node] = [chapter_heading(text)]
    if text.subtitle:
        blocks.append(_div(["chapter-subtitle"], [{"t": "Para",
                                                   "c": str_inlines(text.subtitle)}]))
    blocks.append(_div(["chapter-authors"], [_author(person) for person in text.authors]
                       or [{"t": "Para", "c": str_inlines(text.author_names)}]))
    if text.abstract and book.config.build.abstracts:
        abstract: list[Node] = [
            {"t": "Header", "c": [2, empty_attr(classes=["unnumbered", "abstract-heading"]),
                                  str_inlines("Abstract")]},
            *transform(text.abstract, image_embedder(book.root))]
        if text.keywords and book.config.build.keywords:
            abstract.append({"t": "Para", "c": [{"t": "Emph", "c": str_inlines("Keywords:")},
                                                {"t": "Space"},
                                                *str_inlines("; ".join(text.keywords))]})
        blocks.append(_div(["abstract"], abstract))
    top_heading = seen.top_heading  # in the body: the opening's own heading is level 1
    for node in each(blocks):
        seen.note(node, ATTR_INDEX.get(node["t"]))
    blocks += _shift_headers(body) if top_heading else body
    return blocks


def chapter_document(book: Book, text: ChapterText) -> Node:
    """A chapter's finished EPUB document (dangling links unwrapped, images embedded).

    Ids and internal links carry the chapter's prefix, so a link can only reach an id of its
    own chapter: unwrapping per chapter is the same as unwrapping the whole book.
    """
    return _chapter_document(book, text)[0]


def _chapter_document(book: Book, text: ChapterText) -> tuple[Node, set[str]]:
    """The chapter's finished EPUB document, and the kinds of element in it."""
    ast = text.ast  # read once: it may be loaded from the cache on each access
    seen = _Seen()
    document: Node = {"pandoc-api-version": ast["pandoc-api-version"], "meta": {},
                      "blocks": _chapter_blocks(book, text, ast, seen)}
    if seen.dangles():  # (a forced build) else nothing to unwrap: no walk
        document = unwrap_dangling_links(document)
    return document, seen.kinds


def skeleton_ast(book: Book, texts: Sequence[ChapterText]) -> Node:
    """The book without its chapters' text: notes on contributors, part titles, and each
    chapter's heading alone (a stub the chapter's own XHTML replaces)."""
    blocks: list[Node] = []
    people = contributors_notes(book, texts)
    if people:
        blocks.append({"t": "Header", "c": [1, empty_attr("notes-on-contributors",
                                                          ["unnumbered", "front"]),
                                            str_inlines("Notes on contributors")]})
        for person in people:
            name, rest = contributor_note(person)
            tail = str_inlines(rest.lstrip())
            space: list[Node] = [{"t": "Space"}] if rest[:1] == " " else []
            blocks.append(_div(["contributor-note"], [{"t": "Para", "c": [
                {"t": "Strong", "c": str_inlines(name)}, *space, *tail]}]))
    previous_part = None
    for text in texts:
        part = text.chapter.part
        if part and part != previous_part:
            blocks.append({"t": "Header", "c": [1, empty_attr(f"part-{text.number}",
                                                              ["unnumbered", "part"]),
                                                str_inlines(part)]})
        previous_part = part
        blocks.append(chapter_heading(text))
    return {"pandoc-api-version": API_VERSION, "meta": {}, "blocks": blocks}


def _chapter_meta(book: Book) -> str:
    # Only what shapes a chapter's XHTML: its language (pandoc names the file in <title>).
    return dump_yaml({"title": "chapter", "lang": book.config.language})


def chapter_key(book: Book, text: ChapterText) -> str | None:
    """Everything a chapter's XHTML depends on, or None (not cached) for an unkeyed text.

    `text.key` covers the chapter's text, images, bibliographies, style, book.yaml (language,
    abstracts, keywords), the registries (authors' names) and the versions of anthology and
    pandoc; its file name and media names are given when the package is put together.
    """
    if not text.key:
        return None
    return digest("xhtml", XHTML_FORMAT, text.key, pandoc.pandoc_version(), _chapter_meta(book),
                  *PANDOC_OPTIONS)


def chapter_file(book: Book, text: ChapterText, work: Path,
                 cache: Cache | None) -> tuple[ChapterFile, str]:
    """The chapter's XHTML, footnotes and media, from the cache or from its own pandoc run;
    and pandoc's warnings when it ran.

    On a hit the chapter's AST is not read at all.
    """
    key = chapter_key(book, text)
    if cache is not None and key is not None:
        stored = cache.get_json("xhtml", key)
        if isinstance(stored, dict):
            return ChapterFile.from_json(stored), ""
    document, kinds = _chapter_document(book, text)
    meta = work / f"epub-chapter-{text.number}.yaml"
    meta.write_text(_chapter_meta(book), encoding="utf-8")
    raw = work / f"epub-chapter-{text.number}.epub"
    what = f"{text.manuscript.name} (chapter {text.number}, '{text.chapter.id}')"
    warnings = pandoc.ast_to_file(document, "epub3", raw,
                                  [*CHAPTER_RTS, f"--metadata-file={meta}", *PANDOC_OPTIONS,
                                   "--epub-title-page=false"], what)
    made = chapter_file_of(raw.read_bytes(), what, has_images="Image" in kinds,
                           has_math="Math" in kinds)
    if made.has_math:
        made = replace(made, xhtml=tex_as_alttext(made.xhtml))
    raw.unlink()
    meta.unlink()
    if cache is not None and key is not None:
        cache.put_json("xhtml", key, made.to_json())
    return made, warnings


def skeleton(book: Book, texts: Sequence[ChapterText], created: dt.datetime, work: Path,
             cache: Cache | None) -> tuple[bytes, str]:
    """pandoc's EPUB of the skeleton (cached), and pandoc's warnings when it ran."""
    meta = dump_yaml(epub_metadata(book, texts, publication_date(book, created)))
    ast = skeleton_ast(book, texts)
    options = [*PANDOC_OPTIONS, "--epub-title-page=true"]
    key = digest("epub-skeleton", XHTML_FORMAT, __version__, pandoc.pandoc_version(), meta,
                 json.dumps(ast, sort_keys=True, ensure_ascii=False), *options)
    if cache is not None:
        stored = cache.get_bytes("epub-skeleton", key, ".epub")
        if stored is not None:
            return stored, ""
    meta_file = work / "epub-metadata.yaml"
    meta_file.write_text(meta, encoding="utf-8")
    raw = work / "epub-skeleton.epub"
    warnings = pandoc.ast_to_file(ast, "epub3", raw, [f"--metadata-file={meta_file}", *options],
                                  f"the EPUB of {book.config.title}")
    data = raw.read_bytes()
    raw.unlink()
    if cache is not None:
        cache.put_bytes("epub-skeleton", key, data, ".epub")
    return data, warnings


def write_epub(book: Book, texts: Sequence[ChapterText], output: Path, work: Path,
               created: dt.datetime, cache: Cache | None = None,
               jobs: int | None = None,
               print_pages: PrintPages | None = None) -> tuple[str, Package]:
    """Write the EPUB 3 to `output` (a temporary path); return pandoc's warnings and what the
    package was made with (its page list, from `print_pages`: the book PDF's, if known).

    Each chapter's XHTML comes from the cache or from its own sandboxed pandoc run (several at
    once); the skeleton likewise. We then put the package together ourselves (chapters spliced
    in, their media numbered through the book, cover, stylesheet, accessibility metadata,
    authors in the navigation, modification date) and zip it with fixed timestamps, so the same
    inputs give the same bytes whatever was cached.
    """
    from anthology.engines.weasyprint.workers import default_jobs

    book = typeset_book(book)  # what the registries say, as the chapters' text is printed
    given = None
    if book.config.build.cover:
        given = resolve_inside(book.root, book.root, book.config.build.cover)
        if given is None:
            raise AnthologyError(f"book.yaml: the cover {book.config.build.cover} is not a file "
                                 "inside the book folder. Put the image in the book (for "
                                 "example covers/front.png) and name it in build.cover.")
    with ThreadPoolExecutor(max_workers=max(1, jobs or default_jobs())) as threads:
        frame = threads.submit(skeleton, book, texts, created, work, cache)
        making = [threads.submit(chapter_file, book, text, work, cache) for text in texts]
        # Drawn here while pandoc writes the skeleton (and any chapter not cached yet).
        # A cover that is not an image the book may print (reported by the checks as
        # image.*) is never embedded: the drawn one stands in, even for a forced build.
        printable = printable_image(book.root, given) if given is not None else None
        cover = drawn_cover(book, cache) if printable is None else \
            book_cover(book, names(book.editors), given, printable)
        made = [future.result() for future in making]
        raw, warnings = frame.result()
    chapters = [chapter for chapter, _ in made]
    warnings = "\n".join(w for w in [warnings, *(w for _, w in made)] if w)
    css = (TEMPLATES_DIR / "epub" / "epub.css").read_text(encoding="utf-8")
    access = accessibility_metadata(any(c.has_images for c in chapters),
                                    any(c.has_math for c in chapters))
    package = write_package(raw, chapters, output, book, texts, created, cover, css, access,
                            print_pages)
    return warnings, package


def drawn_cover(book: Book, cache: Cache | None) -> Cover:
    """The cover drawn from book.yaml, cached: drawing and compressing it takes longer than
    putting the rest of the package together."""
    import PIL

    from anthology.core.resources import FONTS_DIR
    from anthology.outputs import cover

    book = typeset_book(book)
    editors = names(book.editors)
    fonts = sorted(FONTS_DIR.glob("CharisSIL-*.ttf"))
    key = digest("cover", __version__, TYPOGRAPHY_RULES, PIL.__version__,
                 Path(cover.__file__).read_bytes(),
                 (book.root / "book.yaml").read_bytes(), editors,
                 *(part for path in fonts for part in (path.name, path.read_bytes())))
    if cache is not None:
        stored = cache.get_json("cover", key)
        if isinstance(stored, dict):
            return Cover(base64.b64decode(stored["data"]), stored["media_type"],
                         stored["name"], stored["alt"])
    made = book_cover(book, editors, None)
    if cache is not None:
        cache.put_json("cover", key, {"data": base64.b64encode(made.data).decode("ascii"),
                                      "media_type": made.media_type, "name": made.name,
                                      "alt": made.alt})
    return made


def accessibility_metadata(has_images: bool, has_math: bool) -> list[tuple[str, str]]:
    """schema.org accessibility properties for the OPF (EPUB Accessibility 1.1)."""
    modes = ["textual", "visual"] if has_images else ["textual"]
    features = ["structuralNavigation", "tableOfContents", "readingOrder",
                "displayTransformability"]
    if has_images:
        features.append("alternativeText")
    if has_math:
        features.append("MathML")
    summary = ("Reflowable text with a navigable table of contents, a heading for every chapter "
               "and section, and the reading order of the printed book. Each chapter names its "
               "authors and ends with its own reference list; notes are linked both ways.")
    if has_images:
        summary += " Every figure has a text alternative and a caption."
    return ([("schema:accessMode", m) for m in modes]
            + [("schema:accessModeSufficient", "textual")]
            + [("schema:accessibilityFeature", f) for f in features]
            + [("schema:accessibilityHazard", "none"), ("schema:accessibilitySummary", summary)])
