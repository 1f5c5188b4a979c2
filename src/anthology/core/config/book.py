"""book.yaml: its keys, each declared once with its type, example, help and check, and the
BookConfig made from them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from anthology.core.config.identifiers import ID_PATTERN, isbn_problem, slugify
from anthology.core.config.keys import Context, Field, Key, Kind, Section, Table, Values, make
from anthology.core.config.reading import BOOK_FILE, inside_file
from anthology.core.config.suggest import did_you_mean
from anthology.core.findings import Finding
from anthology.core.model import (
    SCHEDULE_KEYS,
    WORD_PARTS,
    BookConfig,
    BuildOptions,
    PageSetup,
    WordRules,
)
from anthology.core.typography import QUOTE_STYLES
from anthology.core.yamlio import YDict, YList

LENGTH_PATTERN = re.compile(r"^[0-9]+(?:\.[0-9]+)?(?:mm|cm|in|pt|px)$")
LANGUAGE_PATTERN = re.compile(r"^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$")
CSL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DEFAULT_CSL = "chicago-author-date"


def _slug(field: Field, slug: str) -> str:
    if not ID_PATTERN.match(slug):
        field.problem(f"'slug' should be lowercase letters, digits and hyphens, not '{slug}'.",
                      f"For example: slug: {slugify(slug)}")
    return slug


def _language(field: Field, language: str) -> str:
    if not LANGUAGE_PATTERN.match(language):
        field.problem(f"'language' should be a language tag such as en-GB, not '{language}'.",
                      "For example: language: en-GB")
    return language


def _isbn(field: Field, isbn: str) -> str:
    why = isbn_problem(isbn)
    if why:
        field.problem(f"{field.name} {isbn} is not a valid ISBN: {why}.",
                      "Copy the ISBN again from the publisher's letter.")
    return isbn


def _csl(field: Field, csl: str) -> str | None:
    if csl.endswith(".csl"):
        if not inside_file(field.context.root, csl):
            field.problem(f"'csl' names the style file {csl}, which does not exist inside the "
                          "book folder.", "Check the path, or give a style name such as "
                          "harvard-cite-them-right.", "config.csl")
            return None
    elif not CSL_NAME_PATTERN.match(csl):
        field.problem(f"'csl' should be a style name such as harvard-cite-them-right or a file "
                      f"ending in .csl, not '{csl}'.", "For example: csl: apa", "config.csl")
        return None
    return csl


def _bibliography(field: Field, names: tuple[str, ...]) -> tuple[str, ...]:
    listed = field.section.data.get("bibliography")
    for index, name in enumerate(names):
        line = listed.line_of(index) if isinstance(listed, YList) else field.line
        if not inside_file(field.context.root, name):
            field.problem(f"the bibliography {name} does not exist inside the book folder.",
                          "Check the file name, or remove it from 'bibliography'.",
                          "config.missing-file", line=line)
    return names


def _size(field: Field, size: tuple[str, ...]) -> tuple[str, ...] | None:
    if len(size) != 2 or not all(LENGTH_PATTERN.match(s) for s in size):
        field.problem(f"{field.name} should be a width and a height such as [156mm, 234mm], "
                      f"not {list(size)}.", "Use lengths in mm, cm, in or pt.")
        return None
    return size


def _length(field: Field, value: str) -> str | None:
    if not LENGTH_PATTERN.match(value):
        field.problem(f"{field.name} should be a length such as 20mm, not '{value}'.",
                      "Use mm, cm, in or pt.")
        return None
    return value


def _page(field: Field, values: Values) -> PageSetup:
    width, height = values["size"] or (_PAGE.width, _PAGE.height)
    return make(PageSetup, values["margins"], width=width, height=height)


def _count(field: Field, parts: tuple[str, ...]) -> tuple[str, ...]:
    for part in parts:
        if part not in WORD_PARTS:
            field.problem(f"{field.name} names '{part}', which is not a part of a chapter "
                          "anthology counts.", did_you_mean(part, WORD_PARTS) or
                          f"Choose from: {', '.join(WORD_PARTS)}.")
    return parts


def _words(field: Field, values: Values) -> WordRules:
    return make(WordRules, values)


def deadlines(field: Field, values: Values) -> dict[str, Any]:
    """The dates given in a schedule (book.yaml's, or a chapter's `due`)."""
    return {key: value for key, value in values.items() if value is not None}


def _notes(field: Field, notes: str) -> str | None:
    if notes not in ("footnotes", "endnotes"):
        field.problem(f"{field.name} should be footnotes or endnotes, not '{notes}'.",
                      "For example: notes: footnotes")
        return None
    return notes


def _book_file(field: Field, name: str) -> str | None:
    """A key naming a file of the book (build.css, build.cover): None, and a problem, when the
    file is missing or outside the book folder."""
    root, key = field.context.root, field.key.name
    example = field.key.example_in(field.values)
    if inside_file(root, name):
        return name
    if Path(name).is_absolute() or ".." in Path(name).parts or (root / name).is_symlink() \
            or (root / name).exists():
        field.problem(f"{field.name} names {name}, which is not inside the book folder.",
                      f"Put the file in the book folder and name it from there, for example: "
                      f"{key}: {example}", "config.path")
    else:
        field.problem(f"{field.name} names {name}, which does not exist.",
                      f"Check the file name, for example: {key}: {example}",
                      "config.missing-file")
    return None


def _build(field: Field, values: Values) -> BuildOptions:
    return make(BuildOptions, values)


def _quotes(field: Field, quotes: str) -> str | None:
    if quotes not in QUOTE_STYLES:
        field.problem(f"{field.name} should be single or double, not '{quotes}'.",
                      "For example: quotes: single (British: ‘outer “inner”’) or quotes: double "
                      "(American).")
        return None
    return quotes


_PAGE, _BUILD = PageSetup(), BuildOptions()

MARGINS = Table(tuple(
    Key(side, Kind.TEXT, f"the {side} margin{note}", "20mm", default=getattr(_PAGE, side),
        check=_length) for side, note in (("top", ""), ("bottom", ""),
                                          ("inner", " (by the spine; mirrored on facing pages)"),
                                          ("outer", " (mirrored on facing pages)"))))

PAGE = Table((
    Key("size", Kind.LIST, "trim size, `[width, height]` (default royal octavo "
        "`[156mm, 234mm]`)", "[156mm, 234mm]", check=_size),
    Key("margins", Kind.GROUP, "the margins", keys=MARGINS),
))

WORDS = Table((
    Key("chapter_limit", Kind.WHOLE, "per-chapter limit (a chapter's `word_limit` overrides)"),
    Key("chapter_minimum", Kind.WHOLE, "per-chapter minimum"),
    Key("book_limit", Kind.WHOLE, "the contract's total", "100000"),
    Key("count", Kind.LIST, "which parts count toward limits: "
        f"{', '.join(f'`{part}`' for part in WORD_PARTS)}",
        "[body, notes]", default=("body", "notes"), check=_count),
))

SCHEDULE = Table(tuple(Key(name, Kind.DATE, f"the deadline for {name}")
                       for name in SCHEDULE_KEYS))

BUILD = Table((
    Key("abstracts", Kind.BOOL, "print each chapter's abstract",
        default=_BUILD.abstracts),
    Key("keywords", Kind.BOOL, "print each chapter's keywords",
        default=_BUILD.keywords),
    Key("notes", Kind.TEXT, "`footnotes` (foot of the page) or `endnotes` (end of each "
        "chapter)", "footnotes", default="footnotes", check=_notes),
    Key("list_of_figures", Kind.BOOL, "add a list of figures to the front matter",
        default=_BUILD.list_of_figures),
    Key("list_of_tables", Kind.BOOL, "add a list of tables to the front matter",
        default=_BUILD.list_of_tables),
    Key("raw_html", Kind.BOOL, "allow harmless raw HTML in chapters (otherwise it is reported "
        "and left out)", default=_BUILD.raw_html),
    Key("cover", Kind.TEXT, "a cover image, inside the book folder", "covers/front.png",
        check=_book_file),
    Key("css", Kind.TEXT, "an extra stylesheet, inside the book folder", "styles/book.css",
        check=_book_file),
    Key("index", Kind.BOOL, "an index at the end of the PDF and the EPUB, from the chapters' "
        "index marks (see \"The index\")", default=_BUILD.index),
))

TYPOGRAPHY = Table((
    Key("quotes", Kind.TEXT, "`single` (‘outer “inner”’, the default for English other than "
        "`en-US`) or `double` (“outer ‘inner’”, the default for `en-US`); applied to the "
        "chapters, cross-references, citations and reference lists, and to text from book.yaml, "
        "contributors.yaml and chapters.yaml (other languages keep pandoc's quotes unless this "
        "is set)", "single", check=_quotes),
))

ISBN = Table(tuple(
    Key(name, Kind.TEXT, f"the {label} ISBN-13, check digit verified", '"978-1-2345-6789-7"',
        number_ok=True, check=_isbn) for name, label in (("print", "printed book's"),
                                                         ("epub", "EPUB's"))))

BOOK = Table((
    Key("format", Kind.WHOLE, "file format version (1); a newer format is refused rather than "
        "misread", "1"),
    Key("title", Kind.TEXT, "the book's title", "Co-production in Mental Health",
        required=True),
    Key("subtitle", Kind.TEXT, "the book's subtitle"),
    Key("slug", Kind.TEXT, "the outputs' file name (default: made from the title)", "my-book",
        check=_slug),
    Key("editors", Kind.LIST, "the volume's editors, as contributor ids", "[jane-doe]",
        required=True),
    Key("publisher", Kind.TEXT, "imprint, for the title and copyright pages"),
    Key("place", Kind.TEXT, "the publisher's place, for the title and copyright pages"),
    Key("year", Kind.WHOLE, "year of publication", "2027", minimum=1000, maximum=9999),
    Key("edition", Kind.TEXT, "the edition, for the title and copyright pages",
        number_ok=True),
    Key("language", Kind.TEXT, "language tag: hyphenation, quotation marks, EPUB language",
        "en-GB", default="en-GB", check=_language),
    Key("isbn", Kind.GROUP, "ISBN-13s, `print` and `epub`, check digits verified", keys=ISBN),
    Key("doi", Kind.TEXT, "the book's DOI, for the PDF, EPUB and delivery metadata"),
    Key("licence", Kind.TEXT, "the licence, for the PDF, EPUB and delivery metadata"),
    Key("subject", Kind.TEXT, "the subject, for the PDF, EPUB and delivery metadata"),
    Key("keywords", Kind.LIST, "keywords, for the PDF, EPUB and delivery metadata"),
    Key("description", Kind.TEXT, "a description, for the PDF, EPUB and delivery metadata"),
    Key("csl", Kind.TEXT, "citation style: a name from the CSL repository (`apa`, "
        "`harvard-cite-them-right`, `chicago-author-date`, ...), a style in "
        "`styles/NAME.csl`, or a path to a `.csl` file", "harvard-cite-them-right",
        default=DEFAULT_CSL, check=_csl),
    Key("bibliography", Kind.LIST, "book-wide bibliography files, relative to the book folder",
        "[references/book.bib]", check=_bibliography),
    Key("page", Kind.GROUP, "trim size and margins", keys=PAGE, check=_page),
    Key("words", Kind.GROUP, "word limits and what counts", keys=WORDS, check=_words),
    Key("schedule", Kind.GROUP, "deadlines", keys=SCHEDULE, check=deadlines, summary=True),
    Key("build", Kind.GROUP, "house choices for the built book", keys=BUILD, check=_build),
    Key("typography", Kind.GROUP, "typographic choices", keys=TYPOGRAPHY),
), what=BOOK_FILE)


def book_config(root: Path, data: YDict, findings: list[Finding]) -> BookConfig:
    """book.yaml as a BookConfig; its problems go to `findings`."""
    values = BOOK.read(Section(BOOK_FILE, data, findings), Context(root))
    title = values["title"] or ""
    return make(BookConfig, values, title=title, slug=values["slug"] or slugify(title),
                isbn_print=values["isbn"]["print"], isbn_epub=values["isbn"]["epub"],
                quotes=values["typography"]["quotes"])
