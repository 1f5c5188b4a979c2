"""One chapter from Markdown to its rendered parts: parse, make safe, number, cite.

Each chapter is processed on its own (its own citeproc run with the bibliographies it can see,
its own reference list, its own cache entries), which gives per-chapter bibliographies,
offprints and incremental builds.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from anthology.chapters.bibfields import has_bad_links, unlink_bad_urls
from anthology.chapters.bibliography import load_bibliography
from anthology.chapters.citeframe import frame_of, in_text_style, splice
from anthology.chapters.crossrefs import (
    REFERS_ELSEWHERE,
    Elsewhere,
    Target,
    book_labels,
    labels_digest,
    number_crossrefs,
)
from anthology.chapters.document import (
    Locator,
    Node,
    citation_keys,
    each,
    empty_attr,
    str_inlines,
    stringify,
)
from anthology.chapters.index_marks import MARKS_VERSION, Mark, mark_index
from anthology.chapters.manuscript import Manuscript, read_manuscript
from anthology.chapters.maths import check_maths, maths_version, measure_of
from anthology.chapters.rawtext import omitted_chapter, tree_too_deep
from anthology.chapters.safety import sanitize
from anthology.core.cache import Cache, digest
from anthology.core.errors import CapError, ToolError
from anthology.core.files import relative_name, resolve_inside
from anthology.core.findings import Finding, Severity, error
from anthology.core.images import IMAGE_RULES
from anthology.core.limits import capped_finding, chapter_size_finding
from anthology.core.model import Book, Chapter, Contributor, plan_of
from anthology.core.typography import (
    TYPOGRAPHY_RULES,
    book_quotes,
    smarten,
    smarten_all,
    typeset_chapter,
    typeset_contributor,
)
from anthology.engines import pandoc


@dataclass
class ChapterText:
    """A chapter ready for the renderers: metadata, its cited AST, and what was found."""

    chapter: Chapter
    number: int
    manuscript: Manuscript
    authors: tuple[Contributor, ...]
    title: str
    subtitle: str | None
    short_title: str
    abstract: list[Node]
    keywords: tuple[str, ...]
    targets: dict[str, Target]
    bibliographies: tuple[Path, ...]
    cited: list[str]
    findings: list[Finding] = field(default_factory=list)
    index: list[Mark] = field(default_factory=list)  # the chapter's index marks, in order
    key: str = ""  # the cache key of everything this chapter was made from
    api: list[int] = field(default_factory=lambda: [1, 23, 1])  # pandoc's AST version
    # The cited AST, or how to read it from the cache: it is the biggest thing a build holds,
    # and a build whose chapter HTML is cached never needs it.
    loaded: Node | None = field(default=None, repr=False)
    loader: Callable[[], Node] | None = field(default=None, repr=False)

    @property
    def ast(self) -> Node:
        """The chapter's cited AST (read from the cache each time when it lives there)."""
        if self.loaded is not None:
            return self.loaded
        assert self.loader is not None
        return self.loader()

    @property
    def prefix(self) -> str:
        """The id prefix that keeps this chapter's ids unique in the book."""
        return f"c{self.number}-"

    @property
    def anchor(self) -> str:
        """The id of the chapter's opening."""
        return f"chapter-{self.number}"

    @property
    def author_names(self) -> str:
        """'A, B and C'."""
        names = [a.name for a in self.authors]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] \
            if names else ""


def parse_chapter(body: str, what: str, cache: Cache, name: str,
                  chapter: str | None) -> tuple[Node, Finding | None]:
    """pandoc's AST of a chapter body (cached as `parse_markdown`'s), measured on pandoc's
    JSON before it is decoded: over the limits, an empty AST and the finding that says so."""
    key = digest("ast", pandoc.pandoc_version(), pandoc.MARKDOWN_READER, body)
    cached = cache.get_bytes("ast", key, ".json")
    data = cached if cached is not None else pandoc.markdown_to_json(body, what)
    if cached is None:
        cache.put_bytes("ast", key, data, ".json")
    try:
        return _measured(data, name, chapter)
    except ValueError:
        if cached is None:  # pandoc's own output: never expected
            raise
        fresh = pandoc.markdown_to_json(body, what)  # a damaged cache entry: replaced
        cache.put_bytes("ast", key, fresh, ".json")
        return _measured(fresh, name, chapter)


def _measured(data: bytes, name: str, chapter: str | None) -> tuple[Node, Finding | None]:
    too_large = chapter_size_finding(data, name, chapter)
    if too_large is not None:
        return {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": []}, too_large
    try:
        ast: Node = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth" not in str(exc):
            raise  # damaged: the caller reads the chapter again
        raise TooDeep(f"{name} nests too deeply to be read. Flatten the nesting.") from None
    if tree_too_deep(ast):
        raise TooDeep(f"{name} nests too deeply to be read. Flatten the nesting.")
    return ast, None


def parse_markdown(text: str, what: str, cache: Cache) -> Node:
    """pandoc's AST of Markdown text, cached by content hash."""
    key = digest("ast", pandoc.pandoc_version(), pandoc.MARKDOWN_READER, text)
    cached = cache.get_json("ast", key)
    if cached is not None:
        return dict(cached)  # stored only if not too deep
    # pandoc's own bytes are stored: encoding the tree again cost as much as decoding it.
    out = pandoc.markdown_to_json(text, what)
    try:
        ast: Node = orjson.loads(out)
    except orjson.JSONDecodeError:  # deeper than orjson reads (1,024 levels)
        raise TooDeep(f"{what} nests too deeply to be read. Flatten the nesting.") from None
    if tree_too_deep(ast):
        raise TooDeep(f"{what} nests too deeply to be read. Flatten the nesting.")
    cache.put_bytes("ast", key, out, ".json")
    return ast


class TooDeep(ToolError):
    """pandoc's tree of a text nests deeper than anthology's walks and JSON writer can go."""


def parse_body(manuscript: Manuscript, what: str, cache: Cache) -> tuple[Node, list[Finding]]:
    """The AST of a chapter's body; one nested too deeply to be read is left out, with a
    finding, so that the other chapters are still checked and built."""
    body = manuscript.body if manuscript.readable else ""
    if not body.strip():
        return {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": []}, []
    try:
        ast, too_large = parse_chapter(body, what, cache, manuscript.name, manuscript.chapter)
        return ast, [too_large] if too_large is not None else []
    except TooDeep:
        ast, finding = omitted_chapter(body, manuscript.body_line, manuscript.name,
                                       manuscript.chapter)
        return ast, [finding]
    except CapError as exc:  # within the limits, yet too much for pandoc: left out whole
        empty: Node = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": []}
        found = capped_finding(manuscript.name, exc.reason, manuscript.chapter)
        return empty, [dataclasses.replace(found, line=manuscript.body_line)]
    except pandoc.PandocFailed as failed:
        why = failed.message.removeprefix(f"{what}: ")
        ast = {"pandoc-api-version": [1, 23, 1], "meta": {}, "blocks": [
            {"t": "Para", "c": str_inlines("[Chapter omitted: it could not be read.]")}]}
        return ast, [error("markdown.unreadable", manuscript.name, manuscript.body_line,
                           f"cannot be read: {why}; the chapter is left out.",
                           "Look for very long or deeply nested passages (brackets, emphasis, "
                           "quotations) and simplify them.", chapter=manuscript.chapter)]


def chapter_bibliographies(book: Book, manuscript: Manuscript) -> tuple[list[Path],
                                                                        list[Finding]]:
    """The bibliographies a chapter can see: the book's, then its own (inside the book only)."""
    root = book.root
    paths = [p for p in (resolve_inside(root, root, name) for name in book.config.bibliography)
             if p is not None]
    findings = []
    for name in manuscript.text_list("bibliography"):
        path = resolve_inside(root, manuscript.path.parent, name)
        if path is None:
            findings.append(error("frontmatter.bibliography", manuscript.name,
                                  manuscript.meta_lines.get("bibliography"),
                                  f"names the bibliography {name}, which does not exist inside "
                                  "the book folder.", "Put the .bib file next to the chapter and "
                                  "give its name, for example bibliography: [refs-mine.bib].",
                                  chapter=manuscript.chapter))
        elif path not in paths:
            paths.append(path)
    return paths, findings


def _file_digest(path: Path) -> str:
    # By name and content, not by folder: a book moved elsewhere keeps its prepared chapters.
    return digest(path.name, path.read_bytes())


# Image and link targets, each pattern led by literal text so that re skips straight to its
# candidates (one pattern of three alternatives, one led by \b, took 2.7 ms a chapter).
_REFERENCES = (re.compile(r"""\]\(\s*<?([^)\s>]+)"""),  # ![alt](target)
               re.compile(r"""src\s*=\s*["']([^"']+)"""),  # raw <img src=...> (and more)
               re.compile(r"""^[ \t]*\[[^\]]+\]:[ \t]*<?(\S+?)>?[ \t]*$""",  # [ref]: target
                          re.MULTILINE))


def image_digest(root: Path, chapter_dir: Path, body: str) -> str:
    """A digest of every file the chapter's text may name as an image (or a missing one).

    Read from the text with patterns that find a superset of pandoc's image and link targets,
    in the order they appear: only for the cache key, never for what is printed.
    """
    found = sorted((match.start(), match[1]) for pattern in _REFERENCES
                   for match in pattern.finditer(body))
    parts: list[str | bytes] = []
    for _, name in found:
        if name.startswith(("http:", "https:", "mailto:", "#", "data:")):
            continue
        for base, where in ((chapter_dir, "chapter"), (root, "book")):
            path = resolve_inside(root, base, name)
            parts += [name, where, path.read_bytes() if path is not None and path.is_file()
                      else b"-"]
    return digest("images", IMAGE_RULES, *parts)


def chapter_key(book: Book, chapter: Chapter, number: int, csl: Path, manuscript: Manuscript,
                bibliographies: list[Path]) -> str:
    """Everything a prepared chapter depends on: its file and images, the bibliographies it
    sees, the style, book.yaml, contributors.yaml, its own entry in chapters.yaml (not the
    others', nor its history: a step recorded with `anthology mark` makes nothing again), and
    the versions of anthology, pandoc and the maths typesetter."""
    from anthology import __version__

    registries = [book.root / name for name in ("book.yaml", "contributors.yaml")]
    return digest("chapter", __version__, TYPOGRAPHY_RULES, MARKS_VERSION,
                  pandoc.pandoc_version(), pandoc.MARKDOWN_READER, maths_version(), str(number),
                  chapter.id, plan_of(chapter), manuscript.name,
                  manuscript.path.read_bytes() if manuscript.path.is_file() else b"",
                  image_digest(book.root, manuscript.path.parent, manuscript.body),
                  _file_digest(csl), *(_file_digest(p) for p in bibliographies),
                  labels_digest(elsewhere_for(book, manuscript.body) or {}),
                  *(p.read_bytes() if p.is_file() else b"" for p in registries))


def elsewhere_for(book: Book, body: str) -> dict[str, Elsewhere] | None:
    """The chapters and sections of the book a chapter's references may name, if its text
    has references that could (else None: its keys do not depend on the other chapters)."""
    return book_labels(book) if REFERS_ELSEWHERE.search(body) else None


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {**asdict(finding), "severity": str(finding.severity)}


def prepare_chapter(book: Book, chapter: Chapter, number: int, csl: Path,
                    cache: Cache) -> ChapterText:
    """Read, pre-flight, parse, sanitize, number and cite one chapter.

    The result is cached whole under `chapter_key` (by `anthology check` too): a chapter whose
    inputs did not change is not walked again, and its AST is read only if something needs it.
    """
    text = _prepare_chapter(book, chapter, number, csl, cache, only_cached=False)
    assert text is not None
    return text


def prepared_chapter(book: Book, chapter: Chapter, number: int, csl: Path,
                     cache: Cache) -> ChapterText | None:
    """What `prepare_chapter` gives when the chapter is in the cache, else None (and nothing
    is parsed, cited or stored)."""
    if not cache.enabled:
        return None
    return _prepare_chapter(book, chapter, number, csl, cache, only_cached=True)


def _prepare_chapter(book: Book, chapter: Chapter, number: int, csl: Path, cache: Cache, *,
                     only_cached: bool) -> ChapterText | None:
    assert chapter.file is not None
    manuscript = read_manuscript(book.root, chapter.file, chapter.id)
    bibliographies, bib_findings = chapter_bibliographies(book, manuscript)
    key = chapter_key(book, chapter, number, csl, manuscript, bibliographies)

    def made_now() -> dict[str, Any]:
        made = _prepare(book, chapter, number, csl, cache, manuscript, bibliographies,
                        bib_findings)
        remember_prepared(cache, key, made)
        return made

    def load() -> Node:
        stored_ast = cache.get_json("chapter-ast", key)
        return stored_ast if isinstance(stored_ast, dict) else dict(made_now()["ast"])

    stored = cache.get_json("chapter", key)
    if isinstance(stored, dict) and cache.path_of("chapter-ast", key, ".json") is not None:
        text = _chapter_text(book, chapter, number, manuscript, bibliographies, stored)
        text.loader = load
    elif only_cached:
        return None
    else:
        made = made_now()
        text = _chapter_text(book, chapter, number, manuscript, bibliographies, made)
        if cache.enabled:
            text.loader = load
        else:
            text.loaded = made["ast"]
    text.key = key
    return text


def remember_prepared(cache: Cache, key: str, made: dict[str, Any]) -> None:
    """Store a prepared chapter: its AST and the rest apart, so the rest loads quickly."""
    cache.put_json("chapter-ast", key, made["ast"])
    cache.put_json("chapter", key, {**{k: v for k, v in made.items() if k != "ast"},
                                    "api": made["ast"]["pandoc-api-version"]})


def _chapter_text(book: Book, chapter: Chapter, number: int, manuscript: Manuscript,
                  bibliographies: list[Path], made: dict[str, Any]) -> ChapterText:
    # What is printed from the front matter and the registries, smartened as the text is.
    quotes = book_quotes(book.config)
    title = smarten(manuscript.text("title") or chapter.title, quotes)
    authors_ids = manuscript.text_list("authors") or chapter.authors
    known = {c.id: c for c in book.contributors}
    authors = tuple(typeset_contributor(known[a], quotes) for a in authors_ids if a in known)
    findings = [Finding(**{**f, "severity": Severity(f["severity"])}) for f in made["findings"]]
    subtitle, short_title = manuscript.text("subtitle"), manuscript.text("short-title")
    return ChapterText(
        chapter=smarten_all(chapter, quotes, ("title", "part")), number=number,
        manuscript=manuscript, authors=authors, title=title,
        subtitle=smarten(subtitle, quotes) if subtitle else None,
        short_title=smarten(short_title, quotes) if short_title else title,
        abstract=made["abstract"],
        keywords=tuple(smarten(k, quotes) for k in manuscript.text_list("keywords")),
        targets={k: Target(*v) for k, v in made["targets"].items()},
        bibliographies=tuple(bibliographies), cited=made["cited"], findings=findings,
        index=[Mark.from_json(item) for item in made.get("index", [])],
        api=list(made["api"] if "api" in made else made["ast"]["pandoc-api-version"]))


def _prepare(book: Book, chapter: Chapter, number: int, csl: Path, cache: Cache,
             manuscript: Manuscript, bibliographies: list[Path],
             bib_findings: list[Finding]) -> dict[str, Any]:
    findings = list(manuscript.findings)
    what = f"{manuscript.name} (chapter {number}, '{chapter.id}')"
    body = manuscript.body if manuscript.readable else ""
    locator = Locator(manuscript.name, body, manuscript.body_line, chapter.id)
    # A build leaves a chapter too large out; this is for anyone else who asks.
    raw, parsed = parse_body(manuscript, what, cache)
    findings += parsed
    raw, index_marks = mark_index(raw, locator)  # before the sanitizer drops raw TeX
    safe = sanitize(raw, locator, book.root, manuscript.path.parent,
                    allow_raw_html=book.config.build.raw_html)
    numbered, targets = number_crossrefs(safe, str(number), locator, elsewhere_for(book, body))
    page = book.config.page
    check_maths(numbered, locator, cache, measure_of(page.width, page.inner, page.outer))
    findings += bib_findings + locator.findings
    cited = citation_keys(numbered)
    bibs = [load_bibliography(p, relative_name(book.root, p), cache) for p in bibliographies]
    cited_ast = cite(numbered, cited_items(dict.fromkeys(cited), bibs), csl,
                     book.config.language, what, cache)
    cited_ast = typeset_chapter(cited_ast, book.config)
    return prepared(book, manuscript, cited_ast, cited, targets, findings, what, cache,
                    [mark.as_json() for mark in index_marks])


def prepared(book: Book, manuscript: Manuscript, cited_ast: Node, cited: list[str],
             targets: dict[str, Target], findings: Sequence[Finding], what: str,
             cache: Cache, index: Sequence[list[Any]] = ()) -> dict[str, Any]:
    """A prepared chapter as the cache holds it (the build's and the check's shared form)."""
    abstract_text = manuscript.text("abstract")
    abstract: list[Node] = []
    if abstract_text:
        abstract_ast = parse_markdown(abstract_text, f"{what}, abstract", cache)
        abstract = typeset_chapter(sanitize(abstract_ast, Locator(manuscript.name, "", 1,
                                                                  manuscript.chapter),
                                            book.root, manuscript.path.parent),
                                   book.config)["blocks"]
    return {"ast": cited_ast, "abstract": abstract, "cited": cited,
            "targets": {k: [t.kind, t.label, t.inlines] for k, t in targets.items()},
            "findings": [_finding_json(f) for f in findings], "index": list(index)}


def cited_items(keys: Iterable[str], bibs: Sequence[Any]) -> list[dict[str, Any]]:
    """The CSL JSON items of `keys`, each from the first bibliography that has it."""
    items = []
    for key in keys:
        for bib in bibs:
            entry = bib.first(key)
            if entry is not None:
                items.append(entry.item)
                break
    return items


def cite(ast: Node, items: list[dict[str, Any]], csl: Path, lang: str, what: str,
         cache: Cache) -> Node:
    """citeproc over `ast` with only the works it cites, cached by everything that matters.

    `anthology check` and the build call this with the same arguments, so a build after a check
    (and every build, which checks first) runs citeproc once per changed chapter. Giving pandoc
    only the cited items also spares it parsing a long bibliography per chapter. With an
    in-text style citeproc reads only the chapter's frame (its citations and notes, see
    chapters/citeframe.py): an edit that leaves the citations alone runs no citeproc at all.
    """
    if not items and not each(ast["blocks"], "Cite"):
        return ast
    if has_bad_links(items):  # links no reader can follow (bibliography.bad-url): as text
        return unlink_bad_urls(_cite(ast, items, csl, lang, what, cache))
    return _cite(ast, items, csl, lang, what, cache)


def _cite(ast: Node, items: list[dict[str, Any]], csl: Path, lang: str, what: str,
          cache: Cache) -> Node:
    if in_text_style(csl):
        frame = frame_of(ast)
        if frame is not None:
            spliced = splice(ast, _citeproc(frame, items, csl, lang, what, cache))
            if spliced is not None:
                return spliced
    return _citeproc(ast, items, csl, lang, what, cache)


def _citeproc(ast: Node, items: list[dict[str, Any]], csl: Path, lang: str, what: str,
              cache: Cache) -> Node:
    # The AST's JSON serves as key and as pandoc's input: serialized once (its key order is
    # pandoc's and ours, the same for the same tree).
    document = pandoc.as_input(ast)
    key = digest("cite", pandoc.pandoc_version(), document,
                 json.dumps(items, sort_keys=True, ensure_ascii=False), _file_digest(csl), lang)
    cached = cache.get_json("cite", key)
    if isinstance(cached, dict):
        return cached
    with tempfile.TemporaryDirectory(prefix="anthology-cite-") as folder:
        path = Path(folder) / "cited.json"
        path.write_bytes(pandoc.as_input(items))
        result, _ = pandoc.run_citeproc(document, [path], csl, what, lang)
    # The temporary file's name, and the style's path (the key names the style by content).
    result.get("meta", {}).pop("bibliography", None)
    result.get("meta", {}).pop("csl", None)
    cache.put_json("cite", key, result)
    return result


def split_references(ast: Node) -> tuple[list[Node], list[Node]]:
    """The chapter's blocks and its reference list (citeproc's `refs` div), apart."""
    blocks, refs = [], []
    for block in ast["blocks"]:
        if block["t"] == "Div" and block["c"][0][0] == "refs":
            refs.append(block)
        else:
            blocks.append(block)
    return blocks, refs


_OWN_HEADING = re.compile(r"^\s*(references|bibliography|works cited|literature)\s*$",
                          re.IGNORECASE)


def with_reference_heading(ast: Node, heading: str = "References") -> Node:
    """The chapter AST with a 'References' heading before its reference list (if any); a
    chapter that ends with its own References (or Bibliography) heading gets the list under it.

    The blocks are shared with `ast`, not copied: every later step rebuilds the tree
    (document.transform) rather than changing it in place.
    """
    blocks, refs = split_references(ast)
    result: dict[str, Any] = dict(ast)
    if refs and refs[0]["c"][1]:
        last = blocks[-1] if blocks else None
        level, title = 2, str_inlines(heading)
        if last is not None and last["t"] == "Header" and \
                _OWN_HEADING.match(stringify(last["c"][2])):
            # The chapter ends with its own heading for the list: the list goes under it.
            level, title = last["c"][0], last["c"][2]
            blocks = blocks[:-1]
        taken = {block["c"][1][0] for block in blocks if block["t"] == "Header"}
        ident = "references" if "references" not in taken else "references-list"
        header = {"t": "Header", "c": [level, empty_attr(ident, ["unnumbered",
                                                                 "references-heading"]), title]}
        result["blocks"] = [*blocks, header, *refs]
    else:
        result["blocks"] = blocks
    return result
