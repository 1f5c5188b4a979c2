"""Word-level differences between two versions of a chapter's text (not of its Markdown).

Each version is read as pandoc reads it (the same parse the checks and the renderers use), turned
into plain text paragraph by paragraph (headings, body, notes, quotations, lists, tables), split
into words, and compared with difflib. Markup changes that do not change the text (emphasis,
line wrapping, a reference-style link) therefore do not count as changes.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from anthology.chapters.document import each, stringify
from anthology.chapters.manuscript import MAX_CHAPTER_BYTES, split_front_matter
from anthology.core.cache import Cache
from anthology.core.errors import AnthologyError
from anthology.core.yamlio import YamlError, YDict, load_yaml

# A paragraph break in a word list: kept so that the diff can be shown paragraph by paragraph,
# never counted as a word.
BREAK = "\n"


class UnreadableText(AnthologyError):
    """A version of a chapter that is not UTF-8 text of a sensible size."""


def decode_chapter(data: bytes, what: str) -> str:
    """A chapter's bytes as text, or UnreadableText saying why not."""
    if len(data) > MAX_CHAPTER_BYTES:
        raise UnreadableText(f"{what} is {len(data) / 1_000_000:.1f} MB, more than a chapter "
                             f"may be ({MAX_CHAPTER_BYTES // 1_000_000} MB).")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableText(f"{what} is not UTF-8 text (byte {exc.start}); save it as UTF-8."
                             ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _block_paragraphs(blocks: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("t")
        content: Any = block.get("c")
        if kind in ("Para", "Plain", "Header"):
            out.append(stringify(block))
            for note in each(content, "Note"):
                out.extend(_block_paragraphs(note.get("c") or []))
        elif kind == "CodeBlock":
            out.append(content[1])
        elif kind == "LineBlock":
            out.append(" ".join(stringify(line) for line in content))
        elif kind == "BlockQuote":
            out.extend(_block_paragraphs(content))
        elif kind == "Div":
            out.extend(_block_paragraphs(content[1]))
        elif kind == "BulletList":
            for item in content:
                out.extend(_block_paragraphs(item))
        elif kind == "OrderedList":
            for item in content[1]:
                out.extend(_block_paragraphs(item))
        elif kind == "DefinitionList":
            for term, definitions in content:
                out.append(stringify(term))
                for definition in definitions:
                    out.extend(_block_paragraphs(definition))
        elif kind == "Figure":
            # [attr, [short caption, long caption blocks], blocks]: the image's alt text repeats
            # the caption, so the caption alone stands for the figure.
            caption = _block_paragraphs(content[1][1])
            out.extend(caption or _block_paragraphs(content[2]))
        elif kind in ("RawBlock", "HorizontalRule", "Null"):
            continue
        else:  # tables, figures and anything newer: their text as one paragraph
            out.append(stringify(block))
            for note in each(content, "Note"):
                out.extend(_block_paragraphs(note.get("c") or []))
    return [p for p in out if p.strip()]


def ast_paragraphs(ast: dict[str, Any]) -> list[str]:
    """The plain text of a chapter's AST, one string per paragraph (notes after theirs)."""
    return _block_paragraphs(ast.get("blocks") or [])


def _front_matter_paragraphs(yaml_text: str | None) -> list[str]:
    if yaml_text is None:
        return []
    try:
        meta = load_yaml(yaml_text)
    except YamlError:
        return []
    if not isinstance(meta, YDict):
        return []
    return [" ".join(str(meta[key]).split()) for key in ("title", "subtitle", "abstract")
            if isinstance(meta.get(key), str) and str(meta[key]).strip()]


def chapter_paragraphs(text: str, what: str, cache: Cache) -> list[str]:
    """The reader's text of a chapter file: title, subtitle, abstract, then the body."""
    from anthology.chapters.prepare import parse_markdown

    yaml_text, body, _ = split_front_matter(text)
    paragraphs = _front_matter_paragraphs(yaml_text)
    if body.strip():
        paragraphs += ast_paragraphs(parse_markdown(body, what, cache))
    return paragraphs


def to_words(paragraphs: Sequence[str]) -> list[str]:
    """Words of the paragraphs, with BREAK between paragraphs."""
    words: list[str] = []
    for paragraph in paragraphs:
        if words:
            words.append(BREAK)
        words.extend(paragraph.split())
    return words


@dataclass(frozen=True)
class Segment:
    """A run of words that are unchanged (`same`), added (`add`) or removed (`del`)."""

    kind: str
    text: str


@dataclass(frozen=True)
class WordDiff:
    """The difference between two texts, paragraph by paragraph, with counts."""

    paragraphs: tuple[tuple[Segment, ...], ...]
    added: int
    removed: int
    unchanged: int = 0
    old_words: int = 0
    new_words: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        """True when any word was added or removed."""
        return bool(self.added or self.removed)


def _count(words: Sequence[str]) -> int:
    return sum(1 for w in words if w != BREAK)


def count_changes(old: Sequence[str], new: Sequence[str]) -> tuple[int, int]:
    """(words added, words removed) from `old` to `new`."""
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed += _count(old[i1:i2])
        if tag in ("replace", "insert"):
            added += _count(new[j1:j2])
    return added, removed


def diff_words(old: Sequence[str], new: Sequence[str]) -> WordDiff:
    """Compare two word lists (with BREAKs); removed words come before the words replacing them."""
    paragraphs: list[list[Segment]] = [[]]

    def emit(kind: str, words: Sequence[str]) -> None:
        run: list[str] = []

        def flush() -> None:
            if run:
                current = paragraphs[-1]
                text = " ".join(run)
                if current and current[-1].kind == kind:
                    current[-1] = Segment(kind, f"{current[-1].text} {text}")
                else:
                    current.append(Segment(kind, text))
                run.clear()

        for word in words:
            if word == BREAK:
                flush()
                # A removed or added paragraph break shows as a break in the diff too.
                if paragraphs[-1]:
                    paragraphs.append([])
            else:
                run.append(word)
        flush()

    added = removed = unchanged = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            emit("same", old[i1:i2])
            unchanged += _count(old[i1:i2])
            continue
        if tag in ("replace", "delete"):
            emit("del", old[i1:i2])
            removed += _count(old[i1:i2])
        if tag in ("replace", "insert"):
            emit("add", new[j1:j2])
            added += _count(new[j1:j2])
    result = tuple(tuple(p) for p in paragraphs if p)
    return WordDiff(result, added, removed, unchanged, _count(old), _count(new))


def plural(n: int, word: str) -> str:
    """`1 word`, `2 words`, with thousands separated."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"
