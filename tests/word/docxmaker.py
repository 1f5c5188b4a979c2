"""Word documents for tests, written as Word writes them (WordprocessingML in a zip), with the
field codes Zotero and Mendeley put in a document, footnotes, comments and tracked changes.

Zotero: a complex field whose instruction is `ADDIN ZOTERO_ITEM CSL_CITATION {json}`, the JSON
holding `citationItems` each with `id`, `uris` and `itemData` (CSL JSON). Mendeley: the same
shape under `ADDIN CSL_CITATION {json}`, with ids such as `ITEM-1`.
"""

from __future__ import annotations

import base64
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = (f'xmlns:w="{W}" xmlns:r="{R}" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"')
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
# A 1x1 PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQ"
                       "GAhKmMIQAAAABJRU5ErkJggg==")


def cahn() -> dict[str, Any]:
    """CSL JSON of a book, as Zotero embeds it."""
    return {"id": 1, "type": "book", "title": "No More Throw-Away People: The Co-Production "
            "Imperative", "publisher": "Essential Books", "publisher-place": "Washington, DC",
            "author": [{"family": "Cahn", "given": "Edgar S."}],
            "issued": {"date-parts": [["2000"]]}}


def work(n: int, family: str = "Author", year: int = 2001, doi: str | None = None
         ) -> dict[str, Any]:
    """CSL JSON of a journal article numbered `n`."""
    item: dict[str, Any] = {
        "id": n, "type": "article-journal", "title": f"Study number {n} of peer support",
        "container-title": "Journal of Tests", "volume": str(n), "page": f"{n}-{n + 9}",
        "author": [{"family": family, "given": "Pat"}], "issued": {"date-parts": [[year]]}}
    if doi:
        item["DOI"] = doi
    return item


def _field(instruction: str, shown: str) -> str:
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve">{escape(instruction)}</w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t xml:space="preserve">{escape(shown)}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


@dataclass
class Docx:
    """A Word document built paragraph by paragraph."""

    body: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)
    numbered: bool = False
    _citations: int = 0

    # Runs (inline pieces), to put in a paragraph

    @staticmethod
    def text(words: str) -> str:
        """Plain text."""
        return f'<w:r><w:t xml:space="preserve">{escape(words)}</w:t></w:r>'

    def zotero(self, items: list[dict[str, Any]], shown: str,
               locator: str | None = None) -> str:
        """A Zotero citation field citing `items` (CSL JSON, their `id` Zotero's number)."""
        self._citations += 1
        cited = []
        for item in items:
            entry: dict[str, Any] = {"id": item["id"], "uris": [
                f"http://zotero.org/users/local/abc/items/ITEM{item['id']}"], "itemData": item}
            if locator:
                entry.update(locator=locator, label="page")
            cited.append(entry)
        data = {"citationID": f"cit{self._citations}", "properties": {
            "formattedCitation": shown, "plainCitation": shown, "noteIndex": 0},
            "citationItems": cited,
            "schema": "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"}
        return _field(f" ADDIN ZOTERO_ITEM CSL_CITATION {json.dumps(data)} ", shown)

    def mendeley(self, items: list[dict[str, Any]], shown: str) -> str:
        """A Mendeley citation field (ids ITEM-1, ...)."""
        self._citations += 1
        cited = [{"id": f"ITEM-{i}", "itemData": {**item, "id": f"ITEM-{i}"}, "uris": [
            f"http://www.mendeley.com/documents/?uuid=0000-{i}"]}
            for i, item in enumerate(items, start=1)]
        data = {"citationID": f"MENDELEY_CITATION_{self._citations}", "properties": {
            "noteIndex": 0}, "isEdited": False, "manualOverride": {
            "isManuallyOverridden": False, "citeprocText": shown, "manualOverrideText": ""},
            "citationItems": cited,
            "schema": "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"}
        return _field(f"ADDIN CSL_CITATION {json.dumps(data)}", shown)

    @staticmethod
    def unknown_field(instruction: str, shown: str) -> str:
        """Any other field (a cross-reference, a page number...)."""
        return _field(instruction, shown)

    def footnote(self, *runs: str) -> str:
        """A footnote reference; the note holds `runs` (plain strings are text)."""
        number = len(self.footnotes) + 1
        inner = "".join(r if r.startswith("<") else self.text(" " + r) for r in runs)
        self.footnotes.append(
            f'<w:footnote w:id="{number}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
            '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
            f'{inner}</w:p></w:footnote>')
        return ('<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                f'<w:footnoteReference w:id="{number}"/></w:r>')

    @staticmethod
    def inserted(words: str, author: str = "Ada Editor") -> str:
        """A tracked insertion."""
        return (f'<w:ins w:id="90{len(words)}" w:author="{author}" '
                f'w:date="2026-11-01T10:00:00Z">{Docx.text(words)}</w:ins>')

    @staticmethod
    def deleted(words: str, author: str = "Ada Editor") -> str:
        """A tracked deletion."""
        return (f'<w:del w:id="80{len(words)}" w:author="{author}" '
                'w:date="2026-11-01T10:00:00Z"><w:r>'
                f'<w:delText xml:space="preserve">{escape(words)}</w:delText></w:r></w:del>')

    def comment(self, on: str, remark: str, author: str = "Ada Editor") -> str:
        """Text `on` with a comment `remark` anchored to it."""
        number = len(self.comments)
        self.comments.append(
            f'<w:comment w:id="{number}" w:author="{author}" w:date="2026-11-01T10:00:00Z" '
            f'w:initials="AE"><w:p>{self.text(remark)}</w:p></w:comment>')
        return (f'<w:commentRangeStart w:id="{number}"/>{self.text(on)}'
                f'<w:commentRangeEnd w:id="{number}"/><w:r>'
                f'<w:commentReference w:id="{number}"/></w:r>')

    def image(self, alt: str, png: bytes = PNG) -> str:
        """An inline picture whose description (alt text) is `alt`."""
        self.images.append(png)
        n = len(self.images)
        return (
            '<w:r><w:drawing><wp:inline><wp:extent cx="914400" cy="914400"/>'
            f'<wp:docPr id="{n}" name="Picture {n}" descr="{escape(alt, {chr(34): "&quot;"})}"/>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/'
            f'picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="{n}" name="image{n}.png"/>'
            f'<pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rIdImage{n}"/>'
            '<a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm>'
            '<a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
            '</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>')

    @staticmethod
    def textbox(words: str) -> str:
        """A text box (a shape holding text)."""
        return ('<w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml" id="tb1" '
                'style="width:100pt;height:50pt"><v:textbox><w:txbxContent><w:p>'
                f'{Docx.text(words)}</w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>')

    # Blocks

    def paragraph(self, *runs: str, style: str | None = None) -> Docx:
        """A paragraph of `runs` (plain strings are text), in `style` if given."""
        props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        inner = "".join(r if r.startswith("<") else self.text(r) for r in runs)
        self.body.append(f"<w:p>{props}{inner}</w:p>")
        return self

    def heading(self, words: str, level: int = 1) -> Docx:
        """A heading."""
        return self.paragraph(words, style=f"Heading{level}")

    def bullet(self, *runs: str) -> Docx:
        """An item of a bulleted list."""
        self.numbered = True
        inner = "".join(r if r.startswith("<") else self.text(r) for r in runs)
        self.body.append('<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr>'
                         f'<w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>{inner}</w:p>')
        return self

    def table(self, rows: list[list[str]]) -> Docx:
        """A table, its first row the header."""
        cells = "".join(
            "<w:tr>" + "".join(f'<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr>'
                               f"<w:p>{self.text(c)}</w:p></w:tc>" for c in row) + "</w:tr>"
            for row in rows)
        grid = "".join('<w:gridCol w:w="2000"/>' for _ in rows[0])
        self.body.append('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/>'
                         '<w:tblW w:w="0" w:type="auto"/><w:tblLook w:firstRow="1"/></w:tblPr>'
                         f"<w:tblGrid>{grid}</w:tblGrid>{cells}</w:tbl>")
        return self

    # Writing

    def save(self, path: Path) -> Path:
        """Write the .docx."""
        rels = [f'<Relationship Id="rIdStyles" Type="{R}/styles" Target="styles.xml"/>']
        types = ['<Override PartName="/word/document.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>',
                 '<Override PartName="/word/styles.xml" ContentType="application/'
                 'vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>',
                 '<Default Extension="png" ContentType="image/png"/>',
                 '<Default Extension="rels" ContentType="application/'
                 'vnd.openxmlformats-package.relationships+xml"/>',
                 '<Default Extension="xml" ContentType="application/xml"/>']
        parts: dict[str, str | bytes] = {}
        def add_part(rid: str, name: str, xml: str) -> None:
            # Footnotes, comments and numbering: a part in word/ named for what it holds.
            rels.append(f'<Relationship Id="{rid}" Type="{R}/{name}" Target="{name}.xml"/>')
            types.append(f'<Override PartName="/word/{name}.xml" ContentType="application/'
                         f'vnd.openxmlformats-officedocument.wordprocessingml.{name}+xml"/>')
            parts[f"word/{name}.xml"] = XML_DECLARATION + xml

        if self.footnotes:
            add_part("rIdNotes", "footnotes", (
                f'<w:footnotes {NS}><w:footnote w:type="separator" w:id="-1"><w:p><w:r>'
                '<w:separator/></w:r></w:p></w:footnote><w:footnote '
                'w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
                '</w:r></w:p></w:footnote>' + "".join(self.footnotes) + "</w:footnotes>"))
        if self.comments:
            add_part("rIdComments", "comments",
                     f"<w:comments {NS}>" + "".join(self.comments) + "</w:comments>")
        if self.numbered:
            add_part("rIdNumbering", "numbering", (
                f'<w:numbering {NS}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0">'
                '<w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>'
                '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
                '</w:numbering>'))
        for n, data in enumerate(self.images, start=1):
            rels.append(f'<Relationship Id="rIdImage{n}" Type="{R}/image" '
                        f'Target="media/image{n}.png"/>')
            parts[f"word/media/image{n}.png"] = data
        styles = "".join(
            f'<w:style w:type="paragraph" w:styleId="Heading{n}"><w:name w:val="heading {n}"/>'
            f'<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="{n - 1}"/></w:pPr>'
            '</w:style>' for n in (1, 2, 3))
        parts["word/styles.xml"] = (
            XML_DECLARATION + f'<w:styles {NS}>'
            '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
            f'</w:style>{styles}<w:style w:type="paragraph" w:styleId="ListParagraph">'
            '<w:name w:val="List Paragraph"/></w:style>'
            '<w:style w:type="paragraph" w:styleId="FootnoteText"><w:name w:val="footnote text"/>'
            '</w:style></w:styles>')
        parts["word/document.xml"] = (
            XML_DECLARATION + f'<w:document {NS}><w:body>'
            + "".join(self.body) + "<w:sectPr/></w:body></w:document>")
        parts["word/_rels/document.xml.rels"] = (
            XML_DECLARATION + '<Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels) + "</Relationships>")
        parts["_rels/.rels"] = (
            XML_DECLARATION + '<Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            f'Id="rId1" Type="{R}/officeDocument" Target="word/document.xml"/></Relationships>')
        parts["[Content_Types].xml"] = (
            XML_DECLARATION + '<Types xmlns='
            '"http://schemas.openxmlformats.org/package/2006/content-types">'
            + "".join(sorted(types, key=lambda t: not t.startswith("<Default")))
            + "</Types>")
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", parts.pop("[Content_Types].xml"))
            for name, data in parts.items():
                archive.writestr(name, data)
        return path


def sample_docx(path: Path, *, tracked: bool = True) -> Path:
    """A chapter as a contributor sends it: Zotero and Mendeley citations, footnotes, a list, a
    table, an image with alt text, and (with `tracked`) a tracked change and a comment."""
    d = Docx()
    d.heading("Why peer support works")
    d.paragraph("Co-production began with time banks ",
                d.zotero([cahn()], "(Cahn 2000)"), ". It spread.",
                d.footnote("Time banks still exist in Leeds."))
    d.paragraph("Later studies agree ", d.zotero([work(2, "Smith", 2010)], "(Smith 2010)",
                                                 locator="12"),
                " and so do others ", d.mendeley([work(3, "Jones", 2012)], "(Jones 2012)"), ".")
    d.heading("What we did", 2)
    d.bullet("Listened to carers.")
    d.bullet("Wrote it down.")
    d.table([["Group", "People"], ["Carers", "12"], ["Staff", "5"]])
    d.paragraph(d.image("A circle of six people holding hands."))
    if tracked:
        d.paragraph("The meetings were ", d.inserted("always "), "held ", d.deleted("weekly"),
                    " on Tuesdays.", d.comment(" Nobody came", "Is this right?"))
    d.paragraph("A closing thought.", d.footnote("With thanks to everyone."))
    return d.save(path)
