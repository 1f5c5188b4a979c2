"""Images from their headers: format by magic bytes, pixel size before any decoding, places
no image comes from, SVGs parsed without entities and sanitised."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from PIL import Image

from anthology.core.images import cover_findings, inspect_bytes, inspect_image, printable_image
from anthology.core.raster import MAX_PIXELS, ImageInfo, ImageProblem
from anthology.core.svg import SvgError, sanitise_svg


def chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk with its CRC."""
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_declaring(width: int, height: int) -> bytes:
    """A well-formed PNG whose header declares `width` x `height` over a tiny IDAT: what a
    decompression bomb looks like to anything that reads only the header."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def encoded(fmt: str, size: tuple[int, int] = (3, 2), mode: str = "RGB", **options: object
            ) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white").save(out, format=fmt, **options)
    return out.getvalue()


def write(root: Path, name: str, data: bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path.resolve()


@pytest.mark.parametrize(("fmt", "name", "options", "mode", "kind"), [
    ("PNG", "a.png", {}, "RGB", "PNG"),
    ("JPEG", "a.jpg", {}, "RGB", "JPEG"),
    # EXIF before the frame: the walk skips segments by their lengths.
    ("JPEG", "a.jpeg", {"exif": b"Exif\0\0" + b"\0" * 5000, "progressive": True}, "RGB",
     "JPEG"),
    ("GIF", "a.gif", {}, "RGB", "GIF"),
    ("WEBP", "lossy.webp", {}, "RGB", "WebP"),  # VP8
    ("WEBP", "lossless.webp", {"lossless": True}, "RGB", "WebP"),  # VP8L
    ("WEBP", "alpha.webp", {"exif": b"Exif\0\0x"}, "RGBA", "WebP"),  # VP8X
])
def test_real_images_and_their_sizes(tmp_path: Path, fmt: str, name: str,
                                     options: dict[str, object], mode: str, kind: str) -> None:
    data = encoded(fmt, (1234, 567), mode, **options)
    assert inspect_image(tmp_path, write(tmp_path, f"chapters/images/{name}", data)) == \
        ImageInfo(kind, 1234, 567)


@pytest.mark.parametrize(("name", "data", "what"), [
    (".git/config", b"[remote]\n", "is inside .git/, a folder the book never takes images "
     "from"),
    (".git/x.png", b"", "is inside .git/, a folder the book never takes images from"),
    (".venv/lib/a.png", b"", "is inside .venv/, a folder the book never takes images from"),
    ("build/.cache/a.png", b"", "is inside build/, a folder the book never takes images from"),
    ("chapters/.a.png", b"", "is a hidden file, which the book never prints"),
    ("contributors.yaml", b"", "is the book's list of contributors, not an image"),
    ("book.yaml", b"", "is the book's settings, not an image"),
    ("chapters.yaml", b"", "is the book's plan of chapters, not an image"),
    ("chapters/02-peer.md", b"", "is not an image: only .png, .jpg, .jpeg, .gif, .webp and "
     ".svg files can be"),
    ("references/book.bib", b"", "is not an image: only .png, .jpg, .jpeg, .gif, .webp and "
     ".svg files can be"),
    ("chapters/images/notes.png", b"These are my notes, not a picture.\n",
     "is not a PNG image: its contents do not match its name"),
    ("chapters/images/photo.png", encoded("JPEG"), "is not a PNG image but a JPEG one"),
    ("chapters/images/cut.png", b"\x89PNG\r\n\x1a\n\0\0", "is not a readable PNG image: its "
     "header is damaged"),
    ("chapters/images/cut.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF", "is not a readable JPEG image: "
     "its header is damaged"),
    ("chapters/images/x.svg", b'<!DOCTYPE svg [<!ENTITY x "y">]><svg/>', "is not a usable SVG "
     "image: it declares an entity (x), which an image may not"),
])
def test_what_is_not_an_image(tmp_path: Path, name: str, data: bytes, what: str) -> None:
    found = inspect_image(tmp_path, write(tmp_path, name, data))
    assert isinstance(found, ImageProblem)
    assert (found.code, found.what) == ("image.not-an-image", what)
    assert printable_image(tmp_path, tmp_path / name) is None


def test_a_decompression_bomb_is_refused_from_its_header_quickly(tmp_path: Path) -> None:
    path = write(tmp_path, "chapters/images/bomb.png", png_declaring(30_000, 30_000))
    tracemalloc.start()
    started = time.perf_counter()
    found = inspect_image(tmp_path, path)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found == ImageProblem(
        "image.too-large", "is 30,000 x 30,000 pixels (900 megapixels); the limit is 50 "
        "megapixels", "Scale it down and export it again: 4,000 x 3,000 pixels is plenty for "
        "a full page in print.")
    assert elapsed < 0.5 and peak < 1024 * 1024  # read the header, decoded nothing
    assert printable_image(tmp_path, path) is None


def test_the_pixel_limit_is_inclusive() -> None:
    assert isinstance(inspect_bytes(png_declaring(MAX_PIXELS // 1000, 1000), "PNG"), ImageInfo)
    assert isinstance(inspect_bytes(png_declaring(MAX_PIXELS // 1000 + 1, 1000), "PNG"),
                      ImageProblem)


def test_webp_and_gif_bombs_are_read_from_their_headers() -> None:
    gif = b"GIF89a" + struct.pack("<HH", 65_535, 65_535) + b"\0" * 20
    vp8x = (b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8X" + struct.pack("<I", 10) + b"\0" * 4
            + (16_383).to_bytes(3, "little") * 2)
    for data, kind in ((gif, "GIF"), (vp8x, "WebP")):
        found = inspect_bytes(data, kind)
        assert isinstance(found, ImageProblem) and found.code == "image.too-large"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">%s</svg>'


@pytest.mark.parametrize(("body", "removed", "gone"), [
    (b"<script>alert(1)</script><rect/>", ("a script",), b"alert"),
    (b'<rect onload="alert(1)" onclick="go()"/>', ("an event handler (onload)",
                                                  "an event handler (onclick)"), b"alert"),
    (b'<image href="file:///etc/passwd"/>', ("a reference to file:///etc/passwd",), b"passwd"),
    (b'<image xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="../contributors.yaml"/>',
     ("a reference to ../contributors.yaml",), b"contributors"),
    (b'<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">Hi <iframe src="file:///etc/'
     b'passwd"/></p></foreignObject>', ("embedded HTML (foreignObject)",), b"iframe"),
    (b"<style>@import url(file:///etc/passwd); rect { fill: u\\72l(../.git/config) }</style>",
     ("a stylesheet @import", "a stylesheet link to ../.git/config"), b"config"),
    (b'<rect style="fill: url(\'http://127.0.0.1:9/x\')" mask="url(file:///m)"/>',
     ("a stylesheet link to http://127.0.0.1:9/x", "a stylesheet link to file:///m"),
     b"127.0.0.1"),
    (b'<set attributeName="href" to="javascript:alert(1)"/>', ("an animation",), b"javascript"),
    (b'<include xmlns="http://www.w3.org/2001/XInclude" href="/etc/passwd"/>',
     ("a reference to another file (XInclude)",), b"passwd"),
])
def test_svgs_are_sanitised(body: bytes, removed: tuple[str, ...], gone: bytes) -> None:
    clean, said = sanitise_svg(SVG % body)
    assert said == removed
    assert gone not in clean
    assert clean.startswith(b"<svg ")
    assert sanitise_svg(clean)[1] == ()  # what is left is clean


def test_a_clean_svg_keeps_its_drawing() -> None:
    body = (b'<defs><linearGradient id="g" /></defs><use href="#g" /><text x="1" '
            b'font-family="serif" fill="url(#g)">Hi <tspan>there</tspan></text>')
    clean, said = sanitise_svg(SVG % body)
    assert said == ()
    assert clean == (b'<svg width="10" height="10" xmlns="http://www.w3.org/2000/svg">' + body
                     + b"</svg>")


def test_an_embedded_raster_image_is_kept_only_if_it_passes_inspection() -> None:
    import base64

    good = base64.b64encode(encoded("PNG")).decode()
    bomb = base64.b64encode(png_declaring(30_000, 30_000)).decode()
    body = (f'<image href="data:image/png;base64,{good}"/>'
            f'<image href="data:image/png;base64,{bomb}"/>'
            '<image href="data:image/svg+xml,%3Csvg/%3E"/>').encode()
    clean, said = sanitise_svg(SVG % body)
    assert good.encode() in clean and bomb.encode() not in clean and b"svg+xml" not in clean
    assert len(said) == 2


@pytest.mark.parametrize(("data", "message"), [
    (b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
     "it declares an entity (xxe), which an image may not"),
    (b'<!DOCTYPE svg [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><svg/>',
     "it declares an entity (p), which an image may not"),
    (b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg>&b;</svg>',
     "it declares an entity (a), which an image may not"),
    (b"<svg>&undefined;</svg>", "it is not well-formed XML (line 1, column 6)"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'>\n<rect>\n</svg>",
     "it is not well-formed XML (line 3, column 3)"),
    (b"<html><body/></html>", "its outermost element is <html>, not <svg> in the SVG namespace"),
])
def test_svgs_that_cannot_be_parsed_safely(data: bytes, message: str) -> None:
    with pytest.raises(SvgError) as raised:
        sanitise_svg(data)
    assert str(raised.value) == message


def test_a_doctype_is_read_but_never_loaded_and_left_out() -> None:
    public = (b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
              b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
              b'<svg xmlns="http://www.w3.org/2000/svg"><rect /></svg>')
    assert sanitise_svg(public) == (b'<svg xmlns="http://www.w3.org/2000/svg"><rect /></svg>',
                                    ())
    assert sanitise_svg(b'<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg><rect /></svg>')[0] \
        == b'<svg xmlns="http://www.w3.org/2000/svg"><rect /></svg>'
    # What the DOCTYPE adds to elements is sanitised like the rest.
    defaults = b'<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]><svg><rect /></svg>'
    assert sanitise_svg(defaults) == (b'<svg xmlns="http://www.w3.org/2000/svg"><rect /></svg>',
                                      ("an event handler (onload)",))


def test_an_svg_without_xmlns_gets_one() -> None:
    clean, said = sanitise_svg(b'<svg width="1"><rect/></svg>')
    assert said == ()
    assert clean.endswith(b'<svg width="1" xmlns="http://www.w3.org/2000/svg"><rect /></svg>')


def test_the_cover_is_inspected_like_any_image(tmp_path: Path) -> None:
    (tmp_path / "book.yaml").write_text("title: T\nbuild:\n  cover: covers/front.png\n")
    write(tmp_path, "covers/front.png", b"[remote]\nurl = https://token@example.org\n")
    write(tmp_path, "covers/bomb.png", png_declaring(30_000, 30_000))
    assert [f.to_text() for f in cover_findings(tmp_path, "covers/front.png")] == [
        "book.yaml:3: error: build.cover names covers/front.png, which is not a PNG image: its "
        "contents do not match its name. The EPUB gets a drawn cover instead. Open it in an "
        "image editor and export it again as PNG. [image.not-an-image]"]
    assert [f.to_text() for f in cover_findings(tmp_path, "contributors.yaml")] == [
        "book.yaml:3: error: build.cover names contributors.yaml, which is not a file inside "
        "the book folder. Name a PNG, JPEG or SVG image inside the book in build.cover (for "
        "example covers/front.png), or remove build.cover to have a cover drawn. "
        "[image.missing]"]
    (tmp_path / "contributors.yaml").write_text("contributors: []\n")
    assert [f.to_text() for f in cover_findings(tmp_path, "contributors.yaml")] == [
        "book.yaml:3: error: build.cover names contributors.yaml, which is the book's list of "
        "contributors, not an image. The EPUB gets a drawn cover instead. Name a PNG, JPEG or "
        "SVG image inside the book in build.cover (for example covers/front.png), or remove "
        "build.cover to have a cover drawn. [image.not-an-image]"]
    assert [f.code for f in cover_findings(tmp_path, "covers/bomb.png")] == ["image.too-large"]
    write(tmp_path, "covers/front.svg", SVG % b'<rect onclick="go()"/>')
    assert [f.to_text() for f in cover_findings(tmp_path, "covers/front.svg")] == [
        "book.yaml:3: warning: build.cover names covers/front.svg, which contains an event "
        "handler (onclick); the EPUB shows it without them. Export the figure again as plain "
        "SVG, without scripts, links to other files or embedded web pages (in Inkscape: Save "
        "As, Plain SVG), or as PNG. [image.svg-unsafe]"]
    assert cover_findings(tmp_path, None) == []


def test_a_symlink_to_git_config_is_refused_where_it_leads(tmp_path: Path) -> None:
    from anthology.chapters.document import Locator, each, stringify
    from anthology.chapters.prepare import parse_markdown
    from anthology.chapters.safety import sanitize
    from anthology.core.cache import Cache

    write(tmp_path, ".git/config", b'[remote "origin"]\n\turl = https://token@example.org\n')
    (tmp_path / "chapters" / "images").mkdir(parents=True)
    (tmp_path / "chapters" / "images" / "chart.png").symlink_to(tmp_path / ".git" / "config")
    text = "Some text.\n\n![A chart](images/chart.png)\n"
    locator = Locator("chapters/x.md", text, 5, "x")
    ast = sanitize(parse_markdown(text, "test", Cache(tmp_path / "cache")), locator, tmp_path,
                   tmp_path / "chapters")
    assert each(ast, "Image") == []
    assert "[Image not included: A chart]" in stringify(ast["blocks"])
    assert [f.to_text() for f in locator.findings] == [
        "chapters/x.md:7: error: uses the image images/chart.png, which is inside .git/, a "
        "folder the book never takes images from. Put the image in the chapter's images/ "
        "folder and refer to it there, for example ![Caption](images/figure.png). "
        "[image.not-an-image]"]


def test_the_rules_are_in_the_chapters_cache_key(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.chapters import prepare as chapter

    write(tmp_path, "chapters/images/a.png", encoded("PNG"))
    before = chapter.image_digest(tmp_path, tmp_path / "chapters", "![a](images/a.png)")
    monkeypatch.setattr(chapter, "IMAGE_RULES", "test")
    assert chapter.image_digest(tmp_path, tmp_path / "chapters", "![a](images/a.png)") != before


def test_a_file_over_the_byte_limit_is_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, "chapters/images/scan.png", png_declaring(10, 10))
    with path.open("ab") as handle:
        handle.truncate(40 * 1024 * 1024)  # sparse: nothing is read
    assert inspect_image(tmp_path, path) == ImageProblem(
        "image.too-large", "is 40.0 MB; an image may be at most 32 MB", "Export it again at a "
        "lower resolution or with more compression (a figure rarely needs more than 5 MB).")
