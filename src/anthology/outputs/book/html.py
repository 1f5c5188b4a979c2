"""The book as one HTML document for print: Jinja2 templates (overridable per book) and CSS."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
from markupsafe import Markup

from anthology import __version__
from anthology.chapters.document import (
    Float,
    Node,
    chain,
    float_namer,
    footnote_spanner,
    id_prefixer,
    list_floats,
    notes_to_endnotes,
    transform,
)
from anthology.chapters.maths import paragraph_splitter, svg_maker
from anthology.chapters.prepare import ChapterText, with_reference_heading
from anthology.core.cache import Cache
from anthology.core.errors import AnthologyError
from anthology.core.model import Book, Contributor
from anthology.core.resources import PACKAGE_DIR
from anthology.core.typography import typeset_book
from anthology.engines import pandoc
from anthology.engines.jinja import BookTemplates, template_error_message
from anthology.outputs.book.typeset import print_rules, set_listings, text_width, unbroken_hyphens

TEMPLATES_DIR = PACKAGE_DIR / "templates"
FONTS_DIR = PACKAGE_DIR / "fonts"


def environment(root: Path) -> jinja2.Environment:
    """Jinja2 with the book's templates/ first, then anthology's own; sandboxed, autoescaped,
    strict.

    A book's templates are the book's code, committed by anyone with write access to its
    repository: the sandbox refuses `__globals__` and the like, so a template cannot run
    commands or read files (SecurityError, reported by `render` with the template's line).

    One environment per book folder and process, so each template compiles once per build
    (Jinja2 still notices a template edited on disk).
    """
    return _environment(root.resolve(), (root / "templates").is_dir())


@functools.lru_cache(maxsize=8)
def _environment(root: Path, has_templates: bool) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if has_templates:
        loaders.append(BookTemplates(root / "templates"))
    loaders.append(jinja2.FileSystemLoader(TEMPLATES_DIR))
    # Compiled templates are kept with the build's cache (keyed by the template's source), so a
    # build does not compile the book template again: about 0.15 s of every build.
    compiled = None
    if (root / "build").is_dir():
        # Not "jinja": templates compiled outside the sandbox must not be reused.
        folder = root / "build" / ".cache" / "jinja-sandbox"
        folder.mkdir(parents=True, exist_ok=True)
        compiled = jinja2.FileSystemBytecodeCache(str(folder))
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders), bytecode_cache=compiled,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml", "j2", "xhtml"),
                                            default_for_string=True),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["unbroken_hyphens"] = unbroken_hyphens
    return env


def render(root: Path, name: str, /, *, env: jinja2.Environment | None = None,
           **context: Any) -> str:
    """Render the template `name` (the book's own if it has one); a template that fails to
    load, compile or render (a syntax error, an undefined name, an unsafe attribute) becomes
    an AnthologyError naming the template file and line."""
    try:
        return (env or environment(root)).get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise AnthologyError(template_error_message(root, name, exc)) from None


def font_css() -> str:
    """@font-face rules for the bundled fonts: Charis SIL (OFL) for the text, DejaVu Sans Mono
    for code and DejaVu Sans for characters Charis lacks, so no page depends on the
    machine's fonts."""
    faces = [("Charis SIL", "CharisSIL-Regular", "normal", "normal"),
             ("Charis SIL", "CharisSIL-Italic", "normal", "italic"),
             ("Charis SIL", "CharisSIL-Bold", "bold", "normal"),
             ("Charis SIL", "CharisSIL-BoldItalic", "bold", "italic"),
             ("DejaVu Sans Mono", "DejaVuSansMono", "normal", "normal"),
             ("DejaVu Sans Mono", "DejaVuSansMono-Bold", "bold", "normal"),
             ("DejaVu Sans", "DejaVuSans", "normal", "normal")]
    rules = []
    for family, name, weight, style in faces:
        url = (FONTS_DIR / f"{name}.ttf").as_uri()
        rules.append(f'@font-face {{ font-family: "{family}"; src: url("{url}"); '
                     f"font-weight: {weight}; font-style: {style}; }}")
    return "\n".join(rules)


def page_css(book: Book) -> str:
    """The @page rule from book.yaml's page size and mirrored margins."""
    p = book.config.page
    return (f"@page {{ size: {p.width} {p.height}; margin-top: {p.top}; "
            f"margin-bottom: {p.bottom}; }}\n"
            f"@page :left {{ margin-left: {p.outer}; margin-right: {p.inner}; }}\n"
            f"@page :right {{ margin-left: {p.inner}; margin-right: {p.outer}; }}")


def names(people: Sequence[Contributor]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    listed = [p.name for p in people]
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]


_TABLE_PART = re.compile(r"<(thead|tbody|tfoot)\b.*?</\1>", re.S)
_HEADER_CELL = re.compile(r"<th(?=[\s>])(?![^>]*\sscope=)")


def with_header_scope(html: str) -> str:
    """pandoc's tables with each header cell's scope: `col` in the head, `row` in the body.
    pandoc's HTML writer gives none, and a tagged PDF needs it (PDF/UA-1, UA-15-003)."""
    if "<th" not in html:
        return html

    def scoped(match: re.Match[str]) -> str:
        scope = "col" if match.group(1) == "thead" else "row"
        return _HEADER_CELL.sub(f'<th scope="{scope}"', match.group(0))

    return _TABLE_PART.sub(scoped, html)


def chapter_body_ast(text: ChapterText, notes: str, measure: float,
                     cache: Cache | None = None) -> Node:
    """The chapter's AST for print: references headed, floats named, ids prefixed, notes
    placed, maths typeset (chapters/maths.py), the house typography rules applied for a type
    area `measure` points wide."""
    ast = with_reference_heading(text.ast)
    if notes == "endnotes":
        named: Node = transform(ast, chain(float_namer(), id_prefixer(text.prefix),
                                           svg_maker(cache), paragraph_splitter, print_rules))
        result = notes_to_endnotes(named, text.prefix)
    else:
        # One walk instead of five: this runs on every chapter of every cold build.
        result = transform(ast, chain(float_namer(), id_prefixer(text.prefix),
                                      footnote_spanner, svg_maker(cache), paragraph_splitter,
                                      print_rules))
    set_listings(result["blocks"], measure)
    return result


def contributor_note(person: Contributor) -> tuple[str, str]:
    """A note on a contributor as (name in bold, the rest): the bio's own name is not repeated."""
    bio = (person.bio or "").strip()
    at = bio.find(person.name)
    if 0 <= at <= 12:  # "Ada Editor is ..." or "Dr Ada Editor is ...": bold the name as written
        end = at + len(person.name)
        return bio[:end], bio[end:]
    if bio:
        return person.name, " " + bio
    return person.name, f", {person.affiliation}." if person.affiliation else ""


def toc_entries(book: Book, texts: Sequence[ChapterText], fragments: dict[str, str],
                abstracts: dict[str, str],
                pages: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """One entry per chapter, with the part title where a new part begins.

    `pages` maps anchors (`chapter-3`, `part-2`) to printed page numbers when the pipeline
    knows them (an incremental build does); otherwise the template asks WeasyPrint's
    target-counter() for them.
    """
    pages = pages or {}
    entries = []
    previous_part: str | None = None
    for text in texts:
        part = text.chapter.part
        new_part = part if part and part != previous_part else None
        part_anchor = f"part-{text.number}"
        entries.append({
            "part": new_part, "part_anchor": part_anchor,
            "part_page": pages.get(part_anchor) if new_part else None,
            "number": text.number, "anchor": text.anchor, "title": text.title,
            "page": pages.get(text.anchor),
            "subtitle": text.subtitle, "short_title": text.short_title,
            "authors": text.author_names, "author_list": text.authors,
            "in_part": bool(part), "lang": text.manuscript.text("lang"),
            "abstract_html": abstracts.get(text.chapter.id, ""),
            "keywords": text.keywords if book.config.build.keywords else (),
            "body_html": fragments[text.chapter.id],
        })
        previous_part = part
    return entries


def contributors_notes(book: Book, texts: Sequence[ChapterText]) -> list[Contributor]:
    """Editors and the authors of included chapters, sorted by surname."""
    ids = set(book.config.editors)
    for text in texts:
        ids.update(a.id for a in text.authors)
    people = [p for p in book.contributors if p.id in ids]
    return sorted(people, key=lambda p: p.sort_key)


@dataclass
class Sections:
    """A chapter's HTML for print (pandoc's products): body, abstract, and its floats."""

    body_html: str
    abstract_html: str
    floats: list[Float]


def chapter_sections(book: Book, text: ChapterText, cache: Cache | None = None,
                     key: str | None = None) -> Sections:
    """The chapter's HTML sections, from the cache under `key` when given and present."""
    if cache is not None and key is not None:
        stored = cache.get_json("html", key)
        if isinstance(stored, dict):
            return Sections(stored["body"], stored["abstract"],
                            [Float(*item) for item in stored["floats"]])
    what = f"{text.manuscript.name} (chapter {text.number})"
    body = chapter_body_ast(text, book.config.build.notes, text_width(book), cache)
    floats = list_floats(body)
    body_html = with_header_scope(pandoc.ast_to_html(body, what))
    abstract_html = ""
    if text.abstract and book.config.build.abstracts:
        abstract_html = with_header_scope(pandoc.ast_to_html(
            {"pandoc-api-version": text.api, "meta": {},
             "blocks": transform(text.abstract, svg_maker(cache))}, what))
    if cache is not None and key is not None:
        cache.put_json("html", key, {"body": body_html, "abstract": abstract_html,
                                     "floats": [[f.kind, f.identifier, f.label, f.caption]
                                                for f in floats]})
    return Sections(body_html, abstract_html, floats)


def book_html(book: Book, texts: Sequence[ChapterText], created: dt.datetime,
              css_href: str, extra_css_href: str | None,
              pages: Mapping[str, int] | None = None, *,
              sections: Mapping[str, Sections] | None = None, include_front: bool = True,
              body: Sequence[tuple[int, bool, bool]] | None = None, link_prefix: str = "#",
              build_kind: str | None = None) -> str:
    """Render the book as one HTML document, or one piece of it.

    `pages` (anchor to printed page) fills the contents when the pipeline knows the pages.
    `sections` are the chapters' HTML made beforehand (by chapter id). A piece laid out on its
    own has `include_front` False or a `body` of (chapter index, show part title, show chapter)
    triples; `link_prefix` is what the contents put before an anchor in the body.
    """
    book = typeset_book(book)
    made = dict(sections or {})
    for text in texts:
        if text.chapter.id not in made:
            made[text.chapter.id] = chapter_sections(book, text)
    fragments = {t.chapter.id: made[t.chapter.id].body_html for t in texts}
    abstracts = {t.chapter.id: made[t.chapter.id].abstract_html for t in texts}
    floats: list[Float] = [f for t in texts for f in made[t.chapter.id].floats]
    options = book.config.build
    # The floats come from the prefixed AST: their ids are already unique in the book.
    figures = [{"label": f.label, "caption": f.caption, "anchor": f.identifier,
                "page": (pages or {}).get(f.identifier)}
               for f in floats if f.kind == "figure"] if options.list_of_figures else []
    tables = [{"label": f.label, "caption": f.caption, "anchor": f.identifier,
               "page": (pages or {}).get(f.identifier)}
              for f in floats if f.kind == "table"] if options.list_of_tables else []
    people = contributors_notes(book, texts)
    toc = toc_entries(book, texts, fragments, abstracts, pages)
    chosen = body if body is not None else [(i, True, True) for i in range(len(toc))]
    body_entries = [{**toc[i], "show_part": part, "show_chapter": chapter, "first": i == 0}
                    for i, part, chapter in chosen]
    return render(
        book.root, "book/book.html.j2", book=book.config, version=__version__,
        created=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        editors_names=names(book.editors), toc=toc, body=body_entries,
        include_front=include_front, link_prefix=link_prefix, build_kind=build_kind,
        contributors_notes=[(p, *contributor_note(p)) for p in people],
        figures=figures, tables=tables, pages=pages or {},
        font_css=Markup(font_css()), page_css=Markup(page_css(book)), css_href=css_href,
        extra_css_href=extra_css_href)
