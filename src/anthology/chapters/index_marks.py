"""Index marks in a chapter's AST: `[text]{.index}`, `[text]{index="term!sub"}`,
`index-see`, `index-see-also`, `index-start`/`index-end`, and LaTeX's `\\index{...}`.

`mark_index` runs on the parsed chapter before the sanitizer, which drops raw TeX: each mark
becomes an empty-handed anchor span (`<span class="index-mark" id="ix-17">`, its id prefixed
per chapter later, as every id is) and a `Mark` record, kept with the prepared chapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from anthology.chapters.document import ATTR_INDEX, Locator, Node, each, stringify, transform

MARKS_VERSION = "index-marks-3"  # in the prepared chapter's cache key: change with the marks
MARK_KEYS = ("index", "index-see", "index-see-also", "index-start", "index-end")
MARK_CLASS = "index-mark"
_INDEX_COMMAND = re.compile(r"\\index\s*\{")


@dataclass(frozen=True)
class Mark:
    """One index mark: `term` (main heading, then sub-headings), what it is (`page`, `see`,
    `see-also`, `start`, `end`), its anchor in the chapter and, for a cross-reference, the
    term it points to."""

    term: tuple[str, ...]
    kind: str
    anchor: str
    target: tuple[str, ...] = ()
    line: int | None = None

    def as_json(self) -> list[Any]:
        """The mark as the chapter cache keeps it."""
        return [list(self.term), self.kind, self.anchor, list(self.target), self.line]

    @classmethod
    def from_json(cls, item: list[Any]) -> Mark:
        """A mark from `as_json`."""
        return cls(tuple(item[0]), str(item[1]), str(item[2]), tuple(item[3]), item[4])


def split_term(text: str) -> tuple[str, ...]:
    """'co-production!in commissioning' -> ('co-production', 'in commissioning'); a LaTeX
    sort key (`sort@Shown`) is dropped for the shown form."""
    parts = []
    for part in text.split("!"):
        part = part.split("@", 1)[1] if "@" in part else part
        part = " ".join(part.split())
        if part:
            parts.append(part)
    return tuple(parts)


def term_text(term: tuple[str, ...] | list[str]) -> str:
    """A term as it is written in a mark: 'co-production!in commissioning'."""
    return "!".join(term)


def _balanced(text: str, start: int) -> tuple[str, int] | None:
    """The text inside the braces opening at `start - 1`, and the index after the closing
    brace; None if they never close."""
    depth, index = 1, start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start:index], index + 1
        index += 1
    return None


def parse_index_command(argument: str) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """What `\\index{ARGUMENT}` says: (term, kind, target). `term|see{x}`, `term|seealso{x}`,
    `term|(` and `term|)`; any other `|format` (`|textbf`) is an ordinary page."""
    term, _, encap = argument.partition("|")
    encap = encap.strip()
    for prefix, kind in (("see{", "see"), ("seealso{", "see-also")):
        if encap.startswith(prefix) and encap.endswith("}"):
            return split_term(term), kind, split_term(encap[len(prefix):-1])
    if encap.startswith("("):
        return split_term(term), "start", ()
    if encap.startswith(")"):
        return split_term(term), "end", ()
    return split_term(term), "page", ()


def index_commands(tex: str) -> list[tuple[tuple[str, ...], str, tuple[str, ...]]] | None:
    """Every `\\index{...}` in a piece of raw TeX, or None if it holds anything else."""
    found = []
    position = 0
    rest = tex.strip()
    while position < len(rest):
        match = _INDEX_COMMAND.match(rest, position)
        if match is None:
            return None
        inside = _balanced(rest, match.end())
        if inside is None:
            return None
        found.append(parse_index_command(inside[0]))
        position = inside[1]
        while position < len(rest) and rest[position].isspace():
            position += 1
    return found or None


def _span_marks(attr: list[Any], text: str) -> list[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    """The marks one span makes (term, kind, target)."""
    values = {k: v for k, v in attr[2] if k in MARK_KEYS}
    own = split_term(values["index"]) if "index" in values else split_term(text)
    marks: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = []
    if "index" in attr[1] or ("index" in values and not values.keys() & {
            "index-see", "index-see-also"}):
        marks.append((own, "page", ()))
    if "index-see" in values:
        marks.append((own, "see", split_term(values["index-see"])))
    if "index-see-also" in values:
        marks.append((own, "see-also", split_term(values["index-see-also"])))
    if "index-start" in values:
        marks.append((split_term(values["index-start"]) or own, "start", ()))
    if "index-end" in values:
        marks.append((split_term(values["index-end"]) or own, "end", ()))
    return [m for m in marks if m[0]]


def mark_index(ast: Node, locator: Locator) -> tuple[Node, list[Mark]]:
    """The chapter with each index mark made an anchor span, and the marks in text order."""
    marks: list[Mark] = []
    count = [0]
    cursor = [0]  # marks come in text order: each is looked for after the one before
    taken = {node["c"][ATTR_INDEX[node["t"]]][0] for node in each(ast)
             if node["t"] in ATTR_INDEX}

    def line_of(*needles: str) -> int | None:
        for needle in needles:  # the first found after the mark before
            at = locator.body.find(needle, cursor[0])
            if at >= 0:
                cursor[0] = at + 1
                return locator.first_line + locator.body.count("\n", 0, at)
        return locator.line_of(*needles)

    def anchor(found: list[tuple[tuple[str, ...], str, tuple[str, ...]]],
               needles: tuple[str, ...], content: list[Node]) -> Node:
        count[0] += 1
        while f"ix-{count[0]}" in taken:  # an author's own id stays the author's
            count[0] += 1
        name = f"ix-{count[0]}"
        line = line_of(*needles)
        marks.extend(Mark(term, kind, name, target, line) for term, kind, target in found)
        return {"t": "Span", "c": [[name, [MARK_CLASS], []], content]}

    def visit(node: Node) -> Node | list[Node] | None:
        kind = node["t"]
        if kind in ("RawInline", "RawBlock") and node["c"][0] in ("tex", "latex"):
            commands = index_commands(node["c"][1])
            if commands is None:
                return None  # other TeX: the sanitizer reports it
            span = anchor(commands, (node["c"][1].strip(),), [])
            return span if kind == "RawInline" else {"t": "Plain", "c": [span]}
        if kind == "Span":
            attr, content = node["c"]
            found = _span_marks(attr, stringify(content))
            if not found:
                return None
            text = stringify(content)
            inner = content  # already walked: `transform` goes bottom-up
            kept = [[k, v] for k, v in attr[2] if k not in MARK_KEYS]
            classes = [c for c in attr[1] if c != "index"]
            if attr[0] or classes or kept:  # the author's own span stays inside the anchor
                inner = [{"t": "Span", "c": [[attr[0], classes, kept], inner]}]
            # Its text as written, else its attributes (`[*x*]{.index}`, `[]{index-see=..}`).
            return anchor(found, (f"[{text}]", "{.index", "{index", " index"), inner)
        return None

    result: Node = transform(ast, visit)
    return result, marks
