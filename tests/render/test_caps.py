"""The caps on each pandoc and WeasyPrint process: what they are, and that hitting one gives a
message naming what was being made, not a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anthology.core.errors import ToolError
from anthology.engines import pandoc
from anthology.engines.weasyprint.render import PIECE_MEMORY_LIMIT_BYTES
from anthology.engines.weasyprint.workers import WorkerPool


def test_pandoc_out_of_memory_names_the_chapter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pandoc, "HEAP_CAP", ["+RTS", "-M8M", "-RTS"])
    body = " ".join(f"x[^{n}]" for n in range(20_000)) + "\n\n" + "\n".join(
        f"[^{n}]: y" for n in range(20_000))
    with pytest.raises(ToolError) as caught:
        pandoc.markdown_to_json(body, "chapters/02-peer.md (chapter 'peer')")
    assert caught.value.message == ("chapters/02-peer.md (chapter 'peer'): pandoc failed: "
                                    "pandoc ran out of memory")


def test_pandoc_caps_keep_it_under_a_gigabyte() -> None:
    cap = next(arg for arg in pandoc.HEAP_CAP if arg.startswith("-M"))
    assert int(cap[2:-1]) <= 800 and cap.endswith("M")
    assert pandoc.TIMEOUT_SECONDS <= 120


def test_a_worker_has_its_memory_cap() -> None:
    with WorkerPool(1) as pool:
        pool.prestart(1)
        limits = Path(f"/proc/{pool.workers[0].process.pid}/limits").read_text()
    line = next(line for line in limits.splitlines() if line.startswith("Max address space"))
    assert re.split(r"\s{2,}", line)[1:3] == [str(PIECE_MEMORY_LIMIT_BYTES)] * 2


def test_a_worker_that_dies_is_reported_with_its_piece() -> None:
    with WorkerPool(1) as pool:
        worker = pool.idle(1)[0]
        pool.submit(worker, 0, {"ping": True}, "chapter 2")
        worker.process.kill()
        with pytest.raises(ToolError) as caught:
            pool.wait(10)
    assert caught.value.message == (
        "WeasyPrint stopped while laying out chapter 2 (exit status -9); it may have run out of "
        "memory on a huge image or table.")
