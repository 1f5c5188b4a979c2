"""contributors.yaml and chapters.yaml: read, change one record, write back without losing data.

Every change runs inside `editing(root)`:

1. take the book's lock (`<book>/.anthology.lock`), so two commands at once cannot lose an update;
   when it is busy, wait a little, then say who holds it;
2. sweep temporary files a killed writer left behind;
3. load and validate the whole book (a file with merge-conflict markers or a newer format is
   refused here, before anything is written);
4. let the caller change records;
5. validate the new text as the book it would make, then write each changed file atomically
   (temporary file, fsync, `os.replace`, fsync the folder).

Hand edits survive: a changed file is rewritten record by record, and within a changed record
key by key, so untouched records and untouched keys keep their exact text (comments, quoting,
flow style). New or changed keys are written in a stable form, one history event per line.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import getpass
import os
import re
import socket
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anthology.core.config import CHAPTERS_FILE, CONTRIBUTORS_FILE, load_book, load_book_texts
from anthology.core.errors import AnthologyError
from anthology.core.files import atomic_write_text, sweep_temp_files
from anthology.core.model import FORMAT_VERSION, Book, Event, Review
from anthology.core.yamlio import YDict, YList, dump_yaml, dump_yaml_inline, load_yaml

LOCK_FILE = ".anthology.lock"
LOCK_TIMEOUT = 10.0

CONTRIBUTOR_ORDER = ("id", "name", "sort_name", "emails", "affiliation", "orcid", "roles", "bio")
CHAPTER_ORDER = ("id", "title", "authors", "file", "part", "status", "word_limit", "due",
                 "history", "reviews")

_ITEM_START = re.compile(r"^(\s*-\s+)\S")
_SCALARS = (str, int, float, bool, dt.date, type(None))


def lock_timeout() -> float:
    """Seconds to wait for the book's lock (ANTHOLOGY_LOCK_TIMEOUT overrides, for tests)."""
    value = os.environ.get("ANTHOLOGY_LOCK_TIMEOUT")
    try:
        return float(value) if value else LOCK_TIMEOUT
    except ValueError:
        return LOCK_TIMEOUT


def _holder_text() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name in this environment
        user = "someone"
    command = " ".join(["anthology", *sys.argv[1:]])[:200]
    started = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return f"{user} on {socket.gethostname()} (process {os.getpid()}, `{command}`, " \
           f"since {started})"


def _record_holder(fd: int) -> None:
    # Written into the lock file itself, so that a waiting command can say who holds the lock.
    data = _holder_text().encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


@contextlib.contextmanager
def book_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the book's lock; raise AnthologyError naming the holder if it stays busy."""
    from filelock import FileLock, Timeout

    wait = lock_timeout() if timeout is None else timeout
    path = root / LOCK_FILE
    lock = FileLock(path, timeout=wait, on_acquired=_record_holder)
    try:
        lock.acquire()
    except Timeout:
        try:
            holder = path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            holder = ""
        who = holder or "another anthology command"
        raise AnthologyError(
            f"Another anthology command is changing this book: {who}. Waited {wait:g} seconds "
            "for it to finish; nothing was changed. Run the command again when it has finished."
        ) from None
    try:
        yield
    finally:
        lock.release()


def with_fields(record: dict[str, Any], item: Event | Review,
                optional: Sequence[str]) -> dict[str, Any]:
    """`record` with those of `item`'s `optional` fields that are set, and `forced: true` if
    `item` was forced: the form of an event or a review in chapters.yaml."""
    for key in optional:
        value = getattr(item, key)
        if value is not None:
            record[key] = value
    if item.forced:
        record["forced"] = True
    return record


def event_record(event: Event) -> dict[str, Any]:
    """A history event as it is written in chapters.yaml (empty fields left out)."""
    return with_fields({"date": event.date, "state": event.state.value}, event,
                       ("by", "note", "commit", "round"))


def _is_scalar(value: Any) -> bool:
    return isinstance(value, _SCALARS)


def _render_key(key: str, value: Any) -> list[str]:
    """One key of a record, unindented: short lists and mappings on one line, history events
    and reviews one per line, long text as YAML wraps it."""
    if key in ("history", "reviews") and isinstance(value, list) and value:
        return [f"{key}:", *(f"  - {dump_yaml_inline(item)}" for item in value)]
    if (isinstance(value, list) and all(_is_scalar(v) for v in value)) or (
            isinstance(value, dict) and all(_is_scalar(v) for v in value.values())):
        return [f"{key}: {dump_yaml_inline(value)}"]
    return dump_yaml({key: value}).rstrip("\n").split("\n")


def _ordered_keys(original: Sequence[str], keys: Sequence[str], canonical: Sequence[str]
                  ) -> list[str]:
    """`keys` in their original order; a new key goes where the canonical order puts it."""
    order = [k for k in original if k in keys]
    for key in keys:
        if key in order:
            continue
        rank = canonical.index(key) if key in canonical else len(canonical)
        position = len(order)
        for index, existing in enumerate(order):
            if existing in canonical and canonical.index(existing) > rank:
                position = index
                break
        order.insert(position, key)
    return order


@dataclass
class _Entry:
    data: dict[str, Any]
    origin: int | None  # index of the record in the file as read, if it came from there


class RecordFile:
    """One YAML file holding a list of records (`contributors:` or `chapters:`)."""

    def __init__(self, name: str, text: str, list_key: str, canonical: Sequence[str]) -> None:
        self.name = name
        self.text = text
        self.list_key = list_key
        self.canonical = tuple(canonical)
        parsed = load_yaml(text) if text.strip() else None
        if not isinstance(parsed, YDict):
            parsed = YDict({"format": FORMAT_VERSION, list_key: YList()})
            parsed.line, parsed.key_lines = 1, {}
        self.doc: YDict = parsed
        items = self.doc.get(list_key)
        self._original: list[YDict] = [i for i in items if isinstance(i, YDict)] if isinstance(
            items, YList) else []
        self._entries = [_Entry(copy.deepcopy(dict(item)), index)
                         for index, item in enumerate(self._original)]
        self.changed = False

    @classmethod
    def read(cls, path: Path, list_key: str, canonical: Sequence[str]) -> RecordFile:
        """Read the file at `path` (an absent file is an empty list)."""
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        return cls(path.name, text, list_key, canonical)

    # Reading and changing records

    def ids(self) -> list[str]:
        """The ids of the records, in file order."""
        return [str(e.data.get("id")) for e in self._entries]

    def index(self, ident: str) -> int:
        """The position of the record with this id (KeyError if none)."""
        for index, entry in enumerate(self._entries):
            if entry.data.get("id") == ident:
                return index
        raise KeyError(ident)

    def get(self, ident: str) -> dict[str, Any]:
        """A copy of the record with this id, to change and `put` back."""
        return copy.deepcopy(self._entries[self.index(ident)].data)

    def put(self, ident: str, data: Mapping[str, Any]) -> None:
        """Replace the record with this id."""
        self._entries[self.index(ident)].data = dict(data)
        self.changed = True

    def insert(self, position: int, data: Mapping[str, Any]) -> None:
        """Add a new record at `position` (0-based; len() appends)."""
        self._entries.insert(position, _Entry(dict(data), None))
        self.changed = True

    def remove(self, ident: str) -> None:
        """Delete the record with this id."""
        del self._entries[self.index(ident)]
        self.changed = True

    def move(self, ident: str, position: int) -> None:
        """Move the record with this id to `position` (0-based, in the list without it)."""
        entry = self._entries.pop(self.index(ident))
        self._entries.insert(position, entry)
        self.changed = True

    def __len__(self) -> int:
        return len(self._entries)

    # Writing

    def _fresh_record(self, data: Mapping[str, Any], prefix: str) -> list[str]:
        keys = _ordered_keys([], list(data), self.canonical)
        body = [line for key in keys for line in _render_key(key, data[key])]
        return self._indent(body, prefix)

    @staticmethod
    def _indent(body: list[str], prefix: str) -> list[str]:
        pad = " " * len(prefix)
        return [prefix + body[0], *[(pad + line) if line else "" for line in body[1:]]]

    def _patched_record(self, entry: _Entry, chunk: list[str]) -> list[str] | None:
        """Rebuild a changed record keeping the exact text of its unchanged keys, or None when
        its layout is too unusual to do that safely."""
        original = self._original[entry.origin] if entry.origin is not None else None
        if original is None:
            return None
        match = _ITEM_START.match(chunk[0])
        if not match:
            return None
        prefix = match.group(1)
        col = len(prefix)
        start = original.line
        key_lines = [original.key_lines[k] - start for k in original]
        if not key_lines or key_lines[0] != 0 or sorted(set(key_lines)) != key_lines:
            return None
        body = [chunk[0][col:]]
        for line in chunk[1:]:
            if line.strip() and not line.startswith(" " * col):
                return None
            body.append(line[col:])
        spans: dict[str, list[str]] = {}
        keys = list(original)
        for number, key in enumerate(keys):
            end = key_lines[number + 1] if number + 1 < len(keys) else len(body)
            span = body[key_lines[number]:end]
            while span and not span[-1].strip():
                span.pop()
            spans[key] = span
        new_keys = _ordered_keys(keys, list(entry.data), self.canonical)
        out: list[str] = []
        for key in new_keys:
            if key in spans and key in original and original[key] == entry.data[key]:
                out.extend(spans[key])
            else:
                out.extend(_render_key(key, entry.data[key]))
        return self._indent(out, prefix)

    def _layout(self) -> tuple[list[str], list[list[str]], list[str], bool, str] | None:
        """Split the original text into head, one chunk per record, and tail."""
        items = self.doc.get(self.list_key)
        lines = self.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not isinstance(items, YList) or not items or not self._original or \
                len(self._original) != len(items):
            return None
        starts = [line - 1 for line in items.item_lines]
        list_line = self.doc.key_lines.get(self.list_key, 0)
        if any(s < list_line for s in starts) or sorted(set(starts)) != starts:
            return None
        if any(not _ITEM_START.match(lines[s]) for s in starts):
            return None
        later_keys = [n - 1 for n in self.doc.key_lines.values() if n > list_line]
        list_end = min(later_keys) if later_keys else len(lines)
        chunks = []
        blank_gap = False
        for number, start in enumerate(starts):
            end = starts[number + 1] if number + 1 < len(starts) else list_end
            chunk = lines[start:end]
            while len(chunk) > 1 and not chunk[-1].strip():
                chunk.pop()
                if number + 1 < len(starts):
                    blank_gap = True
            chunks.append(chunk)
        last_end = starts[-1] + len(chunks[-1])
        prefix_match = _ITEM_START.match(lines[starts[0]])
        prefix = prefix_match.group(1) if prefix_match else "  - "
        blank_gap = blank_gap or len(starts) < 2
        return lines[:starts[0]], chunks, lines[last_end:], blank_gap, prefix

    def _render_whole(self) -> str:
        """The whole document written afresh (for new files and unusual layouts)."""
        out: list[str] = []
        for key, value in self.doc.items():
            if key == self.list_key:
                continue
            out.extend(_render_key(key, value))
        if not self._entries:
            out.append(f"{self.list_key}: []")
        else:
            out.append(f"{self.list_key}:")
            for number, entry in enumerate(self._entries):
                if number:
                    out.append("")
                out.extend(self._fresh_record(entry.data, "  - "))
        return "\n".join(out) + "\n"

    def _render_patched(self) -> str | None:
        layout = self._layout()
        if layout is None:
            return None
        head, chunks, tail, blank_gap, prefix = layout
        out = list(head)
        for number, entry in enumerate(self._entries):
            if number and blank_gap:
                out.append("")
            if entry.origin is not None and entry.data == self._original[entry.origin]:
                out.extend(chunks[entry.origin])
                continue
            patched = None
            if entry.origin is not None:
                patched = self._patched_record(entry, chunks[entry.origin])
            out.extend(patched if patched is not None else self._fresh_record(entry.data, prefix))
        if not self._entries:
            return None
        out.extend(tail)
        return "\n".join(out) + "\n"

    def render(self) -> str:
        """The new text of the file; checked to read back as exactly the intended records."""
        wanted = [e.data for e in self._entries]
        text = self._render_patched()
        if text is not None and self._reads_back(text, wanted):
            return text
        text = self._render_whole()
        if not self._reads_back(text, wanted):  # pragma: no cover - a bug in the writer
            raise AssertionError(f"{self.name}: the rewritten file does not read back the same")
        return text

    def _reads_back(self, text: str, wanted: list[dict[str, Any]]) -> bool:
        try:
            data = load_yaml(text)
        except Exception:
            return False
        if not isinstance(data, dict):
            return False
        others = {k: v for k, v in self.doc.items() if k != self.list_key}
        items = data.get(self.list_key) or []
        return bool({k: v for k, v in data.items() if k != self.list_key} == others
                    and list(items) == wanted)


@dataclass
class Edit:
    """An open change to a book: the book as validated when the lock was taken, and its files."""

    root: Path
    book: Book
    contributors: RecordFile
    chapters: RecordFile
    result: Book | None = None  # the book as written, once the edit is done

    def texts(self) -> dict[str, str]:
        """The new text of each changed file, by name."""
        return {f.name: f.render() for f in (self.contributors, self.chapters) if f.changed}


@contextlib.contextmanager
def editing(root: Path, timeout: float | None = None) -> Iterator[Edit]:
    """Lock the book, load it, let the caller change records, then validate and write."""
    with book_lock(root, timeout):
        sweep_temp_files(root)
        book = load_book(root)
        edit = Edit(root, book,
                    RecordFile.read(root / CONTRIBUTORS_FILE, "contributors", CONTRIBUTOR_ORDER),
                    RecordFile.read(root / CHAPTERS_FILE, "chapters", CHAPTER_ORDER))
        yield edit
        texts = edit.texts()
        edit.result = load_book_texts(root, texts) if texts else book
        for name, text in texts.items():
            atomic_write_text(root / name, text)
