"""Nothing outside the book folder reaches the PDF or the EPUB, whatever a chapter asks; every
refusal is reported with the chapter and line. See ../shared/SECURITY.md for the attacks."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import BOOK_YAML, FIXTURES, write_book
from tests.pdftext import page_texts
from tests.render.conftest import Built, build

SECRET = "SECRET-OUTSIDE-7f3a9c"
HOSTILE = (FIXTURES / "hostile" / "99-hostile.md").read_text(encoding="utf-8")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082")


def hostile_book(root: Path, raw_html: bool) -> Path:
    """A small book whose second chapter is the hostile fixture, with secrets just outside."""
    (root.parent / "outside.txt").write_text(SECRET + "\n", encoding="utf-8")
    (root.parent / "outside.css").write_text(f"body {{ content: '{SECRET}' }}\n")
    (root.parent / "outside.bib").write_text(f"@book{{leak, title = {{{SECRET}}}, year = 1}}\n")
    write_book(root, {"chapters/02-peer.md": HOSTILE,
                      "book.yaml": BOOK_YAML + f"build:\n  raw_html: {str(raw_html).lower()}\n"})
    images = root / "chapters" / "images"
    images.mkdir()
    (images / "fine.png").write_bytes(PNG)
    (images / "leak.png").symlink_to(root.parent / "outside.txt")
    return root


@pytest.fixture(scope="module", params=[False, True], ids=["raw-html-off", "raw-html-on"])
def hostile(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The hostile book, built despite its errors (--force)."""
    root = hostile_book(tmp_path_factory.mktemp("hostile") / "book", request.param)
    return build(root)


def secrets() -> list[str]:
    """Text that must never appear in an output."""
    found = [SECRET, "root:x:0:0"]
    hostname = Path("/etc/hostname")
    if hostname.is_file() and len(hostname.read_text().strip()) >= 6:
        found.append(hostname.read_text().strip())
    return found


@pytest.mark.slow
def test_nothing_outside_reaches_the_pdf(hostile: Built) -> None:
    reader = PdfReader(hostile.pdf)
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert reader.attachments == {}
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            assert annotation.get_object().get("/Subtype") != "/FileAttachment"
    text = "\n".join(page_texts(hostile.pdf))
    for secret in secrets():
        assert secret not in text
    assert "A styled div." in text and "The end." in text
    assert "header-includes" not in text  # the second YAML block is left out, not printed
    assert hostile.result.refused == []  # sanitizing left WeasyPrint nothing to refuse


@pytest.mark.slow
def test_nothing_outside_reaches_the_epub(hostile: Built) -> None:
    with zipfile.ZipFile(hostile.epub) as archive:
        names = archive.namelist()
        contents = b"".join(archive.read(name) for name in names)
    assert not [n for n in names if "outside" in n or "passwd" in n or "hostname" in n]
    media = [n for n in names if n.startswith("EPUB/media/")]
    assert sorted(media) == ["EPUB/media/cover.png", "EPUB/media/file0.png"]
    for secret in secrets():
        assert secret.encode() not in contents
    for dangerous in (b"<script", b"<iframe", b"javascript:", b"file:", b"url(",
                      b'rel="attachment"', b"127.0.0.1"):
        assert dangerous not in contents


@pytest.mark.slow
def test_every_refusal_is_reported_with_chapter_and_line(hostile: Built) -> None:
    lines = {(f.code, f.line) for f in hostile.result.findings
             if f.file == "chapters/02-peer.md"}
    assert all(f.chapter == "peer" for f in hostile.result.findings
               if f.file == "chapters/02-peer.md")
    expected = {
        ("markdown.raw-html", 11),  # <img src="file:///etc/passwd">
        ("image.outside", 13),  # /etc/hostname
        ("image.outside", 15),  # ../../outside.txt
        ("image.outside", 17),  # the symlink out of the book
        ("image.remote", 19),  # http://127.0.0.1:9
        ("markdown.raw-html", 21),  # <link rel="attachment">
        ("markdown.raw-html", 23),  # <iframe>
        ("markdown.raw-html", 25),  # <script>
        ("link.unsafe", 33),  # javascript:
        ("frontmatter.bibliography", 6),
        ("markdown.attribute-removed", 27),  # style= on a span, a div and an image: once
        ("frontmatter.extra-block", 37),  # a second YAML block, left out
    }
    assert expected <= lines, sorted(lines)
    assert [f.code for f in hostile.result.findings].count("markdown.attribute-removed") == 1
    keys = {f.code for f in hostile.result.findings if f.file == "chapters/02-peer.md"}
    assert "frontmatter.unknown-key" in keys  # css: and header-includes: are ignored


def test_fetcher_serves_only_files_inside_the_book(tmp_path: Path) -> None:
    from anthology.engines.weasyprint.render import make_fetcher

    root = tmp_path / "book"
    (root / "images").mkdir(parents=True)
    (root / "images" / "fine.png").write_bytes(PNG)
    (tmp_path / "outside.txt").write_text(SECRET)
    (root / "images" / "leak.png").symlink_to(tmp_path / "outside.txt")
    refused: list[str] = []
    fetcher = make_fetcher([root], refused)
    for url in ("file:///etc/passwd", (root / ".." / "outside.txt").as_uri(),
                "http://127.0.0.1:9/x.png", "https://example.org/x.png",
                (root / "images" / "leak.png").as_uri(), (root / "images").as_uri(),
                "ftp://example.org/x"):
        with pytest.raises(ValueError, match=r"anthology does not|no such file"):
            fetcher.fetch(url)
    assert len(refused) == 7
    response = fetcher.fetch((root / "images" / "fine.png").as_uri())
    assert response.read() == PNG
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_svg_generic_families_ask_for_the_bundled_face() -> None:
    from anthology.engines.weasyprint.render import book_face_svg

    svg = (b'<text font-family="serif">a</text><text font-family=\'sans-serif\'>b</text>'
           b'<text style="font-family: serif; fill: red">c</text>'
           b'<text font-family="Fira Sans">d</text>')
    assert book_face_svg(svg) == (
        b'<text font-family="Charis SIL, serif">a</text>'
        b"<text font-family='Charis SIL, sans-serif'>b</text>"
        b'<text style="font-family: Charis SIL, serif; fill: red">c</text>'
        b'<text font-family="Fira Sans">d</text>')
