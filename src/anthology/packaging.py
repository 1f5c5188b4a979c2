"""`anthology package`: the publisher's delivery, from a check and a release build.

A straight pipeline: find every reason not to deliver (a book not ready, uncommitted changes,
errors from `check`, a build that fails, an EPUB that EPUBCheck rejects) and refuse once,
listing them all, unless told otherwise (`allow_dirty` for the git tree, `force` for the rest);
then the delivery is assembled from what the build wrote (outputs/delivery.py). It lives here,
beside build.py, because it runs a whole build: the outputs below it never do.
"""

from __future__ import annotations

from anthology.core.errors import AnthologyError
from anthology.core.findings import Finding, Severity, has_errors
from anthology.core.model import Book
from anthology.core.terminal import Progress
from anthology.outputs import delivery
from anthology.outputs.delivery import PackageResult


def package_book(book: Book, *, allow_dirty: bool = False, force: bool = False,
                 draft: bool = False, progress: Progress = lambda _: None) -> PackageResult:
    """Assemble build/delivery/<slug>-<version>/ and its zip; refuse with every reason.

    A book not ready for the publisher (`delivery_reasons`) is refused unless `draft`: then
    every name has `-draft` in it and every PDF's title and subject say DRAFT.
    """
    from anthology import build
    from anthology.outputs.common import out_dir_of

    reasons: list[str] = [] if draft else delivery.delivery_reasons(book)
    state = delivery.git_state(book.root)
    not_committed = delivery.git_reason(state)
    if not_committed and not allow_dirty:
        reasons.append(not_committed)
    progress("Checking the book")
    findings, words = delivery_check(book, progress)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors and not force:
        n = len(errors)
        reasons.append(f"`anthology check` found {n} error{'' if n == 1 else 's'} (listed "
                       "above). Fix them, or package anyway with --force.")
    try:
        build.build_book(book, build.BuildOptions(build.TARGETS, release=True,
                                                  force=force or has_errors(findings)),
                         progress=progress)
    except AnthologyError as exc:
        raise AnthologyError("The package was not made:\n" + "\n".join(
            f"  - {r}" for r in [*reasons, f"the build failed: {exc.message}"]),
            [*errors, *exc.findings]) from None
    epub = out_dir_of(book) / f"{book.config.slug}.epub"
    progress("Running EPUBCheck")
    check = delivery.run_epubcheck(epub)
    if not check.passed and not force:
        what = "found problems" if check.ran else "could not run"
        reasons.append(f"EPUBCheck {what} in {epub.name} ({check.summary.rstrip('.')}). "
                       "Fix them, or package anyway with --force.")
    if reasons:
        raise AnthologyError("The package was not made:\n" + "\n".join(
            f"  - {r}" for r in reasons), errors)
    return delivery.write_delivery(book, state, check, findings, words, draft=draft,
                                   progress=progress)


def delivery_check(book: Book, progress: Progress) -> tuple[list[Finding], dict[str, int]]:
    """The findings of `anthology check` on the whole book, and each chapter's counted words
    (by id) for the delivery's metadata."""
    from anthology.editorial.checks.runner import run_checks
    from anthology.editorial.checks.words import counted

    report = run_checks(book, progress=progress)
    words = {r.chapter: counted(r.words, book.config.words) for r in report.chapters
             if r.words is not None}
    return report.findings, words
