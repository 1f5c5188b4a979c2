"""Run every check over a book: each chapter on its own, then what needs the whole book.

Per chapter: pre-flight (manuscript.py), front matter, pandoc's AST (cached by content hash), the
same sanitizing and cross-reference numbering as the build, citations against the bibliographies
the chapter can see, citeproc with just the works it cites, and word counts of the result.
The whole result of a chapter is cached under a key made of everything it depends on (the file,
its plan entry, the book's rules, pandoc, the citation style's contents) and checked against the
contents of every file it names (bibliographies and images, each whether it exists or not, so
that a file that appears, disappears or changes is seen), so a second check with nothing changed
runs no pandoc and imports nothing heavy. Book-wide checks (unused entries, keys that mean
different works in different chapters, the book's word total) are cheap Python over the results.

A build that follows the check gives it a `FollowUp` (workahead.py, the build's work ahead):
each chapter checked afresh is handed to it in the thread that checked it, while its cited AST
is still in memory, and the calling thread is lent to it while the chapters are checked, so that
the cores are kept busy instead of waiting for the last checks. The check itself reads only the
chapter pipeline, never an output.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from anthology import __version__
from anthology.chapters.bibentries import BibFile, finding_from_dict
from anthology.chapters.bibliography import load_bibliography
from anthology.core.cache import Cache, digest
from anthology.core.errors import UsageError
from anthology.core.files import relative_name, resolve_inside
from anthology.core.findings import Finding, error, has_errors, warning
from anthology.core.images import IMAGE_RULES, cover_findings
from anthology.core.memory import release_memory
from anthology.core.model import TEXT_STATES, Book, Chapter, plan_of
from anthology.core.terminal import Progress
from anthology.editorial.checks.bibliography import duplicate_keys, duplicate_works, key_conflicts
from anthology.engines.pandoc import MARKDOWN_READER, pandoc_identity

# 2: word counts have a `code` part; 3: images count by content; 4: index marks; 5: a word
# ends each line of a line block and each definition list term
RESULT_VERSION = "5"


class FollowUp(Protocol):
    """What a caller that builds after the check does meanwhile."""

    def checked(self, chapter: Chapter, number: int, cited_ast: dict[str, Any]) -> None:
        """A chapter checked afresh without errors, its cited AST at hand (in the thread that
        checked it; the AST is stored already, as the build prepares it)."""

    def meanwhile(self) -> None:
        """The calling thread, lent while the chapters are checked in other threads."""


@dataclass
class ChapterResult:
    """What checking one chapter found, and what the book-wide checks need from it."""

    chapter: str
    file: str
    findings: list[Finding] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    words: dict[str, int] | None = None
    bibliographies: list[str] = field(default_factory=list)
    own: list[str] = field(default_factory=list)
    # Every file the result was made from, inside the book, by its name there: the digest of
    # its contents, or "missing" (a bibliography or image named but absent).
    depends: dict[str, str] = field(default_factory=dict)
    index: list[list[Any]] = field(default_factory=list)  # index marks (Mark.as_json)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form for the cache."""
        return {"chapter": self.chapter, "file": self.file, "cited": self.cited,
                "words": self.words, "bibliographies": self.bibliographies, "own": self.own,
                "depends": self.depends, "index": self.index,
                "findings": [f.to_dict() for f in self.findings]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChapterResult:
        """Read back `to_json`."""
        return cls(data["chapter"], data["file"], [finding_from_dict(f) for f in
                                                   data["findings"]], data["cited"],
                   data["words"], data["bibliographies"], data["own"], data["depends"],
                   list(data.get("index", [])))


@dataclass
class CheckReport:
    """Everything a check found, and each checked chapter's result (word counts included)."""

    findings: list[Finding]
    chapters: list[ChapterResult]
    complete: bool


def default_cache(book: Book) -> Cache:
    """The cache the build uses: build/.cache."""
    return Cache(book.root / "build" / ".cache")


def checkable_chapters(book: Book) -> list[Chapter]:
    """Chapters still planned whose file exists, in book order."""
    return [c for c in book.active_chapters if c.file and (book.root / c.file).exists()]


def select_chapters(book: Book, chapter_ids: Collection[str] | None) -> list[Chapter]:
    """The chapters to check: all of them, or those named (an unknown id is a UsageError)."""
    chapters = checkable_chapters(book)
    if chapter_ids is None:
        return chapters
    from anthology.core.config import did_you_mean

    known = {c.id for c in book.chapters}
    for ident in chapter_ids:
        if ident not in known:
            hint = did_you_mean(ident, known) or f"The chapters are: {', '.join(sorted(known))}."
            raise UsageError(f"There is no chapter '{ident}' in chapters.yaml. {hint}")
    return [c for c in chapters if c.id in chapter_ids]


class CheckSession:
    """One run of the checks: the book, the cache, and each file read or digested once."""

    def __init__(self, book: Book, cache: Cache, follow_up: FollowUp | None = None) -> None:
        self.book = book
        self.cache = cache
        self.follow_up = follow_up
        self.lock = threading.Lock()
        self.bibs: dict[str, BibFile] = {}
        self.bib_locks: dict[str, threading.Lock] = {}
        self.digests: dict[str, str] = {}
        self.book_wide = [relative_name(book.root, p) for p in (
            resolve_inside(book.root, book.root, name) for name in book.config.bibliography)
            if p is not None]
        self.people = {c.id for c in book.contributors}
        self._csl: Path | None = None
        self._csl_id: str | None = None

    @property
    def csl(self) -> Path:
        if self._csl is None:
            from anthology.chapters.csl import resolve_csl

            self._csl = resolve_csl(self.book.root, self.book.config.csl)
        return self._csl

    @property
    def csl_id(self) -> str:
        """The style by name and contents (a replaced style counts; the book's folder does
        not), read once a session."""
        if self._csl_id is None:
            csl = self.csl
            try:
                self._csl_id = digest(csl.name, csl.read_bytes())
            except OSError:
                self._csl_id = csl.name
        return self._csl_id

    def file_digest(self, name: str) -> str:
        """The digest of a file inside the book (by its name there), or "missing": nothing
        outside the book is read, even through a link."""
        with self.lock:
            if name not in self.digests:
                path = resolve_inside(self.book.root, self.book.root, name)
                try:
                    self.digests[name] = digest(path.read_bytes()) if path else "missing"
                except OSError:
                    self.digests[name] = "missing"
            return self.digests[name]

    def bibliography(self, name: str) -> BibFile:
        with self.lock:
            lock = self.bib_locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self.bibs:
                self.bibs[name] = load_bibliography(self.book.root / name, name, self.cache)
            return self.bibs[name]

    def chapter_key(self, chapter: Chapter, number: int, data: bytes) -> str:
        config = self.book.config
        from anthology.chapters.maths import maths_version

        return digest("check", RESULT_VERSION, IMAGE_RULES, __version__, pandoc_identity(),
                      MARKDOWN_READER, self.csl_id,
                      plan_of(chapter, workflow=True), str(number), repr(config.words),
                      repr(config.build.raw_html), maths_version(), repr(config.page),
                      repr(config.bibliography), config.language, ",".join(sorted(self.people)),
                      data, self.labels(data))

    def labels(self, data: bytes) -> str:
        """The other chapters' labels, if the chapter's text may refer to them."""
        from anthology.chapters.crossrefs import REFERS_ELSEWHERE, book_labels, labels_digest

        if not REFERS_ELSEWHERE.search(data.decode("utf-8", "replace")):
            return ""
        return labels_digest(book_labels(self.book))

    def cached(self, key: str) -> ChapterResult | None:
        data = self.cache.get_json("check", key)
        if not isinstance(data, dict):
            return None
        try:
            result = ChapterResult.from_json(data)
        except (KeyError, TypeError, ValueError):
            return None
        for name, value in result.depends.items():
            if self.file_digest(name) != value:
                return None
        return result


def name_inside(root: Path, base: Path, reference: str) -> str | None:
    """`reference` (relative to folder `base`) as a name inside the book folder, whether the
    file exists or not; None for URLs, absolute paths and names that leave the book."""
    if not reference or "\x00" in reference or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", reference) \
            or reference.startswith(("/", "\\")):
        return None
    name = os.path.normpath(os.path.relpath(base / reference, root))
    if name in (".", "..") or name.startswith("../"):
        return None
    return Path(name).as_posix()


def _named_files(book: Book, folder: Path, bibliographies: Iterable[str],
                 images: Iterable[str]) -> list[str]:
    """The bibliographies (book.yaml's and the chapter's) and images a chapter names, as names
    inside the book, found or not."""
    root = book.root
    names = [name_inside(root, root, name) for name in book.config.bibliography]
    names += [name_inside(root, folder, name) for name in (*bibliographies, *images)]
    return [name for name in dict.fromkeys(names) if name is not None]


def _image_urls(ast: Any) -> list[str]:
    from anthology.chapters.document import each

    urls = []
    for node in each(ast.get("blocks", []), "Image"):
        url = node["c"][2][0]
        if url and ":" not in url.split("/", 1)[0]:
            urls.append(url)
    return urls


def _cite(session: CheckSession, ast: dict[str, Any], cited: Sequence[str],
          bibs: Sequence[BibFile], what: str) -> dict[str, Any]:
    """citeproc with only the works the chapter cites: what the reference list will hold.

    The same call (and cache entry) as the build's, so checking and building cite once; then
    the book's typography, as the build applies it.
    """
    from anthology.chapters.prepare import cite, cited_items
    from anthology.core.typography import typeset_chapter

    cited_ast = cite(ast, cited_items(cited, bibs), session.csl, session.book.config.language,
                     what, session.cache) if cited else ast
    return typeset_chapter(cited_ast, session.book.config)


def _check_chapter(session: CheckSession, chapter: Chapter, number: int) -> ChapterResult:
    from anthology.chapters.crossrefs import number_crossrefs
    from anthology.chapters.document import Locator, citation_keys
    from anthology.chapters.index_marks import mark_index
    from anthology.chapters.manuscript import read_manuscript
    from anthology.chapters.maths import check_maths, measure_of
    from anthology.chapters.prepare import (
        chapter_bibliographies,
        elsewhere_for,
        parse_body,
        parse_markdown,
    )
    from anthology.chapters.safety import sanitize
    from anthology.core.errors import CapError
    from anthology.core.limits import capped_finding
    from anthology.editorial.checks.citations import CitationPlaces, check_citations, find_citations
    from anthology.editorial.checks.frontmatter import check_front_matter
    from anthology.editorial.checks.links import ColumnLocator, check_images, check_links
    from anthology.editorial.checks.words import check_chapter_words, count_words, counted

    book, cache = session.book, session.cache
    assert chapter.file is not None
    manuscript = read_manuscript(book.root, chapter.file, chapter.id)
    result = ChapterResult(chapter.id, manuscript.name, list(manuscript.findings))
    if not manuscript.readable:
        return result
    result.findings += check_front_matter(manuscript, chapter, session.people)
    what = f"{manuscript.name} (chapter '{chapter.id}')"
    body = manuscript.body
    try:
        raw, parsed = parse_body(manuscript, what, cache)
    except CapError as exc:  # within the limits, yet too much for pandoc
        result.findings.append(capped_finding(manuscript.name, exc.reason, chapter.id))
        return result
    result.findings += parsed
    if any(f.code == "manuscript.too-large" for f in parsed):
        return result  # measured before anything walks, cites or lays it out
    abstract_text = manuscript.text("abstract")
    abstract: list[Any] = []
    if abstract_text:
        abstract = parse_markdown(abstract_text, f"{what}, abstract", cache)["blocks"]
    locator = ColumnLocator(manuscript.name, body, manuscript.body_line, chapter.id)
    check_images(raw, locator)
    check_links(raw, locator)
    folder = manuscript.path.parent
    images = _image_urls(raw)
    raw, index_marks = mark_index(raw, locator)  # before the sanitizer drops raw TeX
    result.index = [mark.as_json() for mark in index_marks]
    safe = sanitize(raw, locator, book.root, folder, allow_raw_html=book.config.build.raw_html)
    del raw  # each step rebuilds the tree: only the latest is kept (memory, see below)
    numbered, targets = number_crossrefs(safe, str(number), locator,
                                         elsewhere_for(book, body))
    page = book.config.page
    check_maths(numbered, locator, cache, measure_of(page.width, page.inner, page.outer))
    result.findings += locator.findings
    if abstract:  # printed too: its maths is checked at the abstract's line
        in_abstract = Locator(manuscript.name, abstract_text or "",
                              manuscript.meta_lines.get("abstract", 1), chapter.id)
        check_maths({"blocks": abstract}, in_abstract, cache)
        result.findings += in_abstract.findings
    paths, bib_findings = chapter_bibliographies(book, manuscript)
    result.findings += bib_findings
    names = [relative_name(book.root, p) for p in paths]
    result.bibliographies = names
    result.own = [n for n in names if n not in session.book_wide]
    result.depends = {n: session.file_digest(n) for n in [*names, *_named_files(
        book, folder, manuscript.text_list("bibliography"), images)]}
    bibs = [session.bibliography(n) for n in names]
    keys: set[str] = set().union(*(b.keys() for b in bibs)) if bibs else set()
    citations = find_citations(safe)
    del safe
    add_to = result.own[0] if result.own else (names[0] if names else None)
    found = check_citations(citations, keys, CitationPlaces(body, manuscript.body_line),
                            manuscript.name, chapter.id, add_to)
    if any(b.failed and not b.entries for b in bibs):
        # A bibliography that could not be read at all is reported at the file; every key
        # it holds would otherwise be reported as missing too.
        found = [f for f in found if f.code != "citation.missing"]
    result.findings += found
    book_wide = set(session.book_wide)
    result.findings += [f for f in duplicate_keys(bibs, chapter.id) + duplicate_works(
        bibs, chapter.id) if f.file not in book_wide]
    cited = list(dict.fromkeys(c.key for c in citations))
    result.cited = cited
    # citeproc is given the works in the order the build gives them (citation_keys), so that
    # both use one cache entry.
    order = citation_keys(numbered)
    cited_ast = _cite(session, numbered, order, bibs, what)
    # Two chapters checked at once, each with its pandoc, are a build's peak of memory: a
    # chapter's trees before citeproc are dropped once used (about 10 MB a chapter).
    del numbered
    result.words = count_words(cited_ast, abstract)
    _remember_prepared(session, chapter, number, manuscript, paths, order, cited_ast, targets,
                       [*manuscript.findings, *parsed, *bib_findings, *locator.findings], what,
                       result.index)
    if session.follow_up is not None and not has_errors(result.findings):
        session.follow_up.checked(chapter, number, cited_ast)
    rules = book.config.words
    limit = chapter.word_limit if chapter.word_limit is not None else rules.chapter_limit
    minimum = rules.chapter_minimum if chapter.status in TEXT_STATES else None
    result.findings += check_chapter_words(counted(result.words, rules), limit, minimum, rules,
                                           manuscript.name, chapter.id)
    return result


def _remember_prepared(session: CheckSession, chapter: Chapter, number: int, manuscript: Any,
                       paths: list[Path], keys: list[str], cited_ast: Any, targets: Any,
                       findings: list[Finding], what: str, index: list[list[Any]]) -> None:
    """Store the chapter as the build prepares it (same key, same form), so a build after a
    check, and every build (which checks first), does not parse, sanitize and cite it again."""
    from anthology.chapters.prepare import chapter_key, prepared, remember_prepared

    book = session.book
    try:
        key = chapter_key(book, chapter, number, session.csl, manuscript, paths)
    except OSError:  # an unreadable file is reported by the checks; the build will say too
        return
    if session.cache.path_of("chapter", key, ".json") is not None:  # written last
        return  # stored already (a check run again only for the chapter's state, say)
    remember_prepared(session.cache, key, prepared(book, manuscript, cited_ast, keys, targets,
                                                   findings, what, session.cache, index))


def _compute(session: CheckSession, work: list[tuple[Chapter, int]],
             jobs: int | None = None) -> list[ChapterResult]:
    """Check the chapters not in the cache: in up to `jobs` (default: the cores) threads when
    there are several.

    Most of a chapter's time is pandoc, in processes of its own, which the threads overlap; the
    Python walks of the ASTs take turns (the GIL). Worker processes gave the same speed here
    (measured: a cold check of the benchmark's 20 chapters in 9.5 s either way) but more
    memory, at the build's peak: two pandoc processes (about 140 MB each) beside the Python
    that checks, and each worker held its own copy of the modules and the bibliography.
    """
    workers = min(len(work), jobs or os.cpu_count() or 1)
    if workers < 2:
        return [_check_chapter(session, chapter, number) for chapter, number in work]
    from concurrent.futures import ThreadPoolExecutor  # not before: a check with nothing to do

    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        # The book's bibliographies are read first, by one thread, while another parses its
        # first chapter (a failure is reported by the chapters, which ask again).
        for name in session.book_wide:
            pool.submit(session.bibliography, name)
        futures = [pool.submit(_check_chapter, session, chapter, number)
                   for chapter, number in work]
        if session.follow_up is not None:
            session.follow_up.meanwhile()
        results = [future.result() for future in futures]
    finally:
        # After a failure or Ctrl-C, the chapters not yet begun are not checked.
        pool.shutdown(wait=True, cancel_futures=True)
    for name in session.book_wide:  # read already, unless no chapter asked and it failed
        session.bibliography(name)
    release_memory()  # the chapters' trees, freed, before the build lays the book out
    return results


def _unused(bib: BibFile, cited: set[str], chapter: str | None) -> list[Finding]:
    return [warning("bibliography.unused", bib.name, entry.line,
                    f"'{entry.key}' is never cited.", "Cite it or remove it.", chapter=chapter)
            for entry in bib.entries if entry.key not in cited]


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.code, f.file, f.line, f.column, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def run_checks(book: Book, chapter_ids: Collection[str] | None = None,
               cache: Cache | None = None, progress: Progress = lambda _: None,
               starting: Callable[[int], None] | None = None,
               jobs: int | None = None, follow_up: FollowUp | None = None) -> CheckReport:
    """Check the book (or the chapters named); return findings and each chapter's result.

    `starting` is told how many chapters must be checked afresh, before they are; `jobs` is
    the most threads that check them at once (default: the cores); `follow_up` is handed each
    chapter checked afresh without errors (see FollowUp).
    """
    cache = cache if cache is not None else default_cache(book)
    session = CheckSession(book, cache, follow_up)
    chapters = select_chapters(book, chapter_ids)
    numbers = {c.id: n for n, c in enumerate(checkable_chapters(book), start=1)}
    found: dict[str, ChapterResult] = {}
    keys: dict[str, str] = {}
    work: list[tuple[Chapter, int]] = []
    for chapter in chapters:
        assert chapter.file is not None
        try:
            data = (book.root / chapter.file).read_bytes()
        except OSError:
            data = b""
        keys[chapter.id] = session.chapter_key(chapter, numbers[chapter.id], data)
        cached = session.cached(keys[chapter.id])
        if cached is not None:
            found[chapter.id] = cached
        else:
            work.append((chapter, numbers[chapter.id]))
    if starting is not None:
        starting(len(work))
    for (chapter, _), result in zip(work, _compute(session, work, jobs), strict=True):
        found[chapter.id] = result
        progress(f"Checked {chapter.file}")
        # Unreadable chapters are cheap to check again; one too large is kept too, or every
        # build would count it as changed (and start a WeasyPrint worker for it).
        if result.words is not None or any(f.code == "manuscript.too-large"
                                           for f in result.findings):
            cache.put_json("check", keys[chapter.id], result.to_json())
    results = [found[c.id] for c in chapters]
    findings = [f for r in results for f in r.findings]
    complete = chapter_ids is None
    findings += _book_checks(session, results, complete)
    findings += missing_files(book, chapter_ids)
    return CheckReport(_dedupe(findings), results, complete)


def missing_files(book: Book, chapter_ids: Collection[str] | None = None) -> list[Finding]:
    """A finding for each chapter (of those named) whose state says its text is in the book
    but whose file is not there: renamed, moved, or never added."""
    from anthology.core.config import CHAPTERS_FILE

    return [error("chapter.missing-file", CHAPTERS_FILE, chapter.file_line or chapter.line,
                  f"chapter '{chapter.id}' is '{chapter.status}', but its file {chapter.file} "
                  "is not in the book.",
                  f"Add the file, or point 'file:' at it (`anthology chapter edit {chapter.id} "
                  "--file PATH`).", chapter=chapter.id)
            for chapter in book.active_chapters
            if chapter.status in TEXT_STATES and chapter.file
            and (chapter_ids is None or chapter.id in chapter_ids)
            and not (book.root / chapter.file).exists()]


def _book_checks(session: CheckSession, results: Sequence[ChapterResult],
                 complete: bool) -> list[Finding]:
    book = session.book
    findings: list[Finding] = cover_findings(book.root, book.config.build.cover)
    names = list(dict.fromkeys([*session.book_wide, *(n for r in results
                                                     for n in r.bibliographies)]))
    bibs = {name: session.bibliography(name) for name in names
            if (book.root / name).is_file()}
    for bib in bibs.values():
        findings += bib.findings
    wide = [bibs[n] for n in session.book_wide if n in bibs]
    findings += duplicate_keys(wide, None) + duplicate_works(wide, None)
    own = [(r.chapter, bibs[n]) for r in results for n in r.own if n in bibs]
    findings += key_conflicts(own)
    readable = all(r.words is not None for r in results)
    for name in dict.fromkeys(n for r in results for n in r.own):
        if name in bibs:
            users = [r for r in results if name in r.own]
            cited = {k for r in users for k in r.cited}
            findings += _unused(bibs[name], cited, users[0].chapter if len(users) == 1 else None)
    if complete and readable:
        cited_all = {k for r in results for k in r.cited}
        for bib in wide:
            findings += _unused(bib, cited_all, None)
    from anthology.editorial.checks.index import check_index

    findings += check_index([(r.file, r.chapter, r.index) for r in results], complete=complete)
    if complete and (book.root / "templates").is_dir():
        from anthology.editorial.checks.templates import check_templates

        findings += check_templates(book.root)
    if complete:
        from anthology.editorial.checks.words import check_book_words, counted

        findings += check_book_words((counted(r.words, book.config.words) for r in results
                                      if r.words is not None), book.config.words)
    return findings


def check_book(book: Book, chapter_ids: Collection[str] | None = None,
               cache: Cache | None = None, progress: Progress = lambda _: None,
               starting: Callable[[int], None] | None = None,
               jobs: int | None = None, follow_up: FollowUp | None = None) -> list[Finding]:
    """Every finding for the book (or for the chapters named), in no particular order."""
    return run_checks(book, chapter_ids, cache, progress, starting, jobs, follow_up).findings
