"""The store: hand edits survive, bad files are left alone, writes are atomic and locked."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from anthology.core.config import load_book
from anthology.core.errors import AnthologyError, ConfigError
from anthology.editorial.tracking.plan import add_chapter, mark_chapter, move_chapter
from anthology.editorial.tracking.store import LOCK_FILE, book_lock
from tests.conftest import CHAPTERS_YAML, REPO

D = dt.date(2026, 6, 1)


def test_untouched_records_keep_their_exact_text(sample_book: Path) -> None:
    before = (sample_book / "chapters.yaml").read_text()
    mark_chapter(sample_book, "ward-rounds", "revisions", date=dt.date(2026, 11, 20),
                 by="Helen Marsh", note="Two reviews in: revise")
    after = (sample_book / "chapters.yaml").read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["      - {date: 2026-11-20, state: revisions, by: Helen Marsh, note: "
                     "'Two reviews in: revise', round: 1}"]
    blocks_before, blocks_after = before.split("\n\n"), after.split("\n\n")
    changed = [n for n, (a, b) in enumerate(zip(blocks_before, blocks_after, strict=True))
               if a != b]
    assert len(changed) == 1
    assert "id: ward-rounds" in blocks_after[changed[0]]


def test_hand_edits_survive(small_book: Path) -> None:
    path = small_book / "chapters.yaml"
    text = path.read_text().replace(
        "  - id: peer\n", "  # Ben asked for more time; agreed by phone.\n  - id: peer\n")
    text = text.replace("    title: Introduction\n", "    title: 'Introduction'  # working\n")
    path.write_text(text)
    mark_chapter(small_book, "peer", "agreed", date=D, by="Ada Editor")
    after = path.read_text()
    assert "# Ben asked for more time; agreed by phone." in after
    assert "    title: 'Introduction'  # working\n" in after
    assert after.startswith(text.split("  - id: peer")[0])
    assert load_book(small_book).chapter("peer").status.value == "agreed"


def test_new_key_goes_in_its_place(small_book: Path) -> None:
    from anthology.editorial.tracking.plan import edit_chapter

    edit_chapter(small_book, "peer", due={"drafts": dt.date(2026, 12, 1)}, part="Part I")
    text = (small_book / "chapters.yaml").read_text()
    assert "    file: chapters/02-peer.md\n    part: Part I\n    status: invited\n" \
           "    due: {drafts: 2026-12-01}\n    history:\n" in text


def test_new_chapter_is_one_block(small_book: Path) -> None:
    add_chapter(small_book, "ethics", "Ethics, Again", ["ben-writer"], date=D, by="Ada Editor")
    text = (small_book / "chapters.yaml").read_text()
    assert text.endswith(
        "      - {date: 2026-01-10, state: invited, by: Ada Editor}\n"
        "  - id: ethics\n"
        "    title: Ethics, Again\n"
        "    authors: [ben-writer]\n"
        "    file: chapters/03-ethics.md\n"
        "    status: proposed\n"
        "    history:\n"
        "      - {date: 2026-06-01, state: proposed, by: Ada Editor}\n")


def test_move_keeps_records_intact(sample_book: Path) -> None:
    before = (sample_book / "chapters.yaml").read_text()
    move_chapter(sample_book, "commissioning", after="introduction")
    after = (sample_book / "chapters.yaml").read_text()
    assert sorted(before.splitlines()) == sorted(after.splitlines())
    ids = [c.id for c in load_book(sample_book).chapters]
    assert ids[:2] == ["introduction", "commissioning"]


@pytest.mark.parametrize(("text", "message"), [
    (CHAPTERS_YAML + "<<<<<<< HEAD\n", "chapters.yaml still has git merge-conflict markers"),
    (CHAPTERS_YAML.replace("format: 1", "format: 2"),
     "chapters.yaml was written by a newer version of anthology"),
])
def test_refuses_to_write_over_bad_files(make_book: object, text: str, message: str) -> None:
    root = make_book({"chapters.yaml": text})  # type: ignore[operator]
    with pytest.raises(ConfigError) as caught:
        mark_chapter(root, "peer", "agreed", date=D, by="Ada")
    assert message in caught.value.findings[0].message
    assert (root / "chapters.yaml").read_text() == text


def test_validation_before_writing(small_book: Path) -> None:
    before = (small_book / "chapters.yaml").read_text()
    with pytest.raises(AnthologyError) as caught:
        mark_chapter(small_book, "peer", "review", date=D, by="Ada", force=True)
    assert caught.value.message == (
        "Chapter 'peer' has no file chapters/02-peer.md yet, and from 'review' on the book "
        "keeps its text there. Save the chapter as chapters/02-peer.md, then mark it again.")
    assert (small_book / "chapters.yaml").read_text() == before


def test_stale_temporary_files_are_swept(small_book: Path) -> None:
    stale = small_book / ".anthology-tmp-abc.part"
    stale.write_text("half a file")
    mark_chapter(small_book, "peer", "agreed", date=D, by="Ada")
    assert not stale.exists()


# Crashes and concurrency, with real processes

ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}

WRITER = """
import datetime as dt, sys
from pathlib import Path
from anthology.editorial.tracking.plan import mark_chapter
root, chapter, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
states = ["review", "revisions"] if chapter == "intro" else ["agreed", "abstract"]
n = 0
while count < 0 or n < count:
    mark_chapter(root, chapter, states[n % 2], date=dt.date(2026, 6, 1), by="w", force=True,
                 note="x" * 2000)
    n += 1
"""


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", WRITER, *args], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.13, 0.3])
def test_killed_writer_leaves_old_or_new_file(small_book: Path, delay: float) -> None:
    path = small_book / "chapters.yaml"
    first = path.stat().st_mtime_ns
    writer = _spawn(str(small_book), "intro", "-1")
    deadline = time.monotonic() + 30
    while path.stat().st_mtime_ns == first and time.monotonic() < deadline:
        time.sleep(0.005)  # wait until the writer is in its loop, then kill it mid-way
    time.sleep(delay)
    os.kill(writer.pid, signal.SIGKILL)
    writer.communicate()
    book = load_book(small_book)  # parses: never a torn file
    intro = book.chapter("intro")
    assert intro.status is intro.history[-1].state
    assert intro.history[:3] == load_book_history_prefix()
    assert path.read_text().endswith("\n")
    mark_chapter(small_book, "peer", "agreed", date=dt.date(2026, 6, 2), by="Ada")
    assert not list(small_book.glob(".anthology-tmp-*"))


def load_book_history_prefix() -> tuple[object, ...]:
    import tempfile

    from tests.conftest import write_book

    with tempfile.TemporaryDirectory() as folder:
        return load_book(write_book(Path(folder))).chapter("intro").history


def test_two_writers_lose_no_update(small_book: Path) -> None:
    (small_book / "chapters" / "02-peer.md").write_text("# Peer\n")
    writers = [_spawn(str(small_book), "intro", "12"), _spawn(str(small_book), "peer", "12")]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    book = load_book(small_book)
    assert len(book.chapter("intro").history) == 3 + 12
    assert len(book.chapter("peer").history) == 1 + 12


HOLDER = """
import sys, time
from pathlib import Path
from anthology.editorial.tracking.store import book_lock
with book_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(30)
"""


def test_busy_lock_says_who_holds_it(small_book: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(small_book)], env=ENV,
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"locked\n"
        who = (small_book / LOCK_FILE).read_text()
        assert f"(process {holder.pid}, " in who
        before = (small_book / "chapters.yaml").read_text()
        with pytest.raises(AnthologyError) as caught, book_lock(small_book, timeout=0.3):
            pass  # pragma: no cover - the lock is busy
        assert caught.value.message == (
            f"Another anthology command is changing this book: {who}. Waited 0.3 seconds for "
            "it to finish; nothing was changed. Run the command again when it has finished.")
        assert (small_book / "chapters.yaml").read_text() == before
    finally:
        holder.kill()
        holder.communicate()
