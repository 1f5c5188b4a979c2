"""The book proposal: the editors' prose and what anthology knows, as PDF, EPUB and DOCX.

The structure is a Jinja2 template that writes pandoc Markdown (`proposal/proposal.md.j2`, which a
book may override in its own `templates/proposal/`). The editors' prose (`proposal/*.md`) goes in
as Markdown; everything contributors wrote (abstracts, biographies, titles) goes in through the
`md` filter, which escapes every Markdown symbol, so it is printed as text and never read as
markup. pandoc reads the result once into one AST, which is made safe (`safety.sanitize`) and
cited with the book's bibliography and style; that one AST becomes the EPUB and the DOCX, and,
as an HTML fragment in `proposal/proposal.html.j2` with the book's fonts, the PDF.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from anthology.chapters.document import Locator, Node, each
from anthology.chapters.manuscript import read_manuscript
from anthology.chapters.safety import sanitize
from anthology.core.cache import Cache
from anthology.core.files import atomic_output, atomic_write_text, relative_name, resolve_inside
from anthology.core.findings import Finding, has_errors, summary_line
from anthology.core.model import Book, Chapter, Contributor
from anthology.core.terminal import Progress
from anthology.core.typography import book_quotes, smarten, typeset_book, typeset_chapter
from anthology.outputs.epub.write import embed_images

PROSE_DIR = "proposal"
TEMPLATE = "proposal/proposal.md.j2"
HTML_TEMPLATE = "proposal/proposal.html.j2"
SCHEDULE_LABELS = {
    "invitations": "Invitations sent", "abstracts": "Abstracts due", "drafts": "Drafts due",
    "reviews": "Reviews returned", "revisions": "Revised chapters due",
    "copyedits": "Copy-editing done", "proofs": "Proofs corrected", "final": "Final chapters",
    "delivery": "Delivery to the publisher"}
_MARKDOWN_SYMBOLS = re.compile(r"([!#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def md(text: object, quotes: str | None = None) -> Markup:
    """Contributor text as literal Markdown: one line, smart punctuation (quotation marks in
    the style `quotes`: pandoc reads curly marks as letters), every Markdown symbol escaped."""
    plain = smarten(" ".join(str(text or "").split()), quotes)
    return Markup(_MARKDOWN_SYMBOLS.sub(r"\\\1", plain))


@dataclass(frozen=True)
class ProseSection:
    """One of the editors' proposal/*.md files."""

    name: str
    stem: str
    markdown: str


@dataclass(frozen=True)
class PlannedChapter:
    """A chapter as the proposal describes it."""

    number: int
    chapter: Chapter
    title: str
    subtitle: str | None
    authors: tuple[Contributor, ...]
    abstract: str | None
    abstract_source: str
    keywords: tuple[str, ...]
    words: int | None
    words_source: str
    figures: int
    tables: int

    @property
    def author_names(self) -> str:
        """'A, B and C'."""
        from anthology.outputs.offprints.write import name_list

        return name_list([a.name for a in self.authors])


@dataclass
class ProposalResult:
    """What `build_proposal` wrote and noticed."""

    outputs: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    chapters: list[PlannedChapter] = field(default_factory=list)
    pages: int | None = None


def read_prose(book: Book) -> tuple[list[ProseSection], list[Finding]]:
    """The editors' proposal/*.md in name order, pre-flighted like chapters."""
    folder = book.root / PROSE_DIR
    sections, findings = [], []
    if not folder.is_dir():
        return [], []
    for path in sorted(folder.glob("*.md")):
        name = relative_name(book.root, path)
        manuscript = read_manuscript(book.root, name)
        # Proposal prose has no front matter; every other pre-flight finding stands.
        findings += [f for f in manuscript.findings if f.code != "frontmatter.missing"]
        if manuscript.readable:
            sections.append(ProseSection(name, path.stem, manuscript.body))
    return sections, findings


def plan_chapters(book: Book, cache: Cache) -> tuple[list[PlannedChapter], list[Finding]]:
    """Every planned chapter in order: text facts from its file where it exists, else the plan.

    Words are `anthology check`'s counts (after citeproc, so citations count as printed; the
    parts book.yaml's `words.count` names); a chapter without a file is estimated at its limit.
    """
    from anthology.chapters.prepare import parse_markdown
    from anthology.editorial.checks.runner import run_checks
    from anthology.editorial.checks.words import counted

    written = [c.id for c in book.active_chapters
               if c.file and (book.root / c.file).is_file()]
    checked = {r.chapter: r.words for r in run_checks(book, written, cache).chapters} \
        if written else {}

    known = {p.id: p for p in book.contributors}
    planned, findings = [], []
    for number, chapter in enumerate(book.active_chapters, start=1):
        limit = chapter.word_limit or book.config.words.chapter_limit
        title, subtitle, abstract = chapter.title, None, chapter.abstract
        keywords: tuple[str, ...] = ()
        authors = tuple(known[i] for i in chapter.authors if i in known)
        words, words_source = limit, "limit" if limit else "unknown"
        abstract_source = "plan" if abstract else "none"
        figures = tables = 0
        if chapter.file and (book.root / chapter.file).is_file():
            manuscript = read_manuscript(book.root, chapter.file, chapter.id)
            findings += [f for f in manuscript.findings if f.severity == "error"]
            if manuscript.readable:
                title = manuscript.text("title") or title
                subtitle = manuscript.text("subtitle")
                ids = manuscript.text_list("authors") or chapter.authors
                authors = tuple(known[i] for i in ids if i in known)
                if manuscript.text("abstract"):
                    abstract, abstract_source = manuscript.text("abstract"), "chapter"
                keywords = manuscript.text_list("keywords")
                what = f"{manuscript.name} (chapter '{chapter.id}')"
                ast = parse_markdown(manuscript.body, what, cache) if \
                    manuscript.body.strip() else {"blocks": []}
                parts = checked.get(chapter.id)
                if parts is not None:
                    words, words_source = counted(parts, book.config.words), "count"
                figures = len(each(ast["blocks"], "Figure"))
                tables = len(each(ast["blocks"], "Table"))
        planned.append(PlannedChapter(number, chapter, title, subtitle, authors, abstract,
                                      abstract_source, keywords, words, words_source, figures,
                                      tables))
    return planned, findings


def proposal_context(book: Book, prose: Sequence[ProseSection],
                     chapters: Sequence[PlannedChapter], today: dt.date) -> dict[str, Any]:
    """Everything the proposal template may use (pure: no files, no clock)."""
    c = book.config
    # The editors' Markdown goes to pandoc as written: escaped for HTML, its quotation marks
    # and apostrophes would reach pandoc as character references, which `smart` leaves
    # straight. (Raw HTML in it is reported and left out as in a chapter.)
    prose = [replace(section, markdown=Markup(section.markdown)) for section in prose]
    people_ids: dict[str, None] = {}
    for chapter in chapters:
        people_ids.update(dict.fromkeys(a.id for a in chapter.authors))
    contributors = sorted((p for p in book.contributors
                           if p.id in people_ids or p.id in c.editors), key=lambda p: p.sort_key)
    counted_words = sum(ch.words for ch in chapters if ch.words and ch.words_source == "count")
    estimated = sum(ch.words for ch in chapters if ch.words and ch.words_source == "limit")
    schedule = [{"key": key, "label": SCHEDULE_LABELS.get(key, key), "date": date}
                for key, date in sorted(c.schedule.items(), key=lambda item: item[1])]
    from anthology.editorial.checks.words import rule_words

    return {
        "book": c, "today": today, "editors": book.editors, "prose": prose,
        "sections": {s.stem: s for s in prose}, "chapters": chapters,
        "contributors": contributors, "schedule": schedule,
        "delivery": c.schedule.get("delivery"),
        "words": {"total": counted_words + estimated, "counted": counted_words,
                  "estimated": estimated, "book_limit": c.words.book_limit,
                  "chapter_limit": c.words.chapter_limit, "rule": rule_words(c.words),
                  "written": sum(1 for ch in chapters if ch.words_source == "count")},
        "figures": sum(ch.figures for ch in chapters),
        "tables": sum(ch.tables for ch in chapters),
    }


def _date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _thousands(value: int | None) -> str:
    return f"{value:,}" if value is not None else "–"


def render_markdown(book: Book, context: dict[str, Any]) -> str:
    """The proposal as pandoc Markdown, from the (overridable) template."""
    from anthology.outputs.book.html import environment, render

    env = environment(book.root)
    quotes = book_quotes(book.config)
    env.filters.update(md=lambda text: md(text, quotes), date=_date, thousands=_thousands)
    return render(book.root, TEMPLATE, env=env, **context)


def proposal_ast(book: Book, markdown: str, cache: Cache) -> tuple[Node, list[Finding]]:
    """One AST: parsed, made safe, cited with the book's bibliography, images embedded."""
    from anthology.chapters.csl import resolve_csl
    from anthology.chapters.prepare import parse_markdown
    from anthology.engines import pandoc

    what = "the proposal"
    locator = Locator(f"{PROSE_DIR}/", markdown, 1)
    safe = sanitize(parse_markdown(markdown, what, cache), locator, book.root,
                    book.root / PROSE_DIR, allow_raw_html=book.config.build.raw_html)
    bibliographies = [p for p in (resolve_inside(book.root, book.root, name)
                                  for name in book.config.bibliography) if p is not None]
    cited, _ = pandoc.run_citeproc(safe, bibliographies, resolve_csl(book.root, book.config.csl),
                                   what, book.config.language)
    typeset = typeset_chapter(cited, book.config)
    return embed_images(_drop_empty_references(typeset), book.root), locator.findings


def _drop_empty_references(ast: Node) -> Node:
    """Without citations the template's References heading would head nothing."""
    refs = [b for b in ast["blocks"] if b["t"] == "Div" and b["c"][0][0] == "refs"]
    if refs and not refs[0]["c"][1]:
        ast["blocks"] = [b for b in ast["blocks"]
                         if not (b["t"] in ("Div", "Header") and
                                 b["c"][0 if b["t"] == "Div" else 1][0] in ("refs", "references"))]
    return ast


def prose_findings(book: Book, prose: Sequence[ProseSection], cache: Cache) -> list[Finding]:
    """What sanitizing finds in each prose file, with the file's own line numbers."""
    from anthology.chapters.prepare import parse_markdown

    findings: list[Finding] = []
    for section in prose:
        locator = Locator(section.name, section.markdown, 1)
        sanitize(parse_markdown(section.markdown, section.name, cache), locator, book.root,
                 book.root / PROSE_DIR, allow_raw_html=book.config.build.raw_html)
        findings += locator.findings
    return findings


def proposal_metadata(book: Book, date: str) -> dict[str, Any]:
    """EPUB and DOCX metadata: the proposal's title, the editors, language, a stable id."""
    c = book.config
    meta: dict[str, Any] = {
        "title": [{"type": "main", "text": f"Book proposal: {c.title}"}],
        "creator": [{"role": "edt", "text": p.name} for p in book.editors],
        "lang": c.language, "date": date,
        "identifier": [{"scheme": "UUID", "text": "urn:uuid:" + str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"anthology:proposal:{c.slug}"))}],
    }
    if c.subtitle:
        meta["title"].append({"type": "subtitle", "text": c.subtitle})
    return meta


def write_pdf(book: Book, ast: Node, output: Path, work: Path, created: dt.datetime) -> int:
    """The proposal PDF with WeasyPrint, in the book's typeface."""
    from anthology import __version__
    from anthology.engines import pandoc
    from anthology.engines.weasyprint.patches import htmltree
    from anthology.engines.weasyprint.render import render_pdf
    from anthology.outputs.book.html import (
        FONTS_DIR,
        TEMPLATES_DIR,
        font_css,
        names,
        render,
        with_header_scope,
    )

    body = with_header_scope(pandoc.ast_to_html(ast, "the proposal"))
    html = render(
        book.root, HTML_TEMPLATE, book=book.config, editors_names=names(book.editors),
        body=Markup(body),
        font_css=Markup(font_css()), version=__version__,
        created=created.strftime("%Y-%m-%dT%H:%M:%SZ"))
    html_path = work / "proposal.html"
    atomic_write_text(html_path, html)
    with atomic_output(output) as tmp:
        rendered = render_pdf(html_path, tmp, book.root, [book.root, TEMPLATES_DIR, FONTS_DIR],
                              fast_parse=htmltree.allowed(book))
    return int(rendered["pages"])


def write_pandoc(book: Book, ast: Node, to: str, output: Path, work: Path,
                 created: dt.datetime) -> None:
    """The proposal as EPUB 3 or DOCX with pandoc (sandboxed; metadata from a file we write)."""
    from anthology.core.yamlio import dump_yaml
    from anthology.engines import pandoc
    from anthology.outputs.book.html import TEMPLATES_DIR

    meta = proposal_metadata(book, created.strftime("%Y-%m-%d"))
    extra = []
    if to == "epub3":
        css = (TEMPLATES_DIR / "epub" / "epub.css").read_text(encoding="utf-8")
        meta["header-includes"] = f"```{{=html}}\n<style>\n{css}</style>\n```\n"
        extra = ["--split-level=1", "--toc", "--toc-depth=2", "--epub-title-page=true"]
    else:
        meta["title"] = " ".join(t["text"] for t in meta["title"] if t["type"] == "main")
        meta["author"] = [e["text"] for e in meta.pop("creator")]
        meta.pop("identifier")
    meta_file = work / f"proposal-{to}.yaml"
    meta_file.write_text(dump_yaml(meta), encoding="utf-8")
    with atomic_output(output) as tmp:
        pandoc.ast_to_file(ast, to, tmp, [f"--metadata-file={meta_file}", *extra],
                           f"the proposal ({output.name})")
        if to == "docx":
            date_docx(tmp, created)


_CORE_DATE = re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def date_docx(path: Path, created: dt.datetime) -> None:
    """The DOCX's created and modified dates (docProps/core.xml) set to `created`: pandoc
    writes 1970-01-01 when it runs sandboxed. Every other entry is copied as it was, in the
    same order with the same times, so the file stays reproducible."""
    import io
    import zipfile

    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _CORE_DATE.sub(lambda m: f"{m[1]}{stamp}{m[3]}",
                                      data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)
    path.write_bytes(out.getvalue())


def build_proposal(book: Book, *, today: dt.date, force: bool = False,
                   progress: Progress = lambda _: None) -> ProposalResult:
    """Write build/proposal.pdf, .epub and .docx; refuse on errors in the prose unless `force`."""
    import shutil

    from anthology.core.errors import AnthologyError
    from anthology.outputs.common import build_time, out_dir_of

    out_dir = out_dir_of(book)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = Cache(out_dir / ".cache")
    result = ProposalResult()
    progress("Reading the proposal and the chapter plan")
    prose, findings = read_prose(book)
    chapters, chapter_findings = plan_chapters(book, cache)
    findings += prose_findings(book, prose, cache) + chapter_findings
    result.findings, result.chapters = findings, chapters
    if has_errors(findings) and not force:
        problems = [f for f in findings if f.severity != "info"]
        raise AnthologyError(f"The proposal was not built: {summary_line(problems)} Fix them, "
                             "or build anyway with --force.", problems)
    markdown = render_markdown(book, proposal_context(book, prose, chapters, today))
    ast, _ = proposal_ast(book, markdown, cache)
    created = build_time(book.root)  # the date of the book's other outputs
    book = typeset_book(book)  # the title page and metadata print what the text prints
    work = out_dir / ".work-proposal"
    work.mkdir(exist_ok=True)
    try:
        progress("Laying out proposal.pdf")
        result.pages = write_pdf(book, ast, out_dir / "proposal.pdf", work, created)
        result.outputs.append(out_dir / "proposal.pdf")
        for to, suffix in (("epub3", "epub"), ("docx", "docx")):
            progress(f"Writing proposal.{suffix}")
            write_pandoc(book, ast, to, out_dir / f"proposal.{suffix}", work, created)
            result.outputs.append(out_dir / f"proposal.{suffix}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result
