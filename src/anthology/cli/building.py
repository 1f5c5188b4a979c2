"""Commands that make things: init and build."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

import click

from anthology.cli.common import echo, quiet_option, state, today

COMMANDS: list[click.Command] = []


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="Untitled Edited Collection", show_default=True,
              help="The book's title.")
@click.option("--editor", help="The editor's name (default: git config user.name).")
@click.option("--email", help="The editor's e-mail (default: git config user.email).")
@click.option("--no-git", is_flag=True,
              help="Do not make the folder a git repository with a first commit.")
def init_command(folder: Path, title: str, editor: str | None, email: str | None,
                 no_git: bool) -> None:
    """Start a new book in FOLDER: book.yaml, registries, an example chapter, a bibliography,
    CONTRIBUTING.md and a CI workflow, as a git repository with a first commit.

    The new book builds as it is; edit book.yaml next.

    Example:

    \b
        anthology init my-book --title "Co-production in Practice" --editor "Jane Doe"
    """
    from anthology.core.installation import running_command
    from anthology.editorial.init import init_book
    from anthology.editorial.submissions.git import config_value as _git_config
    from anthology.editorial.submissions.git import start_repository

    git_name, git_email = _git_config("user.name"), _git_config("user.email")
    editor = editor or git_name or "Your Name"
    email = email or git_email or "editor@example.org"
    written = init_book(folder, title, editor, email, today())
    for path in written:
        echo(f"Wrote {path}")
    if not no_git:
        commit = start_repository(folder, git_name or f"anthology init {editor}",
                                  git_email or email, f"A new book: {title.strip()}")
        if commit is None:
            echo(f"{folder} is inside a git repository already: commit the new book "
                 "there (git add -A && git commit).")
        else:
            echo(f"Made {folder} a git repository, with the new book as its first commit "
                 f"({commit[:7]}).")
    anthology = running_command()
    echo(f"Next, build it:\n  cd {shlex.quote(str(folder.absolute()))} && {anthology} build")


BOOK_TARGETS = ("pdf", "epub")
ALL_TARGETS = (*BOOK_TARGETS, "proposal", "offprints", "chapter", "review")
# Targets that the chapter ids after them belong to.
CHAPTER_TARGETS = ("offprints", "chapter", "review")


def parse_targets(words: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Split `build`'s arguments into targets and the chapter ids that follow `offprints` or
    `chapter`.

    No target means the book's PDF and EPUB.
    """
    from anthology.core.config import suggest

    targets: list[str] = []
    chapters: list[str] = []
    for word in words:
        if word in ALL_TARGETS:
            if word not in targets:
                targets.append(word)
        elif any(t in targets for t in CHAPTER_TARGETS):
            chapters.append(word)
        else:
            close = suggest(word, ALL_TARGETS)
            hint = f" Did you mean '{close}'?" if close else ""
            raise click.UsageError(
                f"'{word}' is not something anthology builds.{hint} Targets: "
                f"{', '.join(ALL_TARGETS)} (chapter ids may follow offprints, chapter or review).")
    return targets or list(BOOK_TARGETS), chapters


@click.command("build")
@click.argument("words", nargs=-1, metavar="[TARGET]... [CHAPTER]...")
@click.option("--force", is_flag=True, help="Build even when the checks find errors.")
@click.option("--clean", is_flag=True, help="Ignore the cache and redo everything.")
@click.option("--release", is_flag=True,
              help="Lay the PDF out as one tagged (PDF/UA) document, for the publisher; "
                   "everyday builds lay out only the chapters that changed.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Chapters checked, and PDF pieces laid out, at once (default: the number of "
                   "cores).")
@click.option("--format", "fmt", type=click.Choice(("docx", "pdf")), default=None,
              help="For `build chapter` (default docx) and `build review` (default pdf): a "
                   "Word file or a PDF.")
@quiet_option
def build_command(words: tuple[str, ...], force: bool, clean: bool, release: bool,
                  jobs: int | None, fmt: str, quiet: bool) -> None:
    """Build the book's PDF and EPUB into build/ (or only the TARGETs named).

    TARGETs: pdf, epub, proposal (build/proposal.pdf, .epub, .docx) and offprints
    (build/offprints/NN-ID.pdf, for every chapter or for the CHAPTER ids after it), and
    chapter (build/chapters/ID.docx, or .pdf with --format pdf: the CHAPTERs after it as the
    book sets them, for a contributor or copy-editor who works in Word), and review
    (build/reviews/ID-round-N.pdf, or .docx: the copy a reviewer reads, lines numbered,
    anonymised for double-blind review).
    Chapters with no file yet are left out, with a note. Everything is cached in
    build/.cache/: a rebuild redoes only what changed (--clean redoes everything). The
    everyday PDF is laid out chapter by chapter and joined; --release makes the tagged
    whole-book PDF that `anthology package` delivers.

    Example:

    \b
        anthology build pdf offprints power-sharing safe-spaces
    """
    from anthology.build import BuildOptions, build_book
    from anthology.core.findings import Finding, render_text

    targets, chapter_ids = parse_targets(words)
    book = state().book()

    def progress(line: str) -> None:
        if not quiet:
            echo(line, err=True)

    def wrote(line: str) -> None:  # --quiet: nothing on success
        if not quiet:
            echo(line)

    def noticed(findings: Sequence[Finding]) -> None:
        if findings and not quiet:
            echo(render_text(findings), err=True)

    # Refused before anything is built: a chapter or review copy needs the chapter named.
    for target, formats in (("chapter", "docx|pdf"), ("review", "pdf|docx")):
        if target in targets and not chapter_ids:
            raise click.UsageError(f"Say which chapter to build: anthology build {target} "
                                   f"CHAPTER [--format {formats}].")

    book_pdf = None
    book_targets = [t for t in targets if t in BOOK_TARGETS]
    if book_targets:
        options = BuildOptions(tuple(book_targets), force=force, clean=clean, release=release,
                               jobs=jobs)
        result = build_book(book, options, progress=progress)
        noticed(result.findings)
        for url in result.refused:
            echo(f"Refused to read {url}: only files inside the book folder are used.",
                 err=True)
        for path in result.outputs:
            extra = f" ({result.pages} pages)" if path.suffix == ".pdf" and result.pages else ""
            wrote(f"Wrote {path.relative_to(book.root)}{extra}")
            if path.suffix == ".pdf":
                book_pdf = path
    if "offprints" in targets:
        from anthology.build import build_offprints

        for offprint in build_offprints(book, chapter_ids, book_pdf=book_pdf, force=force,
                                        progress=progress):
            wrote(f"Wrote {offprint.path.relative_to(book.root)} ({offprint.span.page_range})")
    if "chapter" in targets:
        from anthology.outputs.chapterdoc import build_chapter_document

        for chapter_id in chapter_ids:
            made = build_chapter_document(book, chapter_id, fmt or "docx", force=force)
            noticed(made.findings)
            extra = f" ({made.pages} pages)" if made.pages else ""
            wrote(f"Wrote {made.path.relative_to(book.root)}{extra}")
    if "review" in targets:
        from anthology.outputs.reviewcopy import build_review_copy

        for chapter_id in chapter_ids:
            copy = build_review_copy(book, chapter_id, fmt or "pdf", force=force)
            noticed(copy.findings)
            kind = "double-blind, " if copy.blind else ""
            extra = f"; {copy.pages} page{'' if copy.pages == 1 else 's'}, " \
                f"{copy.numbered_lines} lines numbered" if copy.pages else ""
            wrote(f"Wrote {copy.path.relative_to(book.root)} ({kind}review round "
                  f"{copy.round}{extra})")
    if "proposal" in targets:
        from anthology.outputs.proposal import build_proposal

        proposal = build_proposal(book, today=today(), force=force, progress=progress)
        noticed(proposal.findings)
        for path in proposal.outputs:
            extra = f" ({proposal.pages} pages)" if path.suffix == ".pdf" else ""
            wrote(f"Wrote {path.relative_to(book.root)}{extra}")


@click.command("watch")
@click.argument("targets", nargs=-1, type=click.Choice(BOOK_TARGETS))
@click.option("--force", is_flag=True, help="Build even when the checks find errors.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=0.5, show_default=True,
              help="Seconds between looks at the files.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Chapters checked, and PDF pieces laid out, at once (default: the number of "
                   "cores).")
def watch_command(targets: tuple[str, ...], force: bool, interval: float,
                  jobs: int | None) -> None:
    """Build the PDF (or the TARGETs named: pdf, epub) now and again after every save.

    Watches every file of the book folder except build/; a save builds only what changed,
    with WeasyPrint kept loaded between builds. Errors are reported and the watch goes on:
    fix the file and save again. Press Ctrl-C to stop.

    Example:

    \b
        anthology watch pdf
    """
    import time

    from anthology.core.findings import render_text, summary_line
    from anthology.watch import Built, Event, watch

    root = state().root()
    shown: list[object] = []

    def changed(names: list[str]) -> None:
        listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3
                                         else "")
        echo(f"{time.strftime('%H:%M:%S')} Changed: {listed}", err=True)

    def report(event: Event) -> None:
        stamp = time.strftime("%H:%M:%S")
        if isinstance(event, Built):
            result = event.result
            problems = [f for f in result.findings if f.severity != "info"]
            if problems != shown:  # the full list only when it changed
                if problems:
                    echo(render_text(problems), err=True)
                shown[:] = problems
            made = ", ".join(str(p.relative_to(root)) for p in result.outputs)
            pages = f" ({result.pages} pages)" if result.pages else ""
            echo(f"{stamp} Built {made}{pages} in {event.seconds:.1f} s."
                 + (f" {summary_line(problems)}" if problems else ""))
        else:
            if event.error.findings:
                echo(render_text(list(event.error.findings)), err=True)
            shown.clear()
            echo(f"{stamp} Not built: {event.error.message} Watching for the next "
                 "save.", err=True)

    echo(f"Watching {root} (Ctrl-C to stop).", err=True)
    try:
        watch(root, list(targets) or ["pdf"], report, jobs=jobs, force=force,
              interval=interval, changed=changed)
    except KeyboardInterrupt:
        echo("Stopped watching.", err=True)


COMMANDS += [init_command, build_command, watch_command]
