"""The copy of a chapter a reviewer reads: `build/reviews/<id>-round-<n>.pdf` (or `.docx`).

The chapter as the book sets it (outputs/chapterdoc.py), with line numbers in the margin that a
reviewer can cite ("p. 3, l. 12"), restarting on each page:

- PDF: WeasyPrint has no line numbering, and a fixed line grid would break at every heading,
  note or figure. So the chapter is laid out as usual, the layout reports the baseline of
  every line of text on each page (engines/weasyprint/render.py `_text_lines`: the flow only, not
  running heads, folios or footnotes; lines side by side, as in table cells, counted once), and the
  numbers are drawn at those baselines in the margin, in a digits-only subset of the bundled
  DejaVu Sans (embedded). Footnotes and captions of figures drawn as images have no numbers.
- DOCX: Word's own line numbering (`w:lnNumType`, every line, restarting on each page) in the
  section properties; Word numbers the body's lines, not notes.

Double-blind (when a review of the round is double-blind, or none is assigned yet): no author
names or affiliations at the opening or in the running heads, no acknowledgements section
(a heading starting "Acknowledg"), no funding paragraphs or notes (starting "Funding" or "This
work was supported by"), and no names in the file's metadata (PDF Info and XMP; DOCX core
properties). What still names the authors (their names or affiliations in the text,
citations of works by an author's family name) is reported as `review.identifying` with its
line, and left for the editor to decide.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from anthology.chapters.prepare import ChapterText
from anthology.core.errors import AnthologyError
from anthology.core.files import atomic_output
from anthology.core.findings import Finding, info, warning
from anthology.core.model import Book, Chapter, Status

FORMATS = ("pdf", "docx")
NUMBER_SIZE = 7.0  # points
NUMBER_GAP = 10.0  # points between a number and the text block
PX = 0.75  # points per CSS pixel
FUNDING = ("Funding", "This work was supported by")
ACKNOWLEDGEMENTS = "Acknowledg"
LN_NUM = '<w:lnNumType w:countBy="1" w:restart="newPage"/>'
# Elements of a section's properties that come after w:lnNumType (ECMA-376, CT_SectPr).
_AFTER_LNNUM = ("pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg",
                "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings",
                "sectPrChange")


@dataclass
class ReviewCopy:
    """What building a review copy made and noticed."""

    path: Path
    round: int
    blind: bool
    findings: list[Finding] = field(default_factory=list)
    pages: int | None = None
    numbered_lines: int = 0


def copy_round(chapter: Chapter) -> int:
    """The review round the copy is for: the one under way, else the next."""
    from anthology.editorial.tracking.reviews import review_round_of

    return review_round_of(chapter)


def is_double_blind(chapter: Chapter, number: int) -> bool:
    """Double-blind when a review of the round is, or when none is assigned yet."""
    kinds = {r.blind for r in chapter.reviews if r.round == number}
    return not kinds or "double" in kinds


# Leaving out what names the authors

def _excerpt(text: str, length: int = 60) -> str:
    """The start of a passage, cut at a word, for a message."""
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _starts(text: str, prefixes: tuple[str, ...]) -> bool:
    return any(text.startswith(p) for p in prefixes)


def blind_ast(ast: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The chapter's AST without acknowledgements and funding notes; and what was left out."""
    from anthology.chapters.document import stringify, transform

    removed: list[str] = []
    blocks: list[Any] = []
    skipping: int | None = None  # the level of the acknowledgements heading being left out
    for block in ast["blocks"]:
        kind = block.get("t")
        if skipping is not None:
            ends = (kind == "Header" and block["c"][0] <= skipping) or (
                kind == "Div" and block["c"][0][0] == "refs")
            if not ends:
                continue
            skipping = None
        if kind == "Header" and stringify(block["c"][2]).startswith(ACKNOWLEDGEMENTS):
            skipping = block["c"][0]
            removed.append(stringify(block["c"][2]))
            continue
        if kind in ("Para", "Plain") and _starts(stringify(block), (ACKNOWLEDGEMENTS, *FUNDING)):
            removed.append(_excerpt(stringify(block)))
            continue
        blocks.append(block)

    def drop_notes(node: dict[str, Any]) -> Any:
        if node["t"] == "Note" and _starts(stringify(node["c"]), FUNDING):
            removed.append(_excerpt(stringify(node["c"])))
            return []
        return None

    return transform({**ast, "blocks": blocks}, drop_notes), removed


def _place(text: ChapterText, snippet: str) -> int:
    """The line of the chapter's file where `snippet` (a removed passage) begins, or 0."""
    words = snippet.split()[:4]
    if not words:
        return 0
    pattern = re.compile(r"\W+".join(re.escape(w) for w in words[:2]))
    first = text.manuscript.body_line
    for number, line in enumerate(text.manuscript.body.split("\n"), start=first):
        if pattern.search(line):
            return number
    return 0


def _family(name: str, sort_name: str | None) -> str:
    from anthology.editorial.tracking.status import surname

    return surname(name, sort_name)


def identifying(book: Book, text: ChapterText, cited: dict[str, dict[str, Any]]
                ) -> list[Finding]:
    """Where the chapter's text still names its authors: their names or affiliations, and
    citations of works by an author's family name (`review.identifying`)."""
    manuscript = text.manuscript
    name = manuscript.name
    findings: list[Finding] = []
    lines = [(manuscript.body_line + i, line)
             for i, line in enumerate(manuscript.body.split("\n"))]
    abstract = manuscript.text("abstract")
    if abstract:
        lines.insert(0, (manuscript.meta_lines.get("abstract", 1), abstract))
    for person in text.authors:
        family = _family(person.name, person.sort_name)
        marks = [(person.name, "names its author"), (family, "names its author")]
        given = person.name.split()[0]
        if given != family and len(given) > 2:  # "Sam coordinates the forum" gives them away
            marks.append((given, "names its author"))
        if person.affiliation:
            marks.append((person.affiliation, "names the affiliation of its author"))
        for number, line in lines:
            for words, what in marks:
                if re.search(rf"(?<!\w){re.escape(words)}(?!\w)", line):
                    findings.append(warning(
                        "review.identifying", name, number,
                        f"the double-blind copy {what} {person.name} ('{words}').",
                        "Rewrite it in the third person or as '[Author]' for the review, "
                        "or send the copy as it is if that is acceptable.",
                        chapter=text.chapter.id))
                    break
        for key, item in cited.items():
            families = [a.get("family", "") for a in item.get("author", [])
                        if isinstance(a, dict)]
            if family not in families:
                continue
            where = next((n for n, line in lines if f"@{key}" in line), 0)
            findings.append(warning(
                "review.identifying", name, where,
                f"the double-blind copy cites @{key}, a work by {family}, the family name of "
                f"its author {person.name}.",
                "Cite it as '(Author, year)' for the review, or leave it if it does not "
                "give the author away.", chapter=text.chapter.id))
    return sorted(findings, key=lambda f: f.line or 0)


# PDF: numbers in the margin

def _number_font(pdf: Any) -> Any:
    """A TrueType font of the digits of the bundled DejaVu Sans, embedded in `pdf`."""
    import pikepdf
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from anthology.outputs.book.html import FONTS_DIR

    font = TTFont(FONTS_DIR / "DejaVuSans.ttf")
    options = subset.Options()
    options.name_IDs = []
    options.notdef_outline = True
    options.drop_tables = [*options.drop_tables, "FFTM"]  # else fontTools says it on stderr
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="0123456789")
    subsetter.subset(font)
    data = io.BytesIO()
    font.save(data)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    widths = [round(font["hmtx"][cmap[code]][0] * scale) for code in range(48, 58)]
    head, hhea = font["head"], font["hhea"]
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/AAAAAA+DejaVuSans"),
        Flags=32, ItalicAngle=0, StemV=80,
        FontBBox=[round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
        Ascent=round(hhea.ascent * scale), Descent=round(hhea.descent * scale),
        CapHeight=round(hhea.ascent * scale),
        FontFile2=pdf.make_stream(data.getvalue())))
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType,
        BaseFont=pikepdf.Name("/AAAAAA+DejaVuSans"), FirstChar=48, LastChar=57,
        Widths=widths, Encoding=pikepdf.Name.WinAnsiEncoding, FontDescriptor=descriptor))


def number_lines(source: Path, output: Path, lines: list[dict[str, Any]], title: str) -> int:
    """Draw each page's line numbers in its left margin, restarting on each page; set the
    PDF's metadata to the title alone (no author, no XMP). Return how many lines got one."""
    import pikepdf

    total = 0
    with pikepdf.open(source) as pdf, atomic_output(output) as tmp:
        font = _number_font(pdf)
        widths = [int(w) for w in font.Widths]
        for page, where in zip(pdf.pages, lines, strict=True):
            if not where["baselines"]:
                continue
            top = float(page.mediabox[3])
            right = where["left"] * PX - NUMBER_GAP
            name = page.add_resource(font, pikepdf.Name.Font, prefix="LN")
            ops = [f"BT {name} {NUMBER_SIZE:g} Tf 0.45 g"]
            for number, baseline in enumerate(where["baselines"], start=1):
                digits = str(number)
                width = sum(widths[int(d)] for d in digits) * NUMBER_SIZE / 1000
                ops.append(f"1 0 0 1 {right - width:.2f} {top - baseline * PX:.2f} Tm "
                           f"({digits}) Tj")
            ops.append("ET")
            total += len(where["baselines"])
            # The page's own drawing is wrapped in q/Q, so that nothing it leaves set (a
            # transformation, a colour) moves or tints the numbers.
            page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
            page.contents_add(pdf.make_stream(("Q\n" + "\n".join(ops) + "\n").encode()))
        for key in list(pdf.docinfo.keys()):
            if key != "/Title":
                del pdf.docinfo[key]
        pdf.docinfo["/Title"] = pikepdf.String(title)
        if "/Metadata" in pdf.Root:
            del pdf.Root["/Metadata"]
        pdf.save(tmp, deterministic_id=True)
    return total


def write_pdf(book: Book, text: ChapterText, output: Path, created: dt.datetime
              ) -> tuple[int, int]:
    """The review copy as a PDF with numbered lines; return its pages and numbered lines."""
    from anthology.outputs.chapterdoc import chapter_laid_out

    with chapter_laid_out(book, text, created, "review", lines=True) as (laid_out, rendered):
        numbered = number_lines(laid_out, output, rendered["lines"], text.title)
    return int(rendered["pages"]), numbered


# DOCX: Word's line numbering

def with_line_numbers(document_xml: bytes) -> bytes:
    """document.xml with line numbering (every line, restarting on each page) in each
    section's properties, where the schema puts it. Edited as text: a parser that rewrote
    the namespace prefixes would break Word's `mc:Ignorable` list."""
    text = document_xml.decode("utf-8")
    text = re.sub(r"<w:lnNumType\b[^>]*/>", "", text)
    later = re.compile(r"<w:(?:" + "|".join(_AFTER_LNNUM) + r")\b|</w:sectPr>")

    def numbered(match: re.Match[str]) -> str:
        opening, inside = match.group(1), match.group(2)
        place = later.search(inside + "</w:sectPr>")
        cut = place.start() if place is not None else len(inside)
        return opening + inside[:cut] + LN_NUM + inside[cut:] + "</w:sectPr>"

    text = re.sub(r"(<w:sectPr\b(?:[^>]*[^/>])?>)(.*?)</w:sectPr>", numbered, text,
                  flags=re.DOTALL)
    text = re.sub(r"<w:sectPr\b([^>]*?)\s*/>", rf"<w:sectPr\1>{LN_NUM}</w:sectPr>", text)
    return text.encode("utf-8")


def _number_docx(docx: Path, created: dt.datetime) -> None:
    stamp = created.timetuple()[:6]
    with zipfile.ZipFile(docx) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with atomic_output(docx) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            if info.filename == "word/document.xml":
                data = with_line_numbers(data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, data)


# The whole

def build_review_copy(book: Book, chapter_id: str, fmt: str, *,
                      force: bool = False) -> ReviewCopy:
    """Write build/reviews/<id>-round-<n>.pdf or .docx; refuse on errors in the chapter unless
    `force`."""
    from anthology.editorial.tracking.plan import find_chapter
    from anthology.outputs.chapterdoc import _cited_items, prepared_alone, write_docx
    from anthology.outputs.common import build_time, out_dir_of

    chapter = find_chapter(book, chapter_id)
    if chapter.status in (Status.PROPOSED, Status.INVITED, Status.DECLINED, Status.AGREED,
                          Status.ABSTRACT) or not chapter.file or \
            not (book.root / chapter.file).is_file():
        where = f" ({chapter.file})" if chapter.file else ""
        raise AnthologyError(f"Chapter '{chapter.id}' has no draft to review yet{where}. "
                             "Add its file and mark it draft, then build the review copy.")
    text, problems, cache = prepared_alone(book, chapter, force,
                                           f"The review copy of chapter '{chapter.id}'")
    number = copy_round(chapter)
    blind = is_double_blind(chapter, number)
    findings = list(problems)
    if blind:
        ast, removed = blind_ast(text.ast)
        for passage in removed:
            findings.append(info(
                "review.removed", text.manuscript.name, _place(text, passage),
                f"left out of the double-blind copy: '{passage}'.",
                "Nothing to do: the book keeps it.", chapter=chapter.id))
        findings.extend(identifying(book, text, _cited_items(book, text, cache)))
        text = replace(text, authors=(), loaded=ast, loader=None)
    output = out_dir_of(book) / "reviews" / f"{chapter.id}-round-{number}.{fmt}"
    output.parent.mkdir(parents=True, exist_ok=True)
    created = build_time(book.root)
    result = ReviewCopy(output, number, blind, findings)
    if fmt == "docx":
        write_docx(book, text, output, created, cache)
        _number_docx(output, created)
    else:
        result.pages, result.numbered_lines = write_pdf(book, text, output, created)
    return result
