"""Word counts from the AST, by part, counted as a word processor would.

The rule: the text of a part is split on white space, and every piece holding at least one letter
or digit is a word. So hyphenated and slashed compounds (co-production, and/or), URLs and numbers
are one word each, and punctuation standing alone (a dash between spaces) is none. Citations and
cross-references count as they are printed ("(Cahn 2000, p. 4)" is four words), because the
counts are made after citeproc. Code blocks and raw blocks are not prose: they are a part of
their own (`code`), which counts toward no limit unless the book says so; inline code inside a
sentence is read as part of it, and counts as prose (as pandoc's plain text keeps it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from anthology.chapters.document import word_runs
from anthology.core.findings import Finding, warning
from anthology.core.model import WORD_PARTS, WordRules

if TYPE_CHECKING:
    from anthology.chapters.document import Node


_CODE = frozenset({"CodeBlock", "RawBlock", "RawInline"})


def split_parts(ast: Node) -> dict[str, list[Node]]:
    """The chapter's blocks by part: body (notes, captions and code taken out), notes, captions,
    references (citeproc's reference list), and code (code and raw blocks, raw inlines, from
    wherever they are). The abstract is counted from the front matter."""
    notes: list[Node] = []
    captions: list[Node] = []
    references: list[Node] = []
    code: list[Node] = []

    def strip(item: Any) -> Any:
        if isinstance(item, list):
            out = []
            for child in item:
                if isinstance(child, dict) and child.get("t") == "Note":
                    notes.extend(strip(child["c"]))
                    continue
                if isinstance(child, dict) and child.get("t") in _CODE:
                    code.append(child)
                    continue
                out.append(strip(child))
            return out
        if isinstance(item, dict) and "t" in item:
            kind = item["t"]
            if kind == "Figure":
                captions.extend(strip(item["c"][1][1]))
                return {"t": "Figure", "c": [item["c"][0], [None, []], strip(item["c"][2])]}
            if kind == "Table":
                captions.extend(strip(item["c"][1][1]))
                rest = strip(item["c"][2:])
                return {"t": "Table", "c": [item["c"][0], [None, []], *rest]}
            if kind == "Image":
                return {"t": "Str", "c": ""}
            if kind == "Cite":
                return {"t": "Cite", "c": [[], strip(item["c"][1])]}
            if "c" in item:
                return {"t": kind, "c": strip(item["c"])}
            return item
        if isinstance(item, dict):
            return {key: strip(value) for key, value in item.items()}
        return item

    body: list[Node] = []
    for block in ast.get("blocks", []):
        if block.get("t") == "Div" and block["c"][0][0] == "refs":
            references.extend(strip(block["c"][1]))
        else:
            body.extend(strip([block]))
    return {"body": body, "notes": notes, "captions": captions, "references": references,
            "code": code}


_INLINE_CONTAINERS = {"Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript",
                      "SmallCaps"}


def plain_text(node: Any) -> str:
    """The text a reader sees, with white space between words and blocks."""
    parts: list[str] = []

    def go(item: Any) -> None:
        if isinstance(item, list):
            for child in item:
                go(child)
            return
        if not isinstance(item, dict) or "t" not in item:
            return
        kind = item["t"]
        content: Any = item.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Code", "Math"):
            parts.append(content[1])
        elif kind in _CODE:
            parts.append(" " + content[1] + " ")
        elif kind in ("Image", "Note"):
            return
        elif (runs := word_runs(kind, content)) is not None:
            for run in runs:
                go(run)
                parts.append(" ")
        elif kind in ("Link", "Cite", "Quoted", "Span", "Div"):
            go(content[1])
        elif kind == "Header":
            go(content[2])
            parts.append(" ")
        elif kind in _INLINE_CONTAINERS:
            go(content)
        elif content is not None:
            go(content)
            parts.append(" ")

    go(node)
    return "".join(parts)


def count_text(text: str) -> int:
    """Words in plain text: white-space separated pieces with at least one letter or digit."""
    return sum(1 for piece in text.split() if any(char.isalnum() for char in piece))


def count_words(ast: Node, abstract: Sequence[Node] = ()) -> dict[str, int]:
    """Words per part of a chapter (after citeproc): body, notes, captions, abstract, references,
    code."""
    parts = split_parts(ast)
    counts = {name: count_text(plain_text(blocks)) for name, blocks in parts.items()}
    # The abstract's prose only, as the chapter's: its code and raw blocks are not words.
    counts["abstract"] = count_text(plain_text(split_parts({"blocks": list(abstract)})["body"]))
    return {name: counts[name] for name in WORD_PARTS}


def counted(counts: Mapping[str, int], rules: WordRules) -> int:
    """The words that count toward the limits, by the book's rule."""
    return sum(counts.get(part, 0) for part in rules.count)


def rule_words(rules: WordRules) -> str:
    """`notes included, references excluded` (and captions, abstract or code when they count)."""
    words = [f"{part} {'included' if part in rules.count else 'excluded'}"
             for part in ("notes", "references")]
    words += [f"{part} included" for part in ("captions", "abstract", "code")
              if part in rules.count]
    if "body" not in rules.count:
        words.insert(0, "body text excluded")
    return ", ".join(words)


def about(number: int) -> str:
    """`about 1,400` (to the nearest hundred) or the exact number when it is small."""
    if number < 100:
        return f"{number:,}"
    return f"about {round(number, -2):,}"


def check_chapter_words(total: int, limit: int | None, minimum: int | None, rules: WordRules,
                        file: str, chapter: str) -> list[Finding]:
    """words.over-limit and words.under-minimum for one chapter."""
    out = []
    if limit is not None and total > limit:
        out.append(warning("words.over-limit", file, None,
                           f"{total:,} words; the limit is {limit:,} ({rule_words(rules)}).",
                           f"Cut {about(total - limit)}.", chapter=chapter))
    if minimum is not None and total < minimum:
        out.append(warning("words.under-minimum", file, None,
                           f"{total:,} words; the minimum is {minimum:,} ({rule_words(rules)}).",
                           f"Add {about(minimum - total)}, or agree a shorter chapter with the "
                           "editors.", chapter=chapter))
    return out


def check_book_words(totals: Iterable[int], rules: WordRules) -> list[Finding]:
    """words.book-over-limit: the whole book against the contract."""
    total = sum(totals)
    if rules.book_limit is None or total <= rules.book_limit:
        return []
    return [warning("words.book-over-limit", None, None,
                    f"the book has {total:,} words; the contract allows {rules.book_limit:,} "
                    f"({rule_words(rules)}).", f"Cut {about(total - rules.book_limit)} across "
                    "the chapters, or agree a longer book with the publisher.")]
