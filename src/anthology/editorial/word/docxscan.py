"""Read what a Word file holds that pandoc's DOCX reader does not tell: the data of each
citation field in order, and what will not come through (text boxes, old equations, fields).

The file comes from outside: it is opened as a zip with caps on its size and on what it
unpacks to, and its XML is parsed with defusedxml (no entities, no external references). Only
the parts read here are unpacked; pandoc reads the file itself, sandboxed.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from anthology.core.errors import AnthologyError

MAX_DOCX_BYTES = 60_000_000          # the file as sent
MAX_UNPACKED_BYTES = 400_000_000     # everything in it, unpacked
MAX_PART_BYTES = 40_000_000          # one XML part read here
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
OFFICE = "{urn:schemas-microsoft-com:office:office}"
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
WHERE_WORDS = 6
IN_TEXT = "anthology-author-in-text"  # see word/fields.py
# The fields pandoc reads (hyperlinks, citations and the reference lists the add-ins write),
# and ones whose shown text is all a book needs.
_CITATION_PREFIXES = (("ADDIN ZOTERO_ITEM CSL_CITATION", "Zotero"),
                      ("ADDIN CSL_CITATION", "Mendeley"),
                      ("ADDIN EN.CITE", "EndNote"))
_REFERENCE_LISTS = ("ADDIN ZOTERO_BIBL", "ADDIN MENDELEY BIBLIOGRAPHY", "ADDIN EN.REFLIST",
                    "ADDIN CSL_BIBLIOGRAPHY")
_HARMLESS_FIELDS = frozenset({"HYPERLINK", "PAGE", "NUMPAGES", "SECTIONPAGES", "SYMBOL",
                              "ADDIN"})


class UnreadableDocx(AnthologyError):
    """The file is not a Word document anthology can read."""


@dataclass(frozen=True)
class CitationField:
    """One citation field: which tool wrote it, its items' ids and CSL JSON, and where."""

    tool: str
    ids: tuple[str, ...]
    items: tuple[dict[str, Any], ...]
    where: str
    in_text: tuple[bool, ...] = ()  # which were written `@key` in the text (anthology's own)
    # Every id pandoc might give each work: the item's id, its data's id, its URIs.
    aliases: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class Unconverted:
    """Something in the Word file that the Markdown will not hold as it was."""

    what: str
    where: str
    text: str = ""  # its own words, when it has some (to see whether pandoc kept them)


@dataclass
class DocxScan:
    """What scanning a Word file found."""

    citations: list[CitationField] = field(default_factory=list)
    unconverted: list[Unconverted] = field(default_factory=list)
    reference_list: bool = False  # a reference list written by Zotero, Mendeley or EndNote
    # Bookmarks a person (or anthology) named, with the text of their paragraph: the ids of
    # headings in a chapter the book sent out in Word (Word's own start with "_").
    bookmarks: list[tuple[str, str]] = field(default_factory=list)
    # Tracked changes of formatting (pandoc shows none of them): (author, text, where).
    reformatted: list[tuple[str, str, str]] = field(default_factory=list)


def first_words(text: str, count: int = WHERE_WORDS) -> str:
    """`"The meetings were held on…"`: where something is, in words a Word user can search."""
    words = text.split()
    if not words:
        return "an empty paragraph"
    shown = " ".join(words[:count])
    return f"“{shown}…”" if len(words) > count else f"“{shown}”"


def open_docx(path: Path, name: str) -> zipfile.ZipFile:
    """The Word file as a zip, after checking it is one and not too big to unpack."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableDocx(f"{name}: cannot read it ({exc.strerror}).") from None
    if size > MAX_DOCX_BYTES:
        raise UnreadableDocx(f"{name}: {size / 1e6:.0f} MB is more than a chapter can be "
                             f"({MAX_DOCX_BYTES // 1_000_000} MB). Ask for it without embedded "
                             "videos or very large pictures (Word: File > Compress Pictures).")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise UnreadableDocx(f"{name} is not a Word document (.docx): it cannot be opened as "
                             "one. If it is an old .doc file, open it in Word and save it as "
                             ".docx.") from None
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES or "word/document.xml" not in archive.namelist():
        archive.close()
        why = "unpacks to more than 400 MB" if unpacked > MAX_UNPACKED_BYTES else \
            "has no word/document.xml"
        raise UnreadableDocx(f"{name} {why}, so it is not a Word document anthology can read. "
                             "Open it in Word and save it again as .docx.")
    return archive


def _xml(archive: zipfile.ZipFile, part: str, name: str) -> Element | None:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        info = archive.getinfo(part)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise UnreadableDocx(f"{name}: its part {part} is too large to read "
                             f"({info.file_size / 1e6:.0f} MB).")
    try:
        root: Element = ElementTree.fromstring(archive.read(part))
    except (DefusedXmlException, SyntaxError, ValueError, zipfile.BadZipFile) as exc:
        raise UnreadableDocx(f"{name}: its part {part} is damaged ({exc}). Open the file in "
                             "Word and save it again.") from None
    return root


def _text(element: Element) -> str:
    """The paragraph's own text (a text box anchored in it is not part of it)."""
    parts: list[str] = []

    def go(node: Element) -> None:
        for child in node:
            if child.tag == f"{W}t":
                parts.append(child.text or "")
            elif child.tag not in (f"{W}txbxContent", f"{W}del", f"{W}moveFrom"):
                go(child)

    go(element)
    return "".join(parts)


def _citation_field(instruction: str, where: str) -> CitationField | Unconverted | None:
    """A citation field's data, an Unconverted for one without data, None for another field."""
    normal = " ".join(instruction.split())
    for prefix, tool in _CITATION_PREFIXES:
        if not normal.upper().startswith(prefix):
            continue
        if tool == "EndNote":
            # pandoc reads EndNote's XML itself; without a record it makes an empty citation.
            return CitationField(tool, (), (), where)
        start = instruction.find("{")
        try:
            data = json.loads(instruction[start:instruction.rfind("}") + 1])
            cited = data["citationItems"]
            ids = tuple(str(c["id"]) for c in cited)
            items = tuple(dict(c["itemData"]) for c in cited)
            in_text = tuple(c.get(IN_TEXT) is True for c in cited)
            aliases = tuple(frozenset({str(c["id"]), str(c["itemData"].get("id", c["id"])),
                                       *(str(u) for u in c.get("uris") or [])})
                            for c in cited)
        except (ValueError, KeyError, TypeError, AttributeError):
            return Unconverted(f"a {tool} citation whose data cannot be read (its text was "
                               "kept as written)", where)
        return CitationField(tool, ids, items, where, in_text, aliases)
    return None


class _Walk:
    """One pass over the document in reading order."""

    def __init__(self, parts: dict[str, Element]) -> None:
        self.scan = DocxScan()
        self.previous = ""  # the last paragraph met, for what stands between paragraphs
        self.pending: list[str] = []  # bookmarks met between paragraphs
        # The instruction of each open field; None once its shown text has begun.
        self.fields: list[list[str] | None] = []
        self.notes = {kind: {str(n.get(f"{W}id")): n for n in root.iter(f"{W}{kind[:-1]}")}
                      for kind in ("footnotes", "endnotes")
                      for root in [parts.get(kind)] if root is not None}

    def walk(self, element: Element, where: str, note: str = "") -> None:
        """Walk `element`'s children; `where` is the paragraph's first words, `note` what
        leads them inside a footnote ("the note after “…”: ")."""
        for child in element:
            tag = child.tag
            if tag == f"{W}p":
                self._reformatted(child, f"{W}pPr/{W}pPrChange", note)
                words = note + first_words(_text(child))
                self.previous = words
                text = " ".join(_text(child).split())
                self.scan.bookmarks += [(text, name) for name in self.pending]
                self.pending.clear()
                self.walk(child, words, note)
            elif tag in (f"{W}del", f"{W}moveFrom"):
                continue  # read as accepted: what was deleted is gone
            elif tag == f"{W}r" and child.find(f"{W}rPr/{W}rPrChange") is not None:
                self._reformatted(child, f"{W}rPr/{W}rPrChange", where)
                self.walk(child, where, note)
            elif tag == f"{W}txbxContent":
                words = " ".join(_text(child).split())
                self.scan.unconverted.append(Unconverted(
                    "a text box (Word keeps its text apart from the page's text)", where, words))
            elif tag == f"{W}fldChar":
                self._field_char(child.get(f"{W}fldCharType"), where)
            elif tag == f"{W}bookmarkStart" and (child.get(f"{W}name") or "_")[0] != "_" \
                    and not (child.get(f"{W}name") or "").startswith("ZOTERO_BREF_"):
                # In a paragraph, it names that paragraph; between paragraphs, the next one.
                name = child.get(f"{W}name") or ""
                if element.tag == f"{W}p":
                    self.scan.bookmarks.append((" ".join(_text(element).split()), name))
                else:
                    self.pending.append(name)
            elif tag == f"{W}bookmarkStart" and (child.get(f"{W}name") or "").startswith(
                    "ZOTERO_BREF_"):
                self.scan.unconverted.append(Unconverted(
                    "a Zotero citation stored as a bookmark, which cannot be read (in Word: "
                    "Zotero > Document Preferences > store citations as Fields, then save "
                    "again)", where))
            elif tag == f"{W}instrText":
                open_field = self.fields[-1] if self.fields else None
                if open_field is not None:
                    open_field.append(child.text or "")
            elif tag == f"{W}fldSimple":
                self._instruction(child.get(f"{W}instr") or "", where)
                self.walk(child, where, note)
            elif tag in (f"{W}footnoteReference", f"{W}endnoteReference"):
                kind = "footnotes" if "footnote" in tag else "endnotes"
                note_element = self.notes.get(kind, {}).get(str(child.get(f"{W}id")))
                if note_element is not None:
                    self.walk(note_element, where, f"the note after {where}: ")
            elif tag == f"{OFFICE}OLEObject":
                program = child.get("ProgID") or "unknown"
                self.scan.unconverted.append(Unconverted(
                    "an equation made with the old Equation Editor or MathType (it comes in "
                    "as a picture, if at all: type it again with Word's Insert > Equation or "
                    "in TeX)" if program.startswith(("Equation", "MathType")) else
                    f"an embedded object ({program}): only its picture comes in, if at all "
                    "(ask for it as a table or a picture)", where))
            elif tag == f"{W}altChunk":
                self.scan.unconverted.append(Unconverted(
                    "a document embedded in the file (pasted as a whole; its text is not "
                    "read: paste it again as text)",
                    f"after {self.previous}" if self.previous else where))
            elif tag == f"{DRAWING}graphicData" and "chart" in (child.get("uri") or ""):
                self.scan.unconverted.append(Unconverted(
                    "a chart (ask for it as a picture, PNG or SVG)", where))
            elif tag == f"{DRAWING}graphicData" and "diagram" in (child.get("uri") or ""):
                self.scan.unconverted.append(Unconverted(
                    "a SmartArt diagram (ask for it as a picture, PNG or SVG)", where))
            else:
                self.walk(child, where, note)

    def _reformatted(self, element: Element, path: str, where: str) -> None:
        """Note a tracked change of formatting (of a run, or of a paragraph's style)."""
        change = element.find(path)
        if change is None:
            return
        text = " ".join(_text(element).split())
        if element.tag == f"{W}p":
            where = where + first_words(text)
            text = "the paragraph's style"
        self.scan.reformatted.append((change.get(f"{W}author") or "", text, where))

    def _field_char(self, kind: str | None, where: str) -> None:
        if kind == "begin":
            self.fields.append([])
        elif kind in ("separate", "end") and self.fields:
            parts = self.fields[-1]
            if parts is not None:
                self._instruction("".join(parts), where)
            if kind == "end":
                self.fields.pop()
            else:
                self.fields[-1] = None

    def _instruction(self, instruction: str, where: str) -> None:
        found = _citation_field(instruction, where)
        if isinstance(found, CitationField):
            self.scan.citations.append(found)
            if found.tool == "EndNote" and "<record" not in instruction:
                self.scan.unconverted.append(Unconverted(
                    "an EndNote citation without the work's data (its text was kept as "
                    "written; in EndNote, turn on Instant Formatting and save again)", where))
            return
        if isinstance(found, Unconverted):
            self.scan.unconverted.append(found)
            return
        normal = " ".join(instruction.split()).upper()
        if normal.startswith(_REFERENCE_LISTS):
            self.scan.reference_list = True
            return
        if not normal:
            return
        name = normal.split()[0]
        if name not in _HARMLESS_FIELDS:
            self.scan.unconverted.append(Unconverted(
                f"a Word field ({name}): only the text it last showed was kept", where))


def scan_docx(path: Path, name: str) -> DocxScan:
    """The citation fields of a Word file in reading order (footnotes at their reference, as
    pandoc reads them) and what will not come through, each with where it is."""
    with open_docx(path, name) as archive:
        parts = {kind: root for kind in ("document", "footnotes", "endnotes")
                 for root in [_xml(archive, f"word/{kind}.xml", name)] if root is not None}
    if "document" not in parts:
        raise UnreadableDocx(f"{name} has no word/document.xml; open it in Word and save it "
                             "again as .docx.")
    walk = _Walk(parts)
    body = parts["document"].find(f"{W}body")
    try:
        walk.walk(body if body is not None else parts["document"], "the start of the document")
    except RecursionError:
        # Word nests a few dozen levels deep; thousands are made on purpose.
        raise UnreadableDocx(f"{name} is nested too deeply to be a document Word wrote. Open "
                             "it in Word and save it again as .docx.") from None
    return walk.scan
