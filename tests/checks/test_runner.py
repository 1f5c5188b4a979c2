"""The runner: bad input never crashes, the cache makes a second check cheap, the build refuses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from anthology.build import BuildOptions, build_book
from anthology.chapters.manuscript import MAX_CHAPTER_BYTES
from anthology.core.config import load_book
from anthology.core.errors import AnthologyError, UsageError
from anthology.core.findings import Finding, has_errors
from anthology.editorial.checks.runner import check_book, run_checks
from anthology.editorial.checks.wordcounts import cached_word_counts
from tests.checks.conftest import texts

Check = Callable[..., list[Finding]]
HEAD = "---\ntitle: Peer Support\nauthors: [ben-writer]\n---\n\n"


def test_the_sample_book_has_no_errors(sample_book: Path) -> None:
    findings = check_book(load_book(sample_book))
    assert not has_errors(findings), [f.to_text() for f in findings]


@pytest.mark.parametrize(("content", "expected"), [
    (HEAD.encode() + b"caf\xe9\n",
     "chapters/02-peer.md:6: error: is not UTF-8 text: byte 54 (0xe9) cannot be read. Save the "
     "file as UTF-8 (in Word: Save As, Plain Text, Unicode UTF-8). [manuscript.encoding]"),
    (HEAD.encode() + b"a\x00b\n",
     "chapters/02-peer.md:6:2: error: contains a NUL byte. Delete it: retype the text around "
     "it, or paste it as plain text. [manuscript.control-character]"),
    (b"---\ntitle: [unclosed\n---\n\nText.\n", None),
    # No closing line: said exactly, with no YAML complaint and no "no text yet".
    (b"---\ntitle: Peer Support\nauthors: [ben-writer]\n\nWhen we met, people said: no.\n",
     "chapters/02-peer.md:1: error: the front matter that starts on line 1 has no closing '---' "
     "line; add one after the last key. [frontmatter.unclosed]"),
    (HEAD.encode(),
     "chapters/02-peer.md:5: error: has no text yet. Write the chapter below the front matter. "
     "[manuscript.empty]"),
    (b"x" * (MAX_CHAPTER_BYTES + 1),
     "chapters/02-peer.md: error: is 3.0 MB, more than the 3 MB a chapter may be. Check that "
     "this is the chapter text; split very long material into several chapters. "
     "[manuscript.too-large]"),
])
def test_bad_chapter_is_a_finding_and_the_others_are_still_checked(
        make_book: Callable[..., Path], content: bytes, expected: str | None) -> None:
    root = make_book()
    (root / "chapters" / "02-peer.md").write_bytes(content)
    report = run_checks(load_book(root))
    peer = [f for f in report.findings if f.file == "chapters/02-peer.md"]
    assert has_errors(peer)
    if expected is not None:
        assert [f.to_text() for f in peer] == [expected]
    else:
        assert [f.code for f in peer] == ["frontmatter.syntax"]
    intro = next(r for r in report.chapters if r.chapter == "intro")
    assert intro.words is not None and intro.words["body"] > 10


def test_front_matter_problems(check: Check) -> None:
    findings = check({"chapters/02-peer.md": "---\ntitle: Peer support, revised\nauthors: "
                      "[ben-writer, ada-edtor]\n---\n\nText.\n"})
    assert texts(findings, "frontmatter") == [
        "chapters/02-peer.md:2: warning: the title 'Peer support, revised' differs from the "
        "title in chapters.yaml, 'Peer Support'. Ask the editors which one is right, and make "
        "them the same. [frontmatter.title-differs]",
        "chapters/02-peer.md:3: error: the author 'ada-edtor' is not a registered contributor. "
        "Did you mean 'ada-editor'? [frontmatter.unknown-author]",
        "chapters/02-peer.md:3: warning: the authors [ben-writer, ada-edtor] differ from "
        "chapters.yaml, which has [ben-writer]. Ask the editors which list is right (order "
        "counts), and make them the same. [frontmatter.authors-differ]"]


def test_no_title_and_no_authors(check: Check) -> None:
    findings = check({"chapters/02-peer.md": "---\nkeywords: [x]\n---\n\nText.\n"})
    assert texts(findings, "frontmatter") == [
        "chapters/02-peer.md:2: error: the front matter names no authors. Add a line such as: "
        "authors: [ben-writer] [frontmatter.no-authors]",
        "chapters/02-peer.md:2: error: the front matter has no title. Add a line such as: "
        'title: "Peer Support" [frontmatter.no-title]']


def test_images_links_and_raw_html(check: Check) -> None:
    body = ("## Start {#sec-start}\n\nSee [above](#sec-start) and [gone](#sec-stat).\n\n"
            "![](images/missing.png)\n\nA <span>raw</span> bit.\n")
    findings = check({"chapters/02-peer.md": HEAD + body})
    assert texts(findings, "image", "link", "markdown") == [
        "chapters/02-peer.md:8:34: error: links to '#sec-stat', but nothing in this chapter has "
        "that id. Did you mean 'sec-start'? [link.broken]",
        "chapters/02-peer.md:10:3: error: uses the image images/missing.png, which does not "
        "exist. Check the file name (capitals count) or add the image to the images/ folder. "
        "[image.missing]",
        "chapters/02-peer.md:10:3: warning: the image images/missing.png has no description for "
        "readers who cannot see it. Write one between the brackets: "
        "![A short description](images/missing.png). [image.no-alt]",
        "chapters/02-peer.md:12:3: error: contains raw HTML (<span>), which the book does not "
        "print. Use Markdown instead: *italic*, **bold**, [link](https://...), "
        "![image](images/x.png). [markdown.raw-html]",
        "chapters/02-peer.md:12:12: error: contains raw HTML (</span>), which the book does not "
        "print. Use Markdown instead: *italic*, **bold**, [link](https://...), "
        "![image](images/x.png). [markdown.raw-html]"]


def test_unknown_chapter_id_suggests_the_closest(small_book: Path) -> None:
    with pytest.raises(UsageError) as caught:
        check_book(load_book(small_book), {"intr"})
    assert caught.value.message == ("There is no chapter 'intr' in chapters.yaml. Did you mean "
                                    "'intro'?")


def test_second_check_runs_no_pandoc(small_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = load_book(small_book)
    assert cached_word_counts(book) == {}
    first = check_book(book)
    from anthology.engines import pandoc

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pandoc ran on a warm check")

    monkeypatch.setattr(pandoc, "run_pandoc", refuse)
    assert check_book(load_book(small_book)) == first
    assert cached_word_counts(book) == {"intro": 21}


def test_a_changed_bibliography_invalidates_the_cached_result(small_book: Path) -> None:
    check_book(load_book(small_book))
    bib = small_book / "references" / "book.bib"
    bib.write_text(bib.read_text().replace("goffman1961", "goffman1962"))
    findings = check_book(load_book(small_book))
    assert texts(findings, "citation") == [
        "chapters/01-intro.md:9:6: error: cites @goffman1961, which is not in the bibliography. "
        "Did you mean @goffman1962? [citation.missing]"]


def test_the_build_refuses_when_check_finds_errors(small_book: Path) -> None:
    intro = small_book / "chapters" / "01-intro.md"
    intro.write_text(intro.read_text() + "\nAnd [@nobody].\n")
    with pytest.raises(AnthologyError) as caught:
        build_book(load_book(small_book), BuildOptions(("epub",)))
    assert caught.value.message == (
        "The build stopped: 1 problem (1 error) in 1 file. Fix them (run `anthology check` for "
        "the full list), or build anyway with --force.")
    assert not (small_book / "build" / "a-small-book.epub").exists()


def _refuse_reading(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)


def test_an_unreadable_chapter_is_a_finding(make_book: Callable[..., Path],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_book({"chapters/02-peer.md": HEAD + "Text.\n"})
    _refuse_reading(monkeypatch, "02-peer.md")
    report = run_checks(load_book(root), cache=None)
    assert [f.to_text() for f in report.findings if f.file == "chapters/02-peer.md"] == [
        "chapters/02-peer.md: error: cannot be read: permission denied. Let your user read the "
        "file (for example: chmod u+rw chapters/02-peer.md). [manuscript.unreadable]"]
    intro = next(r for r in report.chapters if r.chapter == "intro")
    assert intro.words is not None and intro.words["body"] > 10


def test_an_unreadable_bibliography_is_reported_once(make_book: Callable[..., Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Not also once for every citation of a work in it, as "not in the bibliography".
    root = make_book()
    _refuse_reading(monkeypatch, "book.bib")
    findings = check_book(load_book(root), cache=None)
    assert [f.to_text() for f in findings] == [
        "references/book.bib: error: references/book.bib cannot be read: permission denied. "
        "Let your user read it (for example: chmod u+rw references/book.bib). "
        "[bibliography.unreadable]"]


def test_one_job_checks_every_chapter_in_this_thread(sample_book: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`--jobs 1` holds for the checks too: no threads; `--jobs 2` checks in two threads of
    this process, and never in worker processes (each would hold its own modules)."""
    import concurrent.futures
    import multiprocessing

    from anthology.editorial.checks import runner

    started: list[int] = []
    real = concurrent.futures.ThreadPoolExecutor

    def counted(max_workers: int) -> concurrent.futures.ThreadPoolExecutor:
        started.append(max_workers)
        return real(max_workers=max_workers)

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a worker process was started")

    monkeypatch.setattr(concurrent.futures, "ThreadPoolExecutor", counted)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    monkeypatch.setattr(multiprocessing, "Process", refuse)
    report = run_checks(load_book(sample_book), cache=runner.Cache(
        sample_book / "build" / ".cache", enabled=False), jobs=1)
    assert len(report.chapters) >= 2 and started == []
    again = run_checks(load_book(sample_book), cache=runner.Cache(
        sample_book / "build" / ".cache", enabled=False), jobs=2)
    assert started == [2]
    assert again.findings == report.findings


def test_after_a_chapter_fails_the_chapters_not_begun_are_not_checked(
        sample_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure (or Ctrl-C) stops the checks: the threads do not go on through the book."""
    import threading
    import time

    from anthology.core.errors import ToolError
    from anthology.editorial.checks import runner
    from anthology.engines import pandoc

    real = pandoc.markdown_to_json
    parsed: list[str] = []
    lock = threading.Lock()
    second = threading.Event()  # the other thread has begun a chapter

    def slow_or_failing(body: str, what: str) -> bytes:
        with lock:
            first = not parsed
            if what.split(" ")[0] not in parsed:
                parsed.append(what.split(" ")[0])
            if len(parsed) >= 2:
                second.set()
        if first:  # fails while the other thread is on a chapter (not before it begins one)
            second.wait(timeout=10)
            raise ToolError(f"{what}: pandoc failed: out of paper")
        time.sleep(0.3)
        return real(body, what)

    monkeypatch.setattr(pandoc, "markdown_to_json", slow_or_failing)
    book = load_book(sample_book)
    with pytest.raises(ToolError, match="out of paper"):
        run_checks(book, cache=runner.Cache(sample_book / "build" / ".cache", enabled=False),
                   jobs=2)
    assert 2 <= len(parsed) < len(runner.checkable_chapters(book))
