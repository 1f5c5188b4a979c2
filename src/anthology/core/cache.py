"""A content-addressed cache under build/.cache/: entries are written atomically, so an
interrupted build never leaves an entry a later build would trust.

Kinds of entry: `ast` (pandoc's parse of a text), `cite` (citeproc's result), `bibfile` (a
bibliography read by pandoc), `check` (a chapter's check result), `math` (a formula typeset as
SVG), `chapter` and `chapter-ast` (a prepared chapter, its AST apart), `html` (a chapter's HTML
sections for print), `xhtml` (a chapter's EPUB file), `epub-skeleton` (the EPUB without its
chapters), `cover` (the drawn cover), `layout` (a laid-out piece of the PDF: pages, anchors,
bookmarks) and `part` (a piece's PDF: laid out without margins, its running heads and folios
for a first page, or both laid over each other). Compiled templates are kept in `jinja/`. Each
key is a digest of everything its product depends on; see `chapter_key` in chapters/prepare.py
and in outputs/epub/write.py, and the keys of outputs/book/, for what goes into each.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import orjson

from anthology.core.files import atomic_write_bytes

CACHE_VERSION = "1"


def digest(*parts: str | bytes) -> str:
    """A SHA-256 over the parts, each length-prefixed so that boundaries count."""
    h = hashlib.sha256(CACHE_VERSION.encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def dump_json(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON, in its own key order (orjson, for speed: a cold build
    writes every chapter's AST; keys that are not strings are written as strings, as `json`
    does). What orjson will not write goes through `json`: an integer beyond 64 bits is
    written, text UTF-8 cannot hold (a lone surrogate, from a YAML escape) raises
    UnicodeEncodeError."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Cache:
    """JSON and bytes entries by key; `enabled=False` reads nothing but still writes."""

    def __init__(self, folder: Path, enabled: bool = True) -> None:
        self.folder = folder
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    def _path(self, kind: str, key: str, suffix: str) -> Path:
        return self.folder / kind / key[:2] / f"{key}{suffix}"

    def get_bytes(self, kind: str, key: str, suffix: str = ".bin") -> bytes | None:
        """The stored bytes, or None."""
        path = self._path(kind, key, suffix)
        if self.enabled and path.is_file():
            self.hits += 1
            return path.read_bytes()
        self.misses += 1
        return None

    def path_of(self, kind: str, key: str, suffix: str = ".bin") -> Path | None:
        """Where a stored entry is, or None (always None when the cache is not read)."""
        path = self._path(kind, key, suffix)
        if self.enabled and path.is_file():
            self.hits += 1
            return path
        self.misses += 1
        return None

    def put_bytes(self, kind: str, key: str, data: bytes, suffix: str = ".bin") -> Path:
        """Store bytes atomically; return where."""
        path = self._path(kind, key, suffix)
        atomic_write_bytes(path, data)
        return path

    def get_json(self, kind: str, key: str) -> Any:
        """The stored JSON value, or None."""
        data = self.get_bytes(kind, key, ".json")
        if data is None:
            return None
        try:
            return orjson.loads(data)
        except ValueError:  # a damaged entry is a miss, never trusted
            return None

    def put_json(self, kind: str, key: str, value: Any) -> None:
        """Store a JSON value atomically."""
        self.put_bytes(kind, key, dump_json(value), ".json")
