"""`anthology watch`: a build at the start, another after each save, errors reported and the
watch going on, and the files that set a build off."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from anthology.cli import cli
from anthology.watch import Built, Event, Failed, changed_files, snapshot, watch
from tests.conftest import write_book
from tests.pdftext import page_texts
from tests.render.conftest import EPOCH


class Watching:
    """A watch running in a thread, and what it reported."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.changes: list[list[str]] = []
        self.stop = threading.Event()

    def wait_for(self, count: int, timeout: float = 240.0) -> Event:
        """The `count`-th event, waiting for it."""
        deadline = time.monotonic() + timeout
        while len(self.events) < count:
            assert time.monotonic() < deadline, f"no build number {count}: {self.events}"
            time.sleep(0.05)
        return self.events[count - 1]


@pytest.fixture
def watching(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path,
                                                                                 Watching]]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    root = write_book(tmp_path / "book")
    state = Watching()
    thread = threading.Thread(target=watch, args=(root, ["pdf"], state.events.append),
                              kwargs={"jobs": 1, "interval": 0.1, "stop": state.stop,
                                      "changed": state.changes.append}, daemon=True)
    thread.start()
    yield root, state
    state.stop.set()
    thread.join(timeout=60)
    assert not thread.is_alive()


def text_of(pdf: Path) -> str:
    return "\n".join(page_texts(pdf))


@pytest.mark.slow
def test_a_save_builds_again_and_an_error_does_not_stop_the_watch(
        watching: tuple[Path, Watching]) -> None:
    root, state = watching
    first = state.wait_for(1)
    assert isinstance(first, Built)
    pdf = first.result.outputs[0]
    chapter = root / "chapters" / "01-intro.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nA sentence saved just now.\n",
                       encoding="utf-8")
    second = state.wait_for(2)
    assert isinstance(second, Built)
    assert state.changes[0] == ["chapters/01-intro.md"]
    assert "A sentence saved just now." in text_of(pdf)

    book_yaml = root / "book.yaml"
    good = book_yaml.read_text(encoding="utf-8")
    book_yaml.write_text(good + "colour: blue\n", encoding="utf-8")
    third = state.wait_for(3)
    assert isinstance(third, Failed)
    assert any(f.file == "book.yaml" for f in third.error.findings)
    book_yaml.write_text(good, encoding="utf-8")
    assert isinstance(state.wait_for(4), Built)


def test_snapshots_see_inputs_and_not_outputs(tmp_path: Path) -> None:
    root = write_book(tmp_path / "book")
    before = snapshot(root)
    assert "chapters/01-intro.md" in before and "book.yaml" in before
    (root / "build").mkdir()
    (root / "build" / "book.pdf").write_bytes(b"%PDF")
    (root / ".git").mkdir()
    (root / ".git" / "index").write_bytes(b"x")
    assert snapshot(root) == before
    (root / "chapters" / "02-new.md").write_text("New.\n", encoding="utf-8")
    (root / "references" / "book.bib").unlink()
    assert changed_files(before, snapshot(root)) == ["chapters/02-new.md",
                                                     "references/book.bib"]


def test_watch_refuses_an_unknown_target(tmp_path: Path) -> None:
    root = write_book(tmp_path / "book")
    result = CliRunner().invoke(cli, ["--book", str(root), "watch", "html"])
    assert result.exit_code == 2
    assert "'html' is not one of 'pdf', 'epub'" in result.output


def test_ctrl_c_stops_the_watch_quietly(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import anthology.watch

    root = write_book(tmp_path / "book")

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(anthology.watch, "watch", interrupted)
    result = CliRunner().invoke(cli, ["--book", str(root), "watch"])
    assert result.exit_code == 0
    assert "Stopped watching." in result.output




def test_a_second_build_at_the_same_time_is_refused(tmp_path: Path) -> None:
    from filelock import FileLock

    from anthology.build import BuildOptions, build_book
    from anthology.core.config import load_book
    from anthology.core.errors import AnthologyError

    root = write_book(tmp_path / "book")
    (root / "build").mkdir()
    with FileLock(root / "build" / ".build.lock"):
        with pytest.raises(AnthologyError, match="Another build of this book is running"):
            build_book(load_book(root), BuildOptions(("pdf",)))
        result = CliRunner().invoke(cli, ["--book", str(root), "build", "pdf"])
        assert result.exit_code == 1
        assert "Another build of this book is running" in result.output
        assert "Traceback" not in result.output


def test_a_file_the_system_refuses_is_reported_and_the_watch_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An OSError in a build (a full disk, a read-only build folder) is a failed build, named
    in plain words, not the end of the watch."""
    import anthology.watch as watching_module

    root = write_book(tmp_path / "book")
    calls: list[int] = []
    built = object()

    def build_book(*_: object, **__: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise OSError(28, "No space left on device", str(root / "build" / "book.pdf"))
        return built

    monkeypatch.setattr(watching_module, "build_book", build_book)
    state = Watching()
    thread = threading.Thread(target=watch, args=(root, ["pdf"], state.events.append),
                              kwargs={"jobs": 1, "interval": 0.05, "stop": state.stop},
                              daemon=True)
    thread.start()
    try:
        first = state.wait_for(1, timeout=30)
        assert isinstance(first, Failed)
        assert "no space left on device" in first.error.message
        assert "build/book.pdf" in first.error.message
        chapter = root / "chapters" / "01-intro.md"
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\nSaved again.\n",
                           encoding="utf-8")
        second = state.wait_for(2, timeout=30)
        assert isinstance(second, Built) and second.result is built
    finally:
        state.stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
