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

from anthology.chapters.rawtext import conflict_markers, limit_nesting
from anthology.core.files import is_inside, relative_name
from anthology.core.findings import Finding, error, warning
from anthology.core.limits import note_definitions_finding
from anthology.core.yamlio import YamlError, YDict, YList, load_yaml

MAX_CHAPTER_BYTES = 3_000_000
FRONT_MATTER_KEYS = ("title", "subtitle", "short-title", "authors", "abstract", "keywords",
                     "bibliography", "lang")
# Control characters but tab, newline and carriage return (found with one regex: this runs on
# every chapter of every build).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Candidate YAML blocks parsed per chapter at most: each is a YAML parse, and a hostile
# chapter could hold a hundred thousand.
_MAX_EXTRA_TRIES = 200


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


def _closes_front_matter(text: str) -> bool:
    return any(line.rstrip() in ("---", "...") for line in text.split("\n")[1:])


def drop_extra_blocks(body: str) -> tuple[str, list[tuple[int, int]]]:
    """The body without the YAML blocks pandoc would read as metadata (each line blanked, so
    that line numbers hold), and where each was: (first, last) line, counted from 0.

    pandoc's rule: a line `---` at the start or after a blank line, not followed by a blank
    line, up to a line `---` or `...`, holding a YAML mapping. Read without pandoc's YAML
    extension (front matter is ours), such a block would print as a rule and a heading made of
    its keys. Fenced code is skipped: a block shown there is an example.
    """
    lines = body.split("\n")
    found: list[tuple[int, int]] = []
    fence = ""
    index = 0
    tried = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            index += 1
            continue
        opener = _FENCE.match(line)
        if opener is not None:
            fence = opener.group(1)
            index += 1
            continue
        if (line.rstrip() == "---" and (index == 0 or not lines[index - 1].strip())
                and index + 1 < len(lines) and lines[index + 1].strip()
                and tried < _MAX_EXTRA_TRIES):
            end = next((i for i in range(index + 1, len(lines))
                        if lines[i].rstrip() in ("---", "...")), None)
            if end is not None:
                tried += 1
                try:
                    loaded = load_yaml("\n".join(lines[index + 1:end]))
                except YamlError:
                    loaded = None
                if isinstance(loaded, YDict):
                    found.append((index, end))
                    lines[index:end + 1] = [""] * (end + 1 - index)
                    index = end + 1
                    continue
        index += 1
    return ("\n".join(lines) if found else body), found


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
    unclosed = yaml_text is not None and not body and not _closes_front_matter(text)
    if unclosed:
        # Without its closing line the whole chapter would be read as YAML: its complaint, and
        # "no text yet", would point at the wrong thing.
        findings.append(error("frontmatter.unclosed", shown, 1,
                              "the front matter that starts on line 1 has no closing '---' "
                              "line; add one after the last key.", None, chapter=chapter))
    elif yaml_text is None:
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
                    from anthology.core.config import did_you_mean

                    findings.append(warning(
                        "frontmatter.unknown-key", shown, line,
                        f"the front matter has the key '{key}', which anthology ignores.",
                        did_you_mean(key, FRONT_MATTER_KEYS) or
                        f"Remove it; chapters may set: {', '.join(FRONT_MATTER_KEYS)}.",
                        chapter=chapter))
                    continue
                meta[key] = list(value) if isinstance(value, YList) else value
                meta_lines[key] = line
    body, extra = drop_extra_blocks(body)
    if extra:
        first, last = extra[0]
        more = len(extra) - 1
        findings.append(warning(
            "frontmatter.extra-block", shown, body_line + first,
            f"has a second front-matter block (lines {body_line + first}-{body_line + last}"
            f"{f', and {more} more after it' if more else ''}); only the block at the top of "
            "the file is front matter, so this one is left out of the chapter.",
            "Delete it, or move its keys into the front matter at the top.", chapter=chapter))
    too_many = note_definitions_finding(body, body_line, shown, chapter)
    if too_many is not None:
        return Manuscript(path, shown, chapter, meta, meta_lines, body, body_line,
                          (*findings, too_many), readable=False)
    body, deep = limit_nesting(body, body_line, shown, chapter)
    findings += deep + conflict_markers(body, body_line, shown, chapter)
    if not body.strip() and not unclosed:
        findings.append(error("manuscript.empty", shown, body_line, "has no text yet.",
                              "Write the chapter below the front matter.", chapter=chapter))
    return Manuscript(path, shown, chapter, meta, meta_lines, body, body_line, tuple(findings))
