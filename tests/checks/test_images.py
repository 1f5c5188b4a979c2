"""`anthology check` on a chapter naming files that are not images, a decompression bomb and
unsafe SVGs: each reported at its line, and the check fails."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from anthology.cli import cli
from tests.checks.imagebook import EXPECTED, image_book


def check(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--book", str(root), "check", *args])
    return result.exit_code, result.stdout


def test_every_image_that_is_not_one_is_reported_at_its_line(tmp_path: Path) -> None:
    root = image_book(tmp_path / "book")
    started = time.perf_counter()
    code, out = check(root, "--format", "json")
    assert time.perf_counter() - started < 30  # the bomb is read from its header only
    assert code == 1
    found = {(f["line"], f["code"], f["message"]) for f in json.loads(out)
             if f["file"] == "chapters/03-pictures.md" and f["code"].startswith("image.")}
    assert found == {(line, c, message) for line, (c, message) in EXPECTED.items()}
    cover = [f for f in json.loads(out) if f["file"] == "book.yaml"]
    assert cover == [{
        "severity": "error", "code": "image.not-an-image", "file": "book.yaml", "line": 20,
        "column": None, "chapter": None,
        "message": "build.cover names covers/cover.png, which is not a PNG image: its contents "
                   "do not match its name. The EPUB gets a drawn cover instead.",
        "hint": "Open it in an image editor and export it again as PNG."}]


def test_the_messages_say_how_to_fix_them(tmp_path: Path) -> None:
    root = image_book(tmp_path / "book", cover=False)
    _, out = check(root, "-q")
    lines = [line for line in out.splitlines() if "[image." in line]
    assert lines[0] == (
        "chapters/03-pictures.md:8:4: error: uses the image ../.git/config, which is inside "
        ".git/, a folder the book never takes images from. Put the image in the chapter's "
        "images/ folder and refer to it there, for example ![Caption](images/figure.png). "
        "[image.not-an-image]")
    assert (
        "chapters/03-pictures.md:14:7: error: uses the image images/bomb.png, which is 30,000 x "
        "30,000 pixels (900 megapixels); the limit is 50 megapixels. Scale it down and export "
        "it again: 4,000 x 3,000 pixels is plenty for a full page in print. [image.too-large]"
    ) in lines
    assert (
        "chapters/03-pictures.md:18:9: warning: uses the SVG image images/script.svg, which "
        "contains a script; the book prints it without them. Export the figure again as plain "
        "SVG, without scripts, links to other files or embedded web pages (in Inkscape: Save "
        "As, Plain SVG), or as PNG. [image.svg-unsafe]") in lines
    assert len(lines) == len(EXPECTED)


def test_a_cached_check_sees_an_image_replaced(tmp_path: Path) -> None:
    root = image_book(tmp_path / "book", cover=False)
    chapter = root / "chapters" / "03-pictures.md"
    chapter.write_text("---\ntitle: Pictures from everywhere\nauthors: [ben-writer]\n---\n\n"
                       "![fine](images/fine.png)\n", encoding="utf-8")
    assert check(root, "-q") == (0, "")
    (root / "chapters" / "images" / "fine.png").write_text("not a picture any more\n")
    code, out = check(root, "-q")
    assert code == 1 and "[image.not-an-image]" in out
