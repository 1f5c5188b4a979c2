"""Word files with real Zotero and Mendeley fields through pandoc into the book's Markdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anthology.core.config import load_book
from anthology.editorial.word.docxscan import UnreadableDocx, scan_docx
from anthology.editorial.word.wordimport import TrackedChanges, import_docx
from tests.word.docxmaker import Docx, cahn, sample_docx, work


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Word files of these tests, written once."""
    folder = tmp_path_factory.mktemp("docx")
    sample_docx(folder / "tracked.docx")
    sample_docx(folder / "clean.docx", tracked=False)
    d = Docx()
    # Mendeley numbers the works of each citation from ITEM-1: two different works, one id.
    d.paragraph("First ", d.mendeley([work(3, "Jones", 2012)], "(Jones 2012)"), " then ",
                d.mendeley([work(4, "Brown", 2013), work(5, "Green", 2014)],
                           "(Brown 2013; Green 2014)"), ".")
    d.paragraph("Boxed ", d.textbox("Text in a box"), d.unknown_field(" REF _Ref1 \\h ", "Fig 1"),
                " and ", d.unknown_field(" ADDIN EN.CITE <EndNote><Cite><Author>Doe</Author>"
                                         "</Cite></EndNote>", "(Doe 1999)"), ".")
    d.save(folder / "mendeley.docx")
    return folder


def test_citations_footnotes_lists_tables_and_pictures_come_through(
        small_book: Path, docs: Path) -> None:
    book = load_book(small_book)
    report = import_docx(book, book.chapter("peer"), docs / "clean.docx")
    text = (small_book / "chapters/02-peer.md").read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Peer Support\nauthors:\n- ben-writer\nbibliography:\n"
                           "- 02-peer.json\n---\n\n# Why peer support works\n")
    # cahn2000 is the book's own key for the same work (same title and year).
    assert "Co-production began with time banks [@cahn2000]. It spread.[^1]" in text
    assert "Later studies agree [@smith2010, page 12] and so do others [@jones2012]." in text
    assert "[^1]: Time banks still exist in Leeds." in text
    assert "- Listened to carers." in text
    # Word's column widths are dropped: the book sets its tables.
    assert "| Group  | People |\n|--------|--------|\n| Carers | 12     |\n" in text
    assert "![A circle of six people holding hands.](images/peer/picture-1.png)" in text
    assert (small_book / "chapters/images/peer/picture-1.png").read_bytes()[:4] == b"\x89PNG"
    own = json.loads((small_book / "chapters/02-peer.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in own] == ["smith2010", "jones2012"]
    assert own[0]["issued"] == {"date-parts": [[2010]]}
    assert (report.citations, report.works, report.new_works, report.notes,
            report.pictures) == (3, 3, 2, 2, 1)
    assert report.unconverted == [] and report.accepted == []


def test_a_second_import_gives_the_same_keys(small_book: Path, docs: Path) -> None:
    book = load_book(small_book)
    import_docx(book, book.chapter("peer"), docs / "clean.docx")
    first = (small_book / "chapters/02-peer.md").read_text(encoding="utf-8")
    import_docx(load_book(small_book), book.chapter("peer"), docs / "clean.docx")
    assert (small_book / "chapters/02-peer.md").read_text(encoding="utf-8") == first


def test_mendeley_works_with_the_same_item_number_stay_apart(small_book: Path,
                                                            docs: Path) -> None:
    book = load_book(small_book)
    report = import_docx(book, book.chapter("peer"), docs / "mendeley.docx")
    text = (small_book / "chapters/02-peer.md").read_text(encoding="utf-8")
    assert "First [@jones2012] then [@brown2013; @green2014]." in text
    assert [(u.what, u.where) for u in report.unconverted] == [
        ("a text box (Word keeps its text apart from the page's text)",
         "“Boxed Fig 1 and (Doe 1999).”"),
        ("a Word field (REF): only the text it last showed was kept",
         "“Boxed Fig 1 and (Doe 1999).”"),
        ("an EndNote citation without the work's data (its text was kept as written; in "
         "EndNote, turn on Instant Formatting and save again)", "“Boxed Fig 1 and (Doe 1999).”")]


def test_tracked_changes_and_comments_are_refused_with_where_they_are(
        small_book: Path, docs: Path) -> None:
    book = load_book(small_book)
    with pytest.raises(TrackedChanges) as caught:
        import_docx(book, book.chapter("peer"), docs / "tracked.docx")
    assert caught.value.message == (
        "tracked.docx has 3 tracked changes or comments, which anthology does not accept "
        "silently:\n"
        "  “The meetings were always held on…”: Ada Editor inserted “always”\n"
        "  “The meetings were always held on…”: Ada Editor deleted “weekly”\n"
        "  “The meetings were always held on…”: Ada Editor commented “Is this right?”\n"
        "Accept or reject them in Word (Review > Accept, Reject) and delete the comments, then "
        "run the command again; or add --accept-changes to accept every change as it stands "
        "(comments are then left out). Nothing was changed.")
    assert not (small_book / "chapters/02-peer.md").exists()
    report = import_docx(book, book.chapter("peer"), docs / "tracked.docx",
                         accept_changes=True)
    text = (small_book / "chapters/02-peer.md").read_text(encoding="utf-8")
    assert "The meetings were always held on Tuesdays. Nobody came" in text
    assert "weekly" not in text and "Is this right" not in text
    assert [c.kind for c in report.accepted] == ["inserted", "deleted", "commented"]


def test_a_file_that_is_not_a_word_document_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "chapter.docx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0 an old .doc file")
    with pytest.raises(UnreadableDocx) as caught:
        scan_docx(fake, "chapter.docx")
    assert caught.value.message == (
        "chapter.docx is not a Word document (.docx): it cannot be opened as one. If it is an "
        "old .doc file, open it in Word and save it as .docx.")


def test_zotero_fields_in_footnotes_are_read_in_reading_order(tmp_path: Path) -> None:
    d = Docx()
    d.paragraph("Text ", d.zotero([work(5, "Late", 2005)], "(Late 2005)"),
                d.footnote("see", d.zotero([cahn()], "(Cahn 2000)")), " more ",
                d.mendeley([work(6, "Last", 2006)], "(Last 2006)"))
    scan = scan_docx(d.save(tmp_path / "x.docx"), "x.docx")
    assert [(c.tool, c.ids, c.where) for c in scan.citations] == [
        ("Zotero", ("5",), "“Text (Late 2005) more (Last 2006)”"),
        ("Zotero", ("1",), "the note after “Text (Late 2005) more (Last 2006)”: "
                           "“see(Cahn 2000)”"),
        ("Mendeley", ("ITEM-1",), "“Text (Late 2005) more (Last 2006)”")]


def test_the_reference_list_zotero_wrote_gives_way_to_the_books(small_book: Path,
                                                                 tmp_path: Path) -> None:
    d = Docx()
    d.paragraph("Text ", d.zotero([cahn()], "(Cahn 2000)"), ".")
    d.heading("References")
    d.paragraph(d.unknown_field(' ADDIN ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[]} '
                                "CSL_BIBLIOGRAPHY ", "Cahn, Edgar S. 2000. No More Throw-Away "
                                "People. Essential Books."))
    book = load_book(small_book)
    report = import_docx(book, book.chapter("peer"), d.save(tmp_path / "bibl.docx"))
    text = (small_book / "chapters/02-peer.md").read_text(encoding="utf-8")
    assert text == "---\ntitle: Peer Support\nauthors:\n- ben-writer\n---\n\nText [@cahn2000].\n"
    assert report.unconverted == [] and report.new_works == 0


def test_a_file_that_unpacks_too_big_is_refused(docs: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.editorial.word import docxscan

    monkeypatch.setattr(docxscan, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(UnreadableDocx) as caught:
        scan_docx(docs / "clean.docx", "clean.docx")
    assert caught.value.message == (
        "clean.docx unpacks to more than 400 MB, so it is not a Word document anthology can "
        "read. Open it in Word and save it again as .docx.")


def test_xml_with_entities_is_not_expanded(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "entity.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x '
                         'SYSTEM "file:///etc/hostname">]><d>&x;</d>')
    with pytest.raises(UnreadableDocx) as caught:
        scan_docx(path, "entity.docx")
    assert caught.value.message.startswith("entity.docx: its part word/document.xml is "
                                           "damaged (")
    assert caught.value.message.endswith("). Open the file in Word and save it again.")


def test_zotero_citations_kept_as_bookmarks_are_reported(tmp_path: Path) -> None:
    d = Docx()
    d.paragraph("As shown ", '<w:bookmarkStart w:id="7" w:name="ZOTERO_BREF_a1b2"/>',
                "(Cahn 2000)", '<w:bookmarkEnd w:id="7"/>', ".")
    scan = scan_docx(d.save(tmp_path / "bref.docx"), "bref.docx")
    assert [(u.what, u.where) for u in scan.unconverted] == [
        ("a Zotero citation stored as a bookmark, which cannot be read (in Word: Zotero > "
         "Document Preferences > store citations as Fields, then save again)",
         "“As shown (Cahn 2000).”")]


def test_embedded_objects_and_documents_are_reported(tmp_path: Path) -> None:
    ole = ('<w:r><w:object><o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:office" '
           'ProgID="{}" ShapeID="s1"/></w:object></w:r>')
    d = Docx()
    d.paragraph("The formula ", ole.replace("{}", "Equation.3"), " holds.")
    d.paragraph("The sheet ", ole.replace("{}", "Excel.Sheet.12"), " shows it.")
    d.body.append('<w:altChunk r:id="rIdChunk"/>')
    scan = scan_docx(d.save(tmp_path / "objects.docx"), "objects.docx")
    assert [(u.what, u.where) for u in scan.unconverted] == [
        ("an equation made with the old Equation Editor or MathType (it comes in as a picture, "
         "if at all: type it again with Word's Insert > Equation or in TeX)",
         "“The formula holds.”"),
        ("an embedded object (Excel.Sheet.12): only its picture comes in, if at all (ask for it "
         "as a table or a picture)", "“The sheet shows it.”"),
        ("a document embedded in the file (pasted as a whole; its text is not read: paste it "
         "again as text)", "after “The sheet shows it.”")]


def test_an_at_sign_in_the_text_stays_text(small_book: Path, tmp_path: Path) -> None:
    d = Docx()
    d.paragraph("Follow @mindcharity (@leeds) or write to jane@example.org; see "
                "Section\u00a0@ref(intro).")
    book = load_book(small_book)
    import_docx(book, book.chapter("peer"), d.save(tmp_path / "at.docx"))
    text = (small_book / "chapters/02-peer.md").read_text(encoding="utf-8")
    assert text.endswith("Follow \\@mindcharity (\\@leeds) or write to jane@example.org; see "
                         "Section\u00a0\\@ref(intro).\n")


def test_moves_and_changes_of_formatting_are_tracked_changes_too(small_book: Path,
                                                                 tmp_path: Path) -> None:
    mark = 'w:author="Ada" w:date="2026-11-01T10:00:00Z"'
    d = Docx()
    d.paragraph("First ", f'<w:moveFrom w:id="1" {mark}><w:r><w:t xml:space="preserve">moved '
                'words </w:t></w:r></w:moveFrom>', "end.")
    d.paragraph("Second ", f'<w:moveTo w:id="2" {mark}><w:r><w:t xml:space="preserve">moved '
                'words </w:t></w:r></w:moveTo>', "end.")
    d.paragraph("Third, ", f'<w:r><w:rPr><w:b/><w:rPrChange w:id="3" {mark}><w:rPr/>'
                '</w:rPrChange></w:rPr><w:t>bold now</w:t></w:r>')
    book = load_book(small_book)
    with pytest.raises(TrackedChanges) as caught:
        import_docx(book, book.chapter("peer"), d.save(tmp_path / "moves.docx"))
    assert caught.value.message.splitlines()[1:4] == [
        "  “First end.”: Ada deleted “moved words”",
        "  “Second moved words end.”: Ada inserted “moved words”",
        "  “Third, bold now”: Ada reformatted “bold now”"]


def test_a_document_nested_thousands_deep_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "deep.docx"
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", f"<w:document {w}><w:body>"
                         + "<w:sdt>" * 5000 + "</w:sdt>" * 5000 + "</w:body></w:document>")
    with pytest.raises(UnreadableDocx) as caught:
        scan_docx(path, "deep.docx")
    assert caught.value.message == ("deep.docx is nested too deeply to be a document Word "
                                    "wrote. Open it in Word and save it again as .docx.")


def test_a_tracked_change_in_a_note_says_so(small_book: Path, tmp_path: Path) -> None:
    d = Docx()
    d.paragraph("Body text.", d.footnote("The note ", d.inserted("now "), "says more."))
    book = load_book(small_book)
    with pytest.raises(TrackedChanges) as caught:
        import_docx(book, book.chapter("peer"), d.save(tmp_path / "note.docx"))
    assert caught.value.message.splitlines()[1] == \
        "  in a note: “The note now says more.”: Ada Editor inserted “now”"
