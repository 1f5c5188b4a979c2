"""Citations: what pandoc's reader sees as citations, checked against the bibliographies.

The AST says which `@key`s are citations (not code, not e-mail addresses, not escaped); pandoc
gives no positions, so each citation is then found in the chapter's text, outside code, to give
its line and column.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from anthology.chapters.document import CROSSREF_PREFIXES, Node
from anthology.chapters.rawtext import mask_code
from anthology.core.findings import Finding, error

_KEY_CHAR = re.compile(r"[\w]")
_INTERNAL = set(":.#$%&-+?<>~/")


@dataclass(frozen=True)
class Citation:
    """One citation of a key: how it was written, and anything wrong with its form."""

    key: str
    mode: str
    problem: str | None = None
    hint: str | None = None


def _text(inlines: Any) -> str:
    parts: list[str] = []

    def go(item: Any) -> None:
        if isinstance(item, list):
            for child in item:
                go(child)
        elif isinstance(item, dict):
            kind = item.get("t")
            if kind == "Str":
                parts.append(item["c"])
            elif kind in ("Space", "SoftBreak", "LineBreak"):
                parts.append(" ")
            elif kind == "Cite":
                go(item["c"][1])
            elif "c" in item:
                go(item["c"])

    go(inlines)
    return "".join(parts)


def _nested_keys(inlines: list[Node]) -> list[str]:
    keys = []
    for node in inlines:
        if node.get("t") == "Cite":
            keys += [c["citationId"] for c in node["c"][0]]
    return keys


def find_citations(ast: Node) -> list[Citation]:
    """Every citation of a work in the chapter, in document order (cross-references left out)."""
    found: list[Citation] = []

    def visit_inlines(inlines: list[Any]) -> None:
        for index, node in enumerate(inlines):
            if isinstance(node, dict) and node.get("t") == "Cite":
                visit_cite(node, inlines[index - 1] if index else None,
                           inlines[index + 1] if index + 1 < len(inlines) else None)
            else:
                walk(node)

    def visit_cite(node: Node, before: Any, after: Any) -> None:
        citations = node["c"][0]
        written = _text(node["c"][1])
        for citation in citations:
            key = citation["citationId"]
            if key.startswith(CROSSREF_PREFIXES):
                continue
            mode = citation["citationMode"]["t"]
            problem = hint = None
            nested = _nested_keys(citation["citationPrefix"] + citation["citationSuffix"])
            suffix = _text(citation["citationSuffix"]).lstrip()
            if nested and suffix.startswith(","):
                problem = (f"separates the works in {written} with a comma, so the citation is "
                           "printed wrongly.")
                hint = f"Use semicolons between works: [@{key}; @{nested[0]}]."
            elif nested:
                problem = (f"has @{nested[0]} inside the citation of @{key}, where it is not "
                           "cited properly.")
                hint = (f"Separate the works with a semicolon, as in [@{key}; @{nested[0]}], "
                        f"or move @{nested[0]} out of the brackets.")
            elif mode == "AuthorInText" and isinstance(before, dict) and \
                    before.get("t") == "Str" and before["c"].endswith("["):
                problem = (f"opens a bracket before @{key} that is never closed, so the "
                           "citation is printed as running text.")
                hint = f"Close the bracket, as in [@{key}]."
            elif mode == "AuthorInText" and isinstance(after, dict) and \
                    after.get("t") == "Str" and after["c"].startswith("]"):
                problem = (f"closes a bracket after @{key} that was never opened, so the "
                           "citation is printed as running text.")
                hint = f"Open the bracket too, as in [@{key}]."
            found.append(Citation(key, mode, problem, hint))
            walk(citation["citationPrefix"])
            walk(citation["citationSuffix"])

    def walk(item: Any) -> None:
        if isinstance(item, list):
            if item and all(isinstance(x, dict) and "t" in x for x in item):
                visit_inlines(item)
            else:
                for child in item:
                    walk(child)
        elif isinstance(item, dict):
            if item.get("t") == "Cite":
                visit_cite(item, None, None)
                return
            for value in item.values():
                walk(value)

    walk(ast.get("blocks", []))
    return found


class CitationPlaces:
    """Finds where each `@key` is written in a chapter's body, in order, outside code."""

    def __init__(self, body: str, first_line: int) -> None:
        self.text = mask_code(body)
        self.first_line = first_line
        self.used: dict[str, int] = {}

    def _occurrences(self, key: str) -> list[int]:
        out = []
        for needle in (f"@{key}", f"@{{{key}}}"):
            start = 0
            while True:
                index = self.text.find(needle, start)
                if index < 0:
                    break
                start = index + 1
                before = self.text[index - 1] if index else " "
                if before.isalnum() or before in "_\\":
                    continue
                end = index + len(needle)
                after = self.text[end:end + 2]
                if after[:1] and (_KEY_CHAR.match(after[0]) or (
                        after[0] in _INTERNAL and len(after) > 1 and _KEY_CHAR.match(after[1]))):
                    continue
                out.append(index)
        return sorted(out)

    def next_place(self, key: str) -> tuple[int | None, int | None]:
        """Line and column of the next unreported citation of `key` (1-based)."""
        occurrences = self._occurrences(key)
        if not occurrences:
            return None, None
        count = self.used.get(key, 0)
        self.used[key] = count + 1
        index = occurrences[min(count, len(occurrences) - 1)]
        line = self.text.count("\n", 0, index)
        column = index - (self.text.rfind("\n", 0, index) + 1) + 1
        return self.first_line + line, column


def closest_keys(key: str, keys: Collection[str]) -> list[str]:
    """Up to three keys that look like `key` (ignoring case first)."""
    by_case = [k for k in keys if k.casefold() == key.casefold() and k != key]
    return by_case or difflib.get_close_matches(key, list(keys), n=3, cutoff=0.75)


def check_citations(citations: list[Citation], keys: Collection[str], places: CitationPlaces,
                    file: str, chapter: str | None, add_to: str | None) -> list[Finding]:
    """citation.missing and citation.malformed findings, each with its line and column."""
    out = []
    for citation in citations:
        line, column = places.next_place(citation.key)
        if citation.problem:
            out.append(error("citation.malformed", file, line, citation.problem, citation.hint,
                             column=column, chapter=chapter))
        if citation.key not in keys:
            close = closest_keys(citation.key, keys)
            if close:
                names = " or ".join(f"@{k}" for k in close)
                hint = f"Did you mean {names}?"
            elif add_to:
                hint = f"Add the entry to {add_to}, or correct the key."
            else:
                hint = ("Name your .bib file under 'bibliography:' in the chapter's front "
                        "matter, or ask the editors to add it to the book.")
            out.append(error("citation.missing", file, line,
                             f"cites @{citation.key}, which is not in the bibliography.", hint,
                             column=column, chapter=chapter))
    return out
