"""One chapter as the book sets it, for a contributor or copy-editor who works in Word (or wants
a PDF of their chapter before the book exists): `build/chapters/<id>.docx` or `.pdf`.

Both start from the chapter's prepared, cited AST (chapters/prepare.py), so citations and the
reference list are in the book's CSL style. The DOCX comes from pandoc's DOCX writer, its
pictures embedded beforehand (pandoc runs sandboxed and reads no file), its core properties
(title, authors, dates) set from the plan and the build time. The PDF is the book's HTML with
this chapter alone, laid out by WeasyPrint with the book's typography.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from anthology.chapters.prepare import ChapterText, prepare_chapter, with_reference_heading
from anthology.core.cache import Cache
from anthology.core.errors import AnthologyError
from anthology.core.files import atomic_output, atomic_write_text
from anthology.core.findings import Finding, has_errors, summary_line
from anthology.core.model import Book, Chapter

FORMATS = ("docx", "pdf")
CORE_PART = "docProps/core.xml"


@dataclass
class ChapterDocument:
    """What building one chapter made and noticed."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    pages: int | None = None


def prepared_alone(book: Book, chapter: Chapter, force: bool, what: str
                   ) -> tuple[ChapterText, list[Finding], Cache]:
    """One chapter prepared as the book prepares it (its number, the book's style, the
    cache), its problems and the cache; refused on errors unless `force` (`what` names the
    output)."""
    from anthology.chapters.csl import resolve_csl
    from anthology.outputs.common import out_dir_of

    out_dir = out_dir_of(book)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = Cache(out_dir / ".cache")
    text = prepare_chapter(book, chapter, _number(book, chapter),
                           resolve_csl(book.root, book.config.csl), cache)
    problems = [f for f in text.findings if f.severity != "info"]
    if has_errors(problems) and not force:
        raise AnthologyError(f"{what} was not built: {summary_line(problems)} Fix them, or "
                             "build anyway with --force.", problems)
    return text, problems, cache


def _number(book: Book, chapter: Chapter) -> int:
    """The chapter's number in the book (as the book PDF numbers it)."""
    from anthology.outputs.common import included_chapters

    included, _ = included_chapters(book)
    return next(n for n, c in enumerate(included, start=1) if c.id == chapter.id)


def _core_xml(text: ChapterText, book: Book, created: dt.datetime) -> bytes:
    """docProps/core.xml: title, authors and real dates (pandoc's sandbox has no clock)."""
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    authors = "; ".join(a.name for a in text.authors)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(text.title)}</dc:title>"
        f"<dc:creator>{escape(authors)}</dc:creator>"
        f"<dc:language>{escape(book.config.language)}</dc:language>"
        f"<cp:keywords>{escape(', '.join(text.keywords))}</cp:keywords>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>").encode()


def _set_core(docx: Path, core: bytes, created: dt.datetime) -> None:
    """Rewrite the DOCX with our core properties, every entry stamped with the build time so
    the same chapter gives the same bytes."""
    stamp = created.timetuple()[:6]
    with zipfile.ZipFile(docx) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with atomic_output(docx) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            if info.filename == CORE_PART:
                data = core
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, data)


def _cited_items(book: Book, text: ChapterText, cache: Cache) -> dict[str, dict[str, Any]]:
    """The CSL JSON of each work the chapter cites, by key."""
    from anthology.chapters.bibliography import load_bibliography
    from anthology.chapters.prepare import cited_items
    from anthology.core.files import relative_name

    bibs = [load_bibliography(p, relative_name(book.root, p), cache)
            for p in text.bibliographies]
    return {str(item["id"]): item for item in cited_items(dict.fromkeys(text.cited), bibs)
            if "id" in item}


def write_docx(book: Book, text: ChapterText, output: Path, created: dt.datetime,
               cache: Cache) -> None:
    """The chapter as a Word file: the book's citations and reference list (as Zotero's
    fields, so the file can come back through `anthology import`), footnotes as Word's own,
    pictures embedded."""
    from anthology.core.yamlio import dump_yaml
    from anthology.editorial.word.fields import with_citation_fields
    from anthology.engines import pandoc
    from anthology.outputs.epub.write import embed_images

    ast = embed_images(with_citation_fields(with_reference_heading(text.ast),
                                            _cited_items(book, text, cache)), book.root)
    meta: dict[str, object] = {"title": text.title, "author": [a.name for a in text.authors],
                               "lang": book.config.language,
                               "date": created.strftime("%Y-%m-%d")}
    if text.subtitle:
        meta["subtitle"] = text.subtitle
    what = f"{text.manuscript.name} (chapter {text.number}, '{text.chapter.id}')"
    with tempfile.TemporaryDirectory(prefix="anthology-chapter-") as work:
        meta_file = Path(work) / "meta.yaml"
        meta_file.write_text(dump_yaml(meta), encoding="utf-8")
        with atomic_output(output) as tmp:
            pandoc.ast_to_file(ast, "docx", tmp, [f"--metadata-file={meta_file}"], what)
    _set_core(output, _core_xml(text, book, created), created)


@contextlib.contextmanager
def chapter_laid_out(book: Book, text: ChapterText, created: dt.datetime, kind: str, *,
                     lines: bool = False) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The chapter alone laid out with the book's typography, as a PDF in a scratch folder
    under build/ (kept while the caller finishes it), and what the renderer said (`lines`:
    where each page's lines of text are, for line numbers)."""
    from anthology.engines.weasyprint.patches import htmltree
    from anthology.engines.weasyprint.render import render_pdf
    from anthology.outputs.book.html import FONTS_DIR, TEMPLATES_DIR, book_html
    from anthology.outputs.common import pdf_identifier, stylesheets

    css, extra = stylesheets(book)
    html = book_html(book, [text], created, css, extra, include_front=False,
                     body=[(0, False, True)], build_kind=kind)
    with tempfile.TemporaryDirectory(prefix=f"anthology-{kind}-",
                                     dir=book.root / "build") as work:
        html_path = Path(work) / f"{text.chapter.id}.html"
        atomic_write_text(html_path, html)
        laid_out = Path(work) / f"{text.chapter.id}.pdf"
        suffix = text.chapter.id if kind == "chapter" else f"{kind}-{text.chapter.id}"
        rendered = render_pdf(html_path, laid_out, book.root,
                              [book.root, TEMPLATES_DIR, FONTS_DIR],
                              identifier=f"{pdf_identifier(book)}-{suffix}",
                              fast_parse=htmltree.allowed(book), lines=lines)
        yield laid_out, rendered


def write_pdf(book: Book, text: ChapterText, output: Path, created: dt.datetime) -> int:
    """The chapter alone with the book's typography (its opening, running heads, notes and
    references as in the book); return its page count."""
    with chapter_laid_out(book, text, created, "chapter") as (laid_out, rendered):
        _set_pdf_metadata(laid_out, output, text)
    return int(rendered["pages"])


def _set_pdf_metadata(source: Path, output: Path, text: ChapterText) -> None:
    """The chapter's title and authors in the PDF's document information (the book's
    template names the book)."""
    import pikepdf

    with pikepdf.open(source) as pdf, atomic_output(output) as tmp:
        pdf.docinfo["/Title"] = pikepdf.String(text.title)
        pdf.docinfo["/Author"] = pikepdf.String(text.author_names)
        pdf.save(tmp, deterministic_id=True)


def build_chapter_document(book: Book, chapter_id: str, fmt: str, *,
                           force: bool = False) -> ChapterDocument:
    """Write build/chapters/<id>.docx or .pdf; refuse on errors in the chapter unless
    `force`."""
    from anthology.editorial.tracking.plan import find_chapter
    from anthology.outputs.common import build_time, out_dir_of

    chapter = find_chapter(book, chapter_id)
    if not chapter.file or not (book.root / chapter.file).is_file():
        where = f" ({chapter.file})" if chapter.file else ""
        raise AnthologyError(f"Chapter '{chapter.id}' has no text yet{where}, so there is "
                             "nothing to build. Add its file (`anthology submit` takes one "
                             "that came by e-mail), then build again.")
    text, problems, cache = prepared_alone(book, chapter, force, f"Chapter '{chapter.id}'")
    output = out_dir_of(book) / "chapters" / f"{chapter.id}.{fmt}"
    output.parent.mkdir(parents=True, exist_ok=True)
    created = build_time(book.root)
    result = ChapterDocument(output, problems)
    if fmt == "docx":
        write_docx(book, text, output, created, cache)
    else:
        result.pages = write_pdf(book, text, output, created)
    return result


def core_properties(docx: Path) -> dict[str, str]:
    """The core properties of a DOCX (title, creator, created...), for reports and tests."""
    with zipfile.ZipFile(docx) as archive:
        xml = archive.read(CORE_PART).decode("utf-8")
    return {m.group(2): m.group(3) for m in re.finditer(r"<(\w+):(\w+)[^>]*>([^<]*)</\1:\2>",
                                                        xml)}
