"""No byte of a file that is not an image reaches the PDF, the EPUB or the delivery, even from
a forced build; SVGs go in sanitised; the PDF's fetcher serves only the book's images,
stylesheets and fonts."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from anthology.engines.weasyprint.render import make_fetcher
from tests.books import EPOCH
from tests.checks.imagebook import COVER_SECRET, EMAIL, EXPECTED, PNG, TOKEN, bomb_png, image_book
from tests.render.conftest import Built, build

SECRETS = (TOKEN.encode(), EMAIL.encode(), COVER_SECRET.encode(), b"root:x:0:0",
           b"x-access-token")
UNSAFE = (b"<script", b"onload", b"onclick", b"foreignObject", b"@import", b"file:///",
          b".git/config", b"contributors.yaml", b"<iframe")


def pdf_streams(data: bytes) -> list[bytes]:
    """Every stream of a PDF, decompressed, and its text."""
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for item in pdf.objects:
            if isinstance(item, pikepdf.Stream):
                try:
                    found.append(item.read_bytes())
                except pikepdf.PdfError:  # a filter pikepdf cannot undo (images: DCT)
                    found.append(item.read_raw_bytes())
    reader = PdfReader(io.BytesIO(data))
    found.append("\n".join(page.extract_text() for page in reader.pages).encode())
    return found


def contents(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """Every piece of an output to search: zip members (nested too), PDF streams, bytes."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [piece for member in archive.namelist()
                    for piece in contents(f"{name}/{member}", archive.read(member))]
    if data[:5] == b"%PDF-":
        return [(name, stream) for stream in pdf_streams(data)]
    return [(name, data)]


def assert_clean(name: str, data: bytes) -> None:
    for where, piece in contents(name, data):
        for secret in SECRETS:
            assert secret not in piece, f"{secret!r} in {where}"
        if where.endswith(".svg"):
            for unsafe in UNSAFE:
                assert unsafe not in piece, f"{unsafe!r} in {where}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The hostile images book, built despite its errors (--force)."""
    return build(image_book(tmp_path_factory.mktemp("images") / "book"))


@pytest.mark.slow
def test_the_build_reports_each_image_at_its_line(built: Built) -> None:
    found = {(f.line, f.code) for f in built.result.findings
             if f.file == "chapters/03-pictures.md" and f.code.startswith("image.")}
    assert found == {(line, code) for line, (code, _) in EXPECTED.items()}
    assert built.result.refused == []  # nothing was left for the PDF's fetcher to refuse


@pytest.mark.slow
def test_no_byte_of_a_forbidden_file_is_in_the_epub(built: Built) -> None:
    assert_clean("epub", built.epub.read_bytes())
    files = built.epub_files()
    media = sorted(n for n in files if n.startswith("EPUB/media/"))
    # The drawn cover (build.cover is a text file), the real PNG and the five sanitised SVGs.
    assert len(media) == 7 and "EPUB/media/cover.png" in media
    assert files["EPUB/media/cover.png"].startswith(b"\x89PNG")
    svgs = [files[n] for n in media if n.endswith(".svg")]
    assert len(svgs) == 5 and all(svg.startswith(b"<svg ") for svg in svgs)
    text = b"".join(files[n] for n in files if n.endswith(".xhtml"))
    for alt in (b"c", b"p", b"notes", b"bomb", b"xxe"):
        assert b"[Image not included: " + alt + b"]" in text


@pytest.mark.slow
def test_no_byte_of_a_forbidden_file_is_in_the_pdf(built: Built) -> None:
    data = built.pdf.read_bytes()
    assert_clean("pdf", data)
    text = "\n".join(page.extract_text() for page in PdfReader(built.pdf).pages)
    assert "[Image not included: c]" in text and "[Image not included: bomb]" in text
    assert "The end." in text


@pytest.mark.slow
def test_no_byte_of_a_forbidden_file_is_in_the_delivery(built: Built,
                                                        quick_epubcheck: None) -> None:
    from anthology.core.config import load_book
    from anthology.packaging import package_book

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = package_book(load_book(built.root), allow_dirty=True, force=True, draft=True)
    archive = result.zip.read_bytes()
    assert_clean("zip", archive)
    with zipfile.ZipFile(io.BytesIO(archive)) as delivery:
        covers = [n for n in delivery.namelist() if Path(n).name.startswith("cover.")]
        assert [Path(n).name for n in covers] == ["cover.png"]
        assert delivery.read(covers[0]).startswith(b"\x89PNG")  # drawn, not the text file


def test_the_fetcher_serves_only_the_books_images_styles_and_fonts(tmp_path: Path) -> None:
    ours = tmp_path / "anthology-templates"
    ours.mkdir()
    (ours / "book.css").write_text("body {}")
    root = image_book(tmp_path / "book", cover=False)
    (root / "build").mkdir()
    (root / "build" / "book.css").write_text("body {}")
    (root / "styles").mkdir()
    (root / "styles" / "book.css").write_text("p { margin: 0 }")
    refused: list[str] = []
    fetcher = make_fetcher([root, ours], refused)
    urls = [(root / name).as_uri() for name in (
        ".git/config", "contributors.yaml", "book.yaml", "chapters/03-pictures.md",
        "references/book.bib", "build/book.css", "chapters/images/notes.png",
        "chapters/images/bomb.png", "chapters/images/xxe.svg")]
    for url in urls:
        with pytest.raises(ValueError, match=r"anthology does not read"):
            fetcher.fetch(url)
    assert refused == urls
    assert fetcher.fetch((root / "chapters" / "images" / "fine.png").as_uri()).read() == PNG
    assert fetcher.fetch((root / "styles" / "book.css").as_uri()).read() == b"p { margin: 0 }"
    assert fetcher.fetch((ours / "book.css").as_uri()).read() == b"body {}"
    for name in ("script", "onload", "file-href", "foreign", "import"):
        response = fetcher.fetch((root / "chapters" / "images" / f"{name}.svg").as_uri())
        svg = response.read()
        assert svg.startswith(b"<svg ")
        for unsafe in UNSAFE:
            assert unsafe not in svg, (name, unsafe)
    assert len(bomb_png()) < 200


def test_the_epub_embeds_no_image_that_changed_into_something_else(tmp_path: Path) -> None:
    from anthology.chapters.document import str_inlines, stringify
    from anthology.outputs.epub.write import embed_images

    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_text(f"Now a note: {TOKEN}\n")
    (tmp_path / "images" / "b.svg").write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>go()</script><rect/></svg>')
    ast = {"blocks": [{"t": "Para", "c": [
        {"t": "Image", "c": [["i", [], []], str_inlines("A figure"), ["images/a.png", ""]]},
        {"t": "Image", "c": [["", [], []], [], ["images/b.svg", ""]]}]}]}
    para = embed_images(ast, tmp_path)["blocks"][0]["c"]
    assert para[0] == {"t": "Span", "c": [["i", [], []], [
        *str_inlines("[Image not included:"), {"t": "Space"}, *str_inlines("A figure"),
        {"t": "Str", "c": "]"}]]}
    assert stringify(para[0]) == "[Image not included: A figure]"
    url = para[1]["c"][2][0]
    assert url.startswith("data:image/svg+xml;base64,")
    import base64

    svg = base64.b64decode(url.split(",", 1)[1])
    assert b"<rect />" in svg and b"script" not in svg
