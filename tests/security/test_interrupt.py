"""SIGINT and SIGTERM stop a build cleanly: build/.work removed, exit 130 or 143, no trace;
what a SIGKILL leaves is swept by the next build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import write_book

SRC = Path(__file__).resolve().parents[2] / "src"


def start_build(root: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1"}
    env.pop("ANTHOLOGY_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "anthology", "--book", str(root), "build",
                             "pdf", "--release", "--clean"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(path: Path, process: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, f"the build ended first: {process.communicate()}"
        assert time.monotonic() < deadline, "build/.work never appeared"
        time.sleep(0.01)


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "name"), [
    (signal.SIGINT, 130, "Ctrl-C (SIGINT)"), (signal.SIGTERM, 143, "SIGTERM")])
def test_a_signal_removes_the_scratch_folder(tmp_path: Path, signum: int, code: int,
                                             name: str) -> None:
    root = write_book(tmp_path / "book")
    process = start_build(root)
    wait_for(root / "build" / ".work", process)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert err.endswith(
        f"Stopped: The build was stopped by {name}; its scratch folder build/.work was "
        "removed. Each output is either complete or as the last build left it.\n")
    assert "Traceback" not in err
    assert not (root / "build" / ".work").exists()
    assert not (root / "build" / "a-small-book.pdf").exists()


def test_the_next_build_sweeps_what_sigkill_left(small_book: Path) -> None:
    from click.testing import CliRunner

    from anthology.cli import cli

    stale = small_book / "build" / ".work" / "piece-1.pdf"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left by a killed build")
    # A build that stops at its checks still holds the lock, and sweeps first.
    intro = small_book / "chapters" / "01-intro.md"
    intro.write_text(intro.read_text(encoding="utf-8") + "\n[@nobody]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--book", str(small_book), "build", "epub", "-q"])
    assert result.exit_code == 1
    assert not stale.parent.exists()
