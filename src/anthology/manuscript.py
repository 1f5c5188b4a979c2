"""Read a chapter file safely: pre-flight checks in Python before pandoc sees a byte.

A chapter comes from outside. Before pandoc reads it we refuse symlinks, cap its size, insist on
UTF-8 without control characters, and split off its front matter, which our strict YAML loader
parses; pandoc is then given the body only, so a chapter cannot set book-wide metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anthology.files import is_inside, relative_name
from anthology.findings import Finding, error, warning
from anthology.yamlio import YamlError, YDict, YList, load_yaml

MAX_CHAPTER_BYTES = 3_000_000
FRONT_MATTER_KEYS = ("title", "subtitle", "short-title", "authors", "abstract", "keywords",
                     "bibliography", "lang")
# Control characters but tab, newline and carriage return (found with one regex: this runs on
# every chapter of every build).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Manuscript:
    """A chapter file read and pre-flighted: its front matter, its body and what was wrong."""

    path: Path
    name: str
    chapter: str | None
    meta: dict[str, Any] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    findings: tuple[Finding, ...] = ()
    readable: bool = True

    @property
    def title(self) -> str | None:
        """The title in the front matter."""
        value = self.meta.get("title")
        return value if isinstance(value, str) else None

    def text_list(self, key: str) -> tuple[str, ...]:
        """A front-matter list of strings (a single string counts as a list of one)."""
        value = self.meta.get(key)
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list):
            return tuple(str(v) for v in value if isinstance(v, (str, int, float)))
        return ()

    def text(self, key: str) -> str | None:
        """A front-matter text value."""
        value = self.meta.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split `---` front matter from the body: (yaml or None, body, first line of the body)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            yaml_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1:])
            return yaml_text, body, index + 2
    return "\n".join(lines[1:]), "", len(lines) + 1


def read_manuscript(root: Path, name: str, chapter: str | None = None) -> Manuscript:
    """Read and pre-flight `name` (relative to the book folder); problems become findings."""
    path = root / name
    shown = relative_name(root, path) if is_inside(root, path) else name

    def refuse(code: str, message: str, hint: str, line: int | None = None,
               column: int | None = None) -> Manuscript:
        return Manuscript(path, shown, chapter, findings=(
            error(code, shown, line, message, hint, column=column, chapter=chapter),),
            readable=False)

    if path.is_symlink():
        return refuse("manuscript.symlink", "is a symbolic link, which anthology does not follow.",
                      "Replace the link with the chapter file itself.")
    if not is_inside(root, path):
        return refuse("manuscript.outside", "is outside the book folder.",
                      "Move the chapter into the book's chapters/ folder.")
    if path.is_dir():
        return refuse("manuscript.missing", "is a folder, not a file.",
                      "Put the chapter's Markdown file here, or correct 'file:' in "
                      "chapters.yaml.")
    if not path.is_file():
        return refuse("manuscript.missing", "does not exist.",
                      "Add the chapter file, or correct 'file:' in chapters.yaml.")
    try:
        size = path.stat().st_size
        data = b"" if size > MAX_CHAPTER_BYTES else path.read_bytes()
    except OSError as exc:
        why = "permission denied" if isinstance(exc, PermissionError) else \
            (exc.strerror or str(exc)).lower()
        return refuse("manuscript.unreadable", f"cannot be read: {why}.",
                      f"Let your user read the file (for example: chmod u+rw {shown}).")
    if size > MAX_CHAPTER_BYTES:
        return refuse("manuscript.too-large",
                      f"is {size / 1_000_000:.1f} MB, more than the "
                      f"{MAX_CHAPTER_BYTES // 1_000_000} MB a chapter may be.",
                      "Check that this is the chapter text; split very long material into "
                      "several chapters.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return refuse("manuscript.encoding",
                      f"is not UTF-8 text: byte {exc.start} (0x{data[exc.start]:02x}) cannot be "
                      "read.",
                      "Save the file as UTF-8 (in Word: Save As, Plain Text, Unicode UTF-8).",
                      line=line)
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = _CONTROL.search(text)
    if bad is not None:
        index, char = bad.start(), bad.group()
        line, column = _line_col(text, index)
        what = "a NUL byte" if char == "\x00" else f"the control character U+{ord(char):04X}"
        return refuse("manuscript.control-character", f"contains {what}.",
                      "Delete it: retype the text around it, or paste it as plain text.",
                      line=line, column=column)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    findings: list[Finding] = []
    yaml_text, body, body_line = split_front_matter(text)
    meta: dict[str, Any] = {}
    meta_lines: dict[str, int] = {}
    if yaml_text is None:
        findings.append(error("frontmatter.missing", shown, 1,
                              "has no front matter (the block between '---' lines at the top "
                              "giving title and authors).",
                              "Start the file with:\n---\ntitle: Your title\nauthors: [your-id]"
                              "\n---", chapter=chapter))
    else:
        try:
            loaded = load_yaml(yaml_text)
        except YamlError as exc:
            line = exc.line + 1 if exc.line is not None else 1
            findings.append(error("frontmatter.syntax", shown, line,
                                  f"the front matter {exc.message}", exc.hint or None,
                                  chapter=chapter))
            loaded = None
        if loaded is not None and not isinstance(loaded, YDict):
            findings.append(error("frontmatter.syntax", shown, 2,
                                  "the front matter should be keys such as 'title: ...'.",
                                  "Compare it with another chapter's first lines.",
                                  chapter=chapter))
        elif isinstance(loaded, YDict):
            for key, value in loaded.items():
                line = loaded.line_of(key) + 1
                if key not in FRONT_MATTER_KEYS:
                    from anthology.config import did_you_mean

                    findings.append(warning(
                        "frontmatter.unknown-key", shown, line,
                        f"the front matter has the key '{key}', which anthology ignores.",
                        did_you_mean(key, FRONT_MATTER_KEYS) or
                        f"Remove it; chapters may set: {', '.join(FRONT_MATTER_KEYS)}.",
                        chapter=chapter))
                    continue
                meta[key] = list(value) if isinstance(value, YList) else value
                meta_lines[key] = line
    from anthology.rawtext import conflict_markers, limit_nesting

    body, deep = limit_nesting(body, body_line, shown, chapter)
    findings += deep + conflict_markers(body, body_line, shown, chapter)
    if not body.strip():
        findings.append(error("manuscript.empty", shown, body_line, "has no text yet.",
                              "Write the chapter below the front matter.", chapter=chapter))
    return Manuscript(path, shown, chapter, meta, meta_lines, body, body_line, tuple(findings))
