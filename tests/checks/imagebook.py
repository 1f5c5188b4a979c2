"""A small book in a real git repository whose chapter names, as images, files that are not
images (git's config with an access token, contributors.yaml, a text file, a decompression
bomb) and SVGs that try to run code or read files: tests/fixtures/hostile/98-images.md."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

from tests.conftest import BOOK_YAML, CHAPTERS_YAML, CONTRIBUTORS_YAML, FIXTURES, write_book

TOKEN = "ghp_IMAGESLEAKtoken0123456789"
REMOTE = f"https://x-access-token:{TOKEN}@github.com/press/book.git"
EMAIL = "ben.writer@example.org"
COVER_SECRET = "COVER-NOT-AN-IMAGE-5d1e"
CHAPTER = (FIXTURES / "hostile" / "98-images.md").read_text(encoding="utf-8")
# 1 x 1 pixel, grey.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082")
# Each finding the chapter gets from the images, by line.
EXPECTED = {
    8: ("image.not-an-image", "uses the image ../.git/config, which is inside .git/, a folder "
        "the book never takes images from."),
    10: ("image.not-an-image", "uses the image ../contributors.yaml, which is the book's list "
         "of contributors, not an image."),
    12: ("image.not-an-image", "uses the image images/notes.png, which is not a PNG image: its "
         "contents do not match its name."),
    14: ("image.too-large", "uses the image images/bomb.png, which is 30,000 x 30,000 pixels "
         "(900 megapixels); the limit is 50 megapixels."),
    16: ("image.not-an-image", "uses the image images/xxe.svg, which is not a usable SVG "
         "image: it declares an entity (passwd), which an image may not."),
    18: ("image.svg-unsafe", "uses the SVG image images/script.svg, which contains a script; "
         "the book prints it without them."),
    20: ("image.svg-unsafe", "uses the SVG image images/onload.svg, which contains an event "
         "handler (onclick) and an event handler (onload); the book prints it without them."),
    22: ("image.svg-unsafe", "uses the SVG image images/file-href.svg, which contains a "
         "reference to file:///etc/passwd, a reference to ../../.git/config and a reference "
         "to ../../contributors.yaml#x; the book prints it without them."),
    24: ("image.svg-unsafe", "uses the SVG image images/foreign.svg, which contains embedded "
         "HTML (foreignObject); the book prints it without them."),
    26: ("image.svg-unsafe", "uses the SVG image images/import.svg, which contains a "
         "stylesheet @import and a stylesheet link to file:///etc/passwd; the book prints it "
         "without them."),
}


def bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A well-formed PNG declaring `width` x `height` pixels over a tiny IDAT (0.1 kB)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def git(root: Path, *args: str) -> None:
    """git in `root`, with no user or system configuration."""
    env = {**os.environ, "HOME": str(root.parent), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=Ada Editor", "-c",
                    "user.email=ada@example.ac.uk", "-c", "commit.gpgsign=false", "-c",
                    "init.defaultBranch=main", *args], check=True, capture_output=True, env=env)


def image_book(root: Path, cover: bool = True) -> Path:
    """The book, committed, with a remote whose URL carries an access token; with `cover`,
    book.yaml's build.cover names a text file called cover.png."""
    chapters = CHAPTERS_YAML + ("  - id: pictures\n    title: Pictures from everywhere\n"
                                "    authors: [ben-writer]\n    file: chapters/03-pictures.md\n"
                                "    status: draft\n")
    book_yaml = BOOK_YAML + ("build:\n  cover: covers/cover.png\n" if cover else "")
    write_book(root, {"chapters/03-pictures.md": CHAPTER, "chapters.yaml": chapters,
                      "book.yaml": book_yaml, "contributors.yaml": CONTRIBUTORS_YAML})
    images = root / "chapters" / "images"
    shutil.copytree(FIXTURES / "hostile" / "images", images)
    (images / "notes.png").write_text(f"Notes to self: {REMOTE}\n", encoding="utf-8")
    (images / "bomb.png").write_bytes(bomb_png())
    (images / "fine.png").write_bytes(PNG)
    (root / "covers").mkdir()
    (root / "covers" / "cover.png").write_text(COVER_SECRET + "\n", encoding="utf-8")
    (root / ".gitignore").write_text("/build/\n")
    git(root, "init", "-q")
    git(root, "remote", "add", "origin", REMOTE)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "The book")
    assert TOKEN in (root / ".git" / "config").read_text()
    return root
