"""Finding the book folder and reading its YAML files: decoded, parsed (or taken from the cache
of files parsed before) and checked for their format version, each problem a Finding."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from anthology.core.config.keys import describe
from anthology.core.errors import ConfigError
from anthology.core.findings import Finding, error
from anthology.core.model import FORMAT_VERSION
from anthology.core.yamlio import (
    YamlError,
    YDict,
    document_from_json,
    document_to_json,
    load_yaml,
    parser_identity,
)

BOOK_FILE = "book.yaml"
CONTRIBUTORS_FILE = "contributors.yaml"
CHAPTERS_FILE = "chapters.yaml"
ENV_BOOK = "ANTHOLOGY_BOOK"



def find_book_root(start: Path, explicit: Path | None = None) -> Path:
    """The book folder: `--book`, else `ANTHOLOGY_BOOK`, else the nearest parent with book.yaml."""
    chosen = explicit or (Path(os.environ[ENV_BOOK]) if os.environ.get(ENV_BOOK) else None)
    if chosen is not None:
        if not (chosen / BOOK_FILE).is_file():
            raise ConfigError(f"{chosen} is not a book folder: it has no {BOOK_FILE}. "
                              "Give the folder that holds book.yaml, or run `anthology init "
                              f"{chosen}` to start a new book there.")
        return chosen.resolve()
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / BOOK_FILE).is_file():
            return folder
    raise ConfigError(f"No book found: neither {here} nor any folder above it has a {BOOK_FILE}. "
                      "Run anthology inside a book folder, pass --book DIR, or start a new book "
                      "with `anthology init DIR`.")



class ParsedFiles:
    """The book's YAML files as parsed before, under build/.cache/yaml: one entry per file,
    trusted only when its key (the file's text, anthology's version and the parser's code)
    matches, so an unchanged file is not parsed again. PyYAML's pure-Python parser (needed for
    the line numbers) is most of a command's time on a big book otherwise.

    Entries are written only once the whole book has loaded without a problem (a bad
    configuration changes nothing), and only where a command has made the cache folder already,
    unless the command is about to fill it anyway (`keep_parsed`).
    """

    def __init__(self, root: Path) -> None:
        from anthology.core.cache import Cache

        self.cache = Cache(root / "build" / ".cache")
        self.fresh: list[tuple[str, dict[str, Any]]] = []

    @staticmethod
    def _slot(name: str) -> str:
        from anthology.core.cache import digest

        return digest("yaml-slot", name)

    def load(self, name: str, text: str) -> Any:
        """`load_yaml(text)`, from the cache when the text was parsed before."""
        key = _parse_key(text)
        slot = self._slot(name)
        try:
            stored = self.cache.get_json("yaml", slot)
        except OSError:
            stored = None
        if isinstance(stored, dict) and stored.get("key") == key:
            with contextlib.suppress(ValueError, TypeError, IndexError, KeyError):
                return document_from_json(stored["data"])
        data = load_yaml(text)
        self.fresh.append((slot, {"key": key, "data": document_to_json(data)}))
        return data

    def save(self, create: bool = False) -> None:
        """Store what was parsed afresh, in a cache folder that exists (or is `create`d); a
        cache that cannot be written is left alone."""
        if not self.fresh or not (create or self.cache.folder.is_dir()):
            return
        for slot, value in self.fresh:
            with contextlib.suppress(OSError, UnicodeError):
                self.cache.put_json("yaml", slot, value)
        self.fresh = []


def _parse_key(text: str) -> str:
    from anthology import __version__
    from anthology.core.cache import digest

    return digest("yaml", __version__, parser_identity(), text)


def read_yaml(root: Path, name: str, findings: list[Finding], required: bool,
              texts: Mapping[str, str] | None = None,
              parsed: ParsedFiles | None = None) -> YDict | None:
    """One YAML file of the book as a mapping with lines, or None and a Finding."""
    path = root / name
    if texts is not None and name in texts:
        text = texts[name]
        parsed = None  # text about to be written, not the file's
    elif not path.exists():
        if required:
            findings.append(error("config.missing-file", name, None, f"{name} is missing.",
                                  "Create it (run `anthology init` in an empty folder to see "
                                  "an example)."))
        return None
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[:exc.start].count(b"\n") + 1
            findings.append(error("config.encoding", name, line,
                                  f"is not UTF-8 text (byte {exc.start}).",
                                  "Save the file as UTF-8 in your editor."))
            return None
        except OSError as exc:
            findings.append(unreadable(name, exc))
            return None
    try:
        data = parsed.load(name, text) if parsed is not None else load_yaml(text)
    except YamlError as exc:
        code = "config.conflict" if "conflict" in exc.message else "config.yaml"
        findings.append(error(code, name, exc.line, f"{name} {exc.message}", exc.hint or None))
        return None
    if data is None:
        data = YDict()
        data.line, data.key_lines = 1, {}
    if not isinstance(data, YDict):
        findings.append(error("config.type", name, 1, f"{name} should be a set of keys such as "
                              "'title: ...', not a list or a single value.",
                              "Compare it with the example in the README."))
        return None
    version = data.get("format", FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        findings.append(error("config.type", name, data.line_of("format"),
                              f"'format' should be a whole number such as {FORMAT_VERSION}, not "
                              f"{describe(version)}.", f"Write: format: {FORMAT_VERSION}"))
        return None
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        from anthology.core.installation import running_installation

        findings.append(error("config.format", name, data.line_of("format"),
                              f"{name} was written by a newer version of anthology "
                              f"(format {version}; this version reads format {FORMAT_VERSION}).",
                              "Upgrade anthology before using it on this book: "
                              f"{running_installation().upgrade_line}."))
        return None
    return data


def unreadable(name: str, exc: OSError, code: str = "config.unreadable") -> Finding:
    """The finding for a file that exists but cannot be read (permissions, a folder)."""
    if isinstance(exc, IsADirectoryError) or Path(name).is_dir():
        return error(code, name, None, f"{name} is a folder, not a file.",
                     "Put the file itself at this path.")
    if isinstance(exc, PermissionError):
        return error(code, name, None, f"{name} cannot be read: permission denied.",
                     f"Let your user read it (for example: chmod u+rw {name}).")
    return error(code, name, None, f"{name} cannot be read: "
                 f"{(exc.strerror or str(exc)).lower()}.", "Check the file and the disk.")


def inside_path(root: Path, path: Path) -> bool:
    """Whether `path` is inside the book folder."""
    from anthology.core.files import is_inside

    return is_inside(root, path)


def inside_file(root: Path, name: str) -> bool:
    """Whether `name` is a file inside the book folder."""
    from anthology.core.files import resolve_inside

    return resolve_inside(root, root, name) is not None
