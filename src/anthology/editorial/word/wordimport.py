"""A chapter from Word: pandoc's DOCX reader, citation fields made the book's citations.

`import_docx` reads the .docx with pandoc (`docx+citations`, sandboxed), so that Zotero,
Mendeley and EndNote citation fields become citations; gives each cited work a readable key
(word/citekeys.py) and writes the works the book does not have yet to the chapter's own CSL JSON
bibliography; moves the pictures into the chapter's image folder; writes the chapter as
Markdown with front matter from the plan; and reports what did not come through, each with
where it is in Word's terms (the paragraph's first words). Tracked changes and comments are
listed and refused unless the editor accepts them.

The data of each citation is taken from the field itself, in reading order (word/docxscan.py),
not from pandoc's list of references: Mendeley numbers the works of every citation from ITEM-1,
so pandoc's list, keyed by those numbers, keeps one work per number and cites the wrong one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anthology.chapters.document import Node, each, stringify, transform
from anthology.core.errors import AnthologyError, UsageError
from anthology.core.files import atomic_write_bytes, atomic_write_text, is_inside, relative_name
from anthology.core.model import Book, Chapter
from anthology.core.typography import as_markdown_quotes
from anthology.editorial.word.citekeys import Known, assign_keys, identity, normal_item
from anthology.editorial.word.docxscan import CitationField, Unconverted, first_words, scan_docx
from anthology.editorial.word.tidy import (
    at_signs_apart,
    trimmed,
    with_crossrefs,
    with_heading_ids,
    without_labels,
    without_reference_heading,
)

# Picture formats a browser, WeasyPrint and an EPUB reader all show.
SHOWN_FORMATS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"})
MAX_PICTURE_BYTES = 20_000_000
_CHANGE_CLASSES = {"insertion": "inserted", "deletion": "deleted", "comment-start": "commented"}


class TrackedChanges(AnthologyError):
    """The Word file holds tracked changes or comments, and they were not accepted."""


@dataclass(frozen=True)
class TrackedChange:
    """One tracked change or comment: what, by whom, its words, and where."""

    kind: str  # inserted, deleted, commented, reformatted
    author: str
    text: str
    where: str

    def line(self) -> str:
        """`“The meetings were…”: Ada Editor inserted “always ”`."""
        who = self.author or "someone"
        return f"{self.where}: {who} {self.kind} “{self.text}”"


@dataclass
class ImportReport:
    """What an import wrote and noticed."""

    chapter: str
    written: list[Path] = field(default_factory=list)
    citations: int = 0
    works: int = 0
    new_works: int = 0
    notes: int = 0
    pictures: int = 0
    unconverted: list[Unconverted] = field(default_factory=list)
    accepted: list[TrackedChange] = field(default_factory=list)


# Tracked changes and comments

def _own_inlines(node: Any) -> list[Node]:
    """The inlines of a paragraph, not descending into its notes (they are paragraphs too)."""
    found: list[Node] = []

    def go(item: Any) -> None:
        if isinstance(item, list):
            for child in item:
                go(child)
        elif isinstance(item, dict) and "t" in item:
            found.append(item)
            if item["t"] != "Note":
                go(item.get("c"))

    go(node)
    return found


def _plain_words(inlines: list[Node]) -> str:
    """A paragraph's text as accepted: without deletions and comments."""
    def drop(node: Node) -> Node | list[Node] | None:
        if node["t"] == "Span" and set(node["c"][0][1]) & {"deletion", "comment-start"}:
            return []
        if node["t"] == "Note":
            return []
        return None

    return stringify(transform(inlines, drop))


def tracked_changes(ast: Node) -> list[TrackedChange]:
    """Every insertion, deletion and comment pandoc shows with `--track-changes=all`."""
    out: list[TrackedChange] = []
    blocks = (b for b in each(ast["blocks"]) if b["t"] in ("Para", "Plain", "Header"))
    in_notes = {id(b) for note in each(ast["blocks"], "Note") for b in each(note["c"])}
    for block in blocks:  # in reading order
        content = block["c"][2] if block["t"] == "Header" else block["c"]
        where: str | None = None
        for node in _own_inlines(content):
            if node["t"] != "Span":
                continue
            kinds = [k for k in node["c"][0][1] if k in _CHANGE_CLASSES]
            if not kinds:
                continue
            if where is None:
                where = ("in a note: " if id(block) in in_notes else "") + \
                    first_words(_plain_words(content))
            author = dict(node["c"][0][2]).get("author", "")
            out.append(TrackedChange(_CHANGE_CLASSES[kinds[0]], author,
                                     stringify(node["c"][1]), where))
    return out


def refusal_message(name: str, changes: Sequence[TrackedChange]) -> str:
    """Why an import with tracked changes or comments stops, and what to do."""
    count = len(changes)
    listed = "\n".join(f"  {c.line()}" for c in changes)
    return (f"{name} has {count} tracked change{'' if count == 1 else 's'} or "
            f"comment{'' if count == 1 else 's'}, which anthology does not accept "
            f"silently:\n{listed}\nAccept or reject them in Word (Review > Accept, Reject) and "
            "delete the comments, then run the command again; or add --accept-changes to accept "
            "every change as it stands (comments are then left out). Nothing was changed.")


# Citations

def _meta_value(value: Any) -> Any:
    """pandoc's metadata value as plain JSON (for works pandoc read itself: EndNote's)."""
    kind, content = value.get("t"), value.get("c")
    if kind == "MetaMap":
        return {k: _meta_value(v) for k, v in content.items()}
    if kind == "MetaList":
        return [_meta_value(v) for v in content]
    if kind == "MetaBool":
        return bool(content)
    if kind == "MetaString":
        return str(content)
    return stringify(content)


def _pandoc_items(ast: Node) -> dict[str, dict[str, Any]]:
    """The works pandoc listed in the metadata, by id, as CSL JSON."""
    references = ast.get("meta", {}).get("references")
    items: dict[str, dict[str, Any]] = {}
    for entry in _meta_value(references) if isinstance(references, dict) else []:
        if not isinstance(entry, dict) or "id" not in entry:
            continue
        for key in ("issued", "accessed"):
            when = entry.get(key)
            if isinstance(when, str):
                entry[key] = {"date-parts": [[int(when)]]} if when.isdigit() else \
                    {"raw": when}
        items[str(entry["id"])] = entry
    return items


def _matches(field: CitationField, ids: Sequence[str]) -> bool:
    """True when pandoc's citation ids are this field's works, in order."""
    aliases = field.aliases or tuple(frozenset({i}) for i in field.ids)
    return len(aliases) == len(ids) and all(i in a for i, a in zip(ids, aliases, strict=True))


def _cite_items(cites: Sequence[Node], fields: Sequence[CitationField],
                fallback: dict[str, dict[str, Any]]) -> list[list[dict[str, Any] | None]]:
    """The CSL JSON of each citation of each Cite node: from its field when the fields line up
    with pandoc's citations (same count, same ids), else from pandoc's list by id."""
    lined_up = len(cites) == len(fields)
    out: list[list[dict[str, Any] | None]] = []
    for index, cite in enumerate(cites):
        ids = [c["citationId"] for c in cite["c"][0]]
        source = fields[index] if lined_up else None
        if source is not None and source.items and _matches(source, ids):
            out.append(list(source.items))
        else:
            out.append([fallback.get(i) for i in ids])
    return out


def _in_text_flags(cites: Sequence[Node], fields: Sequence[CitationField]
                   ) -> list[tuple[bool, ...]]:
    """Which citations were `@key` in the text of the book (a chapter it sent out in Word)."""
    if len(cites) != len(fields):
        return [() for _ in cites]
    return [f.in_text if _matches(f, [c["citationId"] for c in cite["c"][0]]) else ()
            for cite, f in zip(cites, fields, strict=True)]


def _known_works(book: Book, chapter: Chapter, own_name: str) -> list[Known]:
    """Every work in the book's bibliographies, with its key; the book-wide ones marked."""
    from anthology.chapters.bibliography import load_bibliography
    from anthology.chapters.manuscript import read_manuscript
    from anthology.core.files import resolve_inside
    from anthology.editorial.checks.runner import default_cache

    root = book.root
    cache = default_cache(book)  # the book's bibliographies as `check` read them
    names = [(name, True) for name in book.config.bibliography]
    for other in book.chapters:
        if not other.file or not (root / other.file).is_file():
            continue
        manuscript = read_manuscript(root, other.file, other.id)
        folder = (root / other.file).parent
        for name in manuscript.text_list("bibliography"):
            path = resolve_inside(root, folder, name)
            if path is not None:
                names.append((relative_name(root, path), False))
    if (root / own_name).is_file():
        names.append((own_name, False))
    known: list[Known] = []
    for name, wide in dict.fromkeys(names):
        path = root / name
        if not path.is_file():
            continue
        for entry in load_bibliography(path, name, cache).entries:
            known.append(Known(entry.key, tuple(entry.works()), wide))
    return known


# Pictures

def _place_pictures(ast: Node, media: Path, images_dir: Path, chapter_dir: Path,
                    report: ImportReport) -> tuple[Node, list[Path]]:
    """Pictures moved from pandoc's extraction folder to the chapter's image folder; the
    Image nodes pointed at them, without Word's sizes."""
    moves: list[tuple[Path, Path]] = []
    # transform visits the Image nodes in reading order, as `each` found them.
    wheres = iter(_where_of_pictures(ast))

    def visit(node: Node) -> Node | list[Node] | None:
        if node["t"] != "Image":
            return None
        attr, alt, (target, title) = node["c"]
        source = Path(target)
        where = next(wheres, "a picture")
        if not source.is_absolute() or not is_inside(media, source) or not source.is_file() \
                or source.is_symlink():
            report.unconverted.append(Unconverted("a picture that could not be extracted",
                                                  where))
            return []
        if source.suffix.lower() not in SHOWN_FORMATS:
            report.unconverted.append(Unconverted(
                f"a picture in {source.suffix.lstrip('.').upper()} format, which books on "
                "screen and paper cannot show (ask for it as PNG, JPEG or SVG)", where))
        if source.stat().st_size > MAX_PICTURE_BYTES:
            report.unconverted.append(Unconverted("a picture of more than 20 MB (left out)",
                                                  where))
            return []
        report.pictures += 1
        # A picture the chapter's folder has already (a chapter the book sent out in Word) is
        # used where it is; a new one is named by its order, so that the same file imported
        # again gives the same names.
        destination = _same_file(source, chapter_dir / "images") or \
            images_dir / f"picture-{report.pictures}{source.suffix.lower()}"
        if not (destination.is_file() and destination.read_bytes() == source.read_bytes()):
            moves.append((source, destination))
        kept = [[k, v] for k, v in attr[2] if k not in ("width", "height")]
        return {"t": "Image", "c": [[attr[0], attr[1], kept], alt,
                                    [destination.relative_to(chapter_dir).as_posix(), title]]}

    placed = transform(ast, visit)
    return placed, [d for _, d in moves] if _move(moves) else []


def _same_file(source: Path, folder: Path, limit: int = 2000) -> Path | None:
    """The first file under `folder` (in name order) with the bytes of `source`."""
    if not folder.is_dir():
        return None
    size = source.stat().st_size
    data: bytes | None = None
    for index, path in enumerate(sorted(folder.rglob("*"))):
        if index >= limit:
            break
        if path.is_symlink() or not path.is_file() or path.stat().st_size != size:
            continue
        data = data if data is not None else source.read_bytes()
        if path.read_bytes() == data:
            return path
    return None


def _move(moves: list[tuple[Path, Path]]) -> bool:
    for source, destination in moves:
        destination.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(destination, source.read_bytes())
    return bool(moves)


# The chapter file

def _front_matter(book: Book, chapter: Chapter, bibliography: str | None) -> str:
    """Title and authors from the plan; what an earlier version of the file had besides. When
    that comes to the same as the earlier front matter, its text is kept as it was written."""
    from anthology.chapters.manuscript import read_manuscript, split_front_matter
    from anthology.core.yamlio import dump_yaml

    assert chapter.file is not None
    kept: dict[str, Any] = {}
    earlier_text: str | None = None
    earlier_meta: dict[str, Any] = {}
    if (book.root / chapter.file).is_file():
        earlier = read_manuscript(book.root, chapter.file, chapter.id)
        earlier_meta = dict(earlier.meta)
        kept = {k: v for k, v in earlier.meta.items()
                if k in ("subtitle", "short-title", "abstract", "keywords", "lang")}
        if earlier.readable and not earlier.findings:
            earlier_text, _, _ = split_front_matter(
                (book.root / chapter.file).read_text(encoding="utf-8"))
    meta: dict[str, Any] = {"title": chapter.title, "authors": list(chapter.authors), **kept}
    if bibliography:
        meta["bibliography"] = [bibliography]
    if earlier_text is not None and _same_meta(meta, earlier_meta):
        return f"---\n{earlier_text.rstrip()}\n---\n\n"
    return f"---\n{dump_yaml(meta)}---\n\n"


def _same_meta(new: dict[str, Any], earlier: dict[str, Any]) -> bool:
    """The same front matter, a single string and a list of one counting alike."""
    def normal(value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    return set(new) == set(earlier) and all(normal(new[k]) == normal(earlier[k]) for k in new)


def _where_of_pictures(ast: Node) -> list[str]:
    """Where each Image node is, in reading order: its paragraph's first words, or for a
    picture alone in its paragraph its description."""
    found: list[str] = []

    def go(blocks: Any, words: str) -> None:
        for node in each(blocks):
            if node["t"] in ("Para", "Plain"):
                words = stringify(node["c"])
            elif node["t"] == "Image":
                alt = stringify(node["c"][1])
                found.append(first_words(words) if words and words != alt else
                             f"the picture “{alt[:60]}”" if alt else "a picture")

    go(ast["blocks"], "")
    return found


def _kept_text(unconverted: Sequence[Unconverted], text: str) -> list[Unconverted]:
    """What is really lost: a text box whose words pandoc kept after all is not."""
    squeezed = " ".join(text.split())
    return [u for u in unconverted if not (u.text and " ".join(u.text.split()) in squeezed)]


def import_docx(book: Book, chapter: Chapter, source: Path, *,
                accept_changes: bool = False) -> ImportReport:
    """Write `chapter`'s Markdown, bibliography and pictures from the Word file `source`.

    Raises TrackedChanges (and writes nothing) when the file has tracked changes or comments
    and `accept_changes` is false; UnreadableDocx when it is not a Word file.
    """
    from anthology.engines import pandoc

    if not chapter.file:
        raise UsageError(f"Chapter '{chapter.id}' has no file in chapters.yaml, so there is "
                         "nowhere to put its text. Give it one: anthology chapter edit "
                         f"{chapter.id} --file chapters/{chapter.id}.md")
    name = source.name
    scan = scan_docx(source, name)
    root = book.root
    chapter_path = root / chapter.file
    chapter_dir = chapter_path.parent
    own_name = relative_name(root, chapter_path.with_suffix(".json"))
    report = ImportReport(chapter.id)
    what = f"{name} (chapter '{chapter.id}')"
    with tempfile.TemporaryDirectory(prefix="anthology-import-") as work:
        media = Path(work) / "media"
        ast = pandoc.docx_to_ast(source, media, "all", what)
        changes = tracked_changes(ast) + [TrackedChange("reformatted", author, text, where)
                                          for author, text, where in scan.reformatted]
        if changes and not accept_changes:
            raise TrackedChanges(refusal_message(name, changes))
        if changes:
            report.accepted = changes
            shutil.rmtree(media, ignore_errors=True)
            ast = pandoc.docx_to_ast(source, media, "accept", what)
        ast["meta"] = {}
        if scan.reference_list:
            ast["blocks"] = without_reference_heading(ast["blocks"])
        ast, own_items = _rekey(book, chapter, own_name, ast, scan.citations, report)
        # After the citations are matched with the fields: cross-references are Cites too.
        ast = without_labels(with_crossrefs(with_heading_ids(ast, scan.bookmarks)))
        ast, pictures = _place_pictures(ast, media.resolve(), chapter_dir / "images" /
                                        chapter.id, chapter_dir, report)
        report.notes = len(each(ast["blocks"], "Note"))
        ast = as_markdown_quotes(ast, book.config)
        body = pandoc.ast_to_markdown(at_signs_apart(ast), what)
    report.unconverted = _kept_text(scan.unconverted, stringify(ast["blocks"])) + \
        report.unconverted
    bibliography = None
    if own_items:
        own_path = root / own_name
        atomic_write_text(own_path, json.dumps(own_items, indent=2, ensure_ascii=False) + "\n")
        bibliography = own_path.relative_to(chapter_dir).as_posix()
        report.written.append(own_path)
    atomic_write_text(chapter_path, _front_matter(book, chapter, bibliography) + body)
    report.written = [chapter_path, *report.written, *pictures]
    return report


def _rekey(book: Book, chapter: Chapter, own_name: str, ast: Node,
           fields: Sequence[CitationField], report: ImportReport
           ) -> tuple[Node, list[dict[str, Any]]]:
    """The AST with readable keys in its citations, and the chapter's own new works."""
    cites = each(ast["blocks"], "Cite")
    per_cite = _cite_items(cites, fields, _pandoc_items(ast))
    in_text = iter(_in_text_flags(cites, fields))
    items = [item for found in per_cite for item in found if item is not None]
    keys = iter(assign_keys(items, _known_works(book, chapter, own_name)))
    new_keys: list[list[str | None]] = []
    own: dict[str, dict[str, Any]] = {}
    for found in per_cite:
        row: list[str | None] = []
        for item in found:
            if item is None:
                row.append(None)
                continue
            key, book_wide = next(keys)
            row.append(key)
            if not book_wide and key not in own:
                # Sorted: the same work gives the same bytes, whichever tool wrote it.
                own[key] = {"id": key, **dict(sorted(normal_item(item).items()))}
        new_keys.append(row)
    report.citations = sum(1 for row in new_keys if any(row))
    report.works = len({identity(normal_item(i)) for i in items})
    report.new_works = len(own)
    # transform visits the Cite nodes in reading order, as `each` found them.
    rows = iter(new_keys)

    def visit(node: Node) -> Node | list[Node] | None:
        if node["t"] != "Cite":
            return None
        row, flags = next(rows), next(in_text)
        kept = [{**citation, "citationId": key,
                 "citationSuffix": trimmed(citation["citationSuffix"]),
                 **({"citationMode": {"t": "AuthorInText"}}
                    if index < len(flags) and flags[index] else {})}
                for index, (citation, key) in enumerate(zip(node["c"][0], row, strict=True))
                if key]
        if not kept:
            shown: list[Node] = node["c"][1]
            return shown
        return {"t": "Cite", "c": [kept, node["c"][1]]}

    rekeyed: Node = transform(ast, visit)
    return rekeyed, list(own.values())
