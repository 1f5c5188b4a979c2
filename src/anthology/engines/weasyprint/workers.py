"""Long-lived WeasyPrint workers: child processes that each load WeasyPrint and the fonts once and
then lay out part after part (`python -m anthology.engines.weasyprint.render --serve`).

Each worker keeps the safety of a one-shot render: its own process with a memory cap
(`render.PIECE_MEMORY_LIMIT_BYTES`), the book-only URL fetcher of render.py, and a timeout per
part (`render.PIECE_TIMEOUT_SECONDS`) after which it is killed. Messages are JSON lines both ways
(see `render.serve`).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from anthology.core.errors import ToolError
from anthology.engines.weasyprint import patches
from anthology.engines.weasyprint.render import PIECE_TIMEOUT_SECONDS, limit_piece_memory


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class Worker:
    """One child process and the job it is working on."""

    process: subprocess.Popen[bytes]
    job: Any = None
    started: float = 0.0
    buffer: bytes = field(default=b"")
    used: bool = False
    what: str = "the PDF"  # what the job lays out, for messages

    @property
    def busy(self) -> bool:
        """Working on a job."""
        return self.job is not None


class WorkerPool:
    """Up to `size` workers, started on first use and stopped by `close` (or `with`).

    A pool that is not `kept` (one build's) lets its workers go as soon as it is told that no
    more jobs come (`finish`): they exit while the build joins the pieces.
    """

    def __init__(self, size: int, *, kept: bool = True) -> None:
        patches.chosen()  # a switch the workers would not understand fails here, plainly
        self.size = max(1, size)
        self.kept = kept
        self.workers: list[Worker] = []
        self.leaving: list[subprocess.Popen[bytes]] = []
        self.selector = selectors.DefaultSelector()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _start(self) -> Worker:
        process = subprocess.Popen(
            [sys.executable, "-m", "anthology.engines.weasyprint.render", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=limit_piece_memory,
            env={**os.environ, "PYTHONWARNINGS": "ignore"})
        worker = Worker(process)
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), False)
        self.selector.register(process.stdout, selectors.EVENT_READ, worker)
        self.workers.append(worker)
        return worker

    def prestart(self, count: int) -> None:
        """Start up to `count` workers now, so that they load WeasyPrint while the caller
        prepares their first jobs (a worker never given a job is killed by `close`)."""
        while len(self.workers) < min(count, self.size):
            self._start()

    def idle(self, wanted: int) -> list[Worker]:
        """Idle workers, starting new ones (up to the pool size) for `wanted` jobs."""
        free = [w for w in self.workers if not w.busy]
        while len(free) < wanted and len(self.workers) < self.size:
            free.append(self._start())
        return free[:wanted]

    def submit(self, worker: Worker, job: Any, message: dict[str, Any],
               what: str = "the PDF") -> None:
        """Give `worker` a job (`job` is the caller's handle, `message` what the worker reads,
        `what` names what it lays out in messages)."""
        worker.job, worker.started, worker.used = job, time.monotonic(), True
        worker.what = what
        self.send(worker, message)

    def send(self, worker: Worker, message: dict[str, Any]) -> None:
        """Write one JSON line to the worker."""
        assert worker.process.stdin is not None
        try:
            worker.process.stdin.write(json.dumps(message).encode() + b"\n")
            worker.process.stdin.flush()
        except BrokenPipeError:
            raise ToolError("A WeasyPrint worker stopped unexpectedly (out of memory?); look "
                            "for a huge image or table.") from None

    def wait(self, timeout: float | None = None) -> list[tuple[Worker, dict[str, Any]]]:
        """The next messages from busy workers (none if `timeout` seconds pass first); raises
        ToolError on a worker's timeout or crash."""
        out: list[tuple[Worker, dict[str, Any]]] = []
        until = None if timeout is None else time.monotonic() + timeout
        while not out:
            left = 1.0 if until is None else min(1.0, max(0.0, until - time.monotonic()))
            for key, _ in self.selector.select(timeout=left):
                worker: Worker = key.data
                stream = worker.process.stdout
                assert stream is not None
                chunk = stream.read()
                if chunk is None:
                    continue
                if not chunk:  # the worker died
                    code = worker.process.wait()
                    self._forget(worker)
                    raise ToolError(f"WeasyPrint stopped while laying out {worker.what} (exit "
                                    f"status {code}); it may have run out of memory on a huge "
                                    "image or table.")
                worker.buffer += chunk
                while b"\n" in worker.buffer:
                    line, worker.buffer = worker.buffer.split(b"\n", 1)
                    out.append((worker, json.loads(line)))
            now = time.monotonic()
            for worker in self.workers:
                if worker.busy and now - worker.started > PIECE_TIMEOUT_SECONDS:
                    self._forget(worker, kill=True)
                    raise ToolError(f"WeasyPrint did not finish {worker.what} within "
                                    f"{PIECE_TIMEOUT_SECONDS} seconds; look for a huge image or "
                                    "table there.")
            if until is not None and time.monotonic() >= until:
                break
        return out

    def discard_busy(self) -> None:
        """Kill the workers still on a job (after a build stopped half-way), so that a later
        build never reads their answers."""
        for worker in [w for w in self.workers if w.busy]:
            self._forget(worker, kill=True)

    def _forget(self, worker: Worker, kill: bool = False) -> None:
        if kill:
            worker.process.kill()
            worker.process.wait()
        assert worker.process.stdout is not None
        self.selector.unregister(worker.process.stdout)
        for stream in (worker.process.stdin, worker.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self.workers.remove(worker)

    def finish(self) -> None:
        """No more jobs come: the idle workers of a pool that is not kept are let go now (they
        exit on their own while the caller goes on; `close` waits for them)."""
        if self.kept:
            return
        for worker in [w for w in self.workers if not w.busy]:
            self._let_go(worker)

    def _let_go(self, worker: Worker) -> None:
        """End a worker's input (it exits at its end); one never used is killed, since it may
        still be loading WeasyPrint."""
        if not worker.used:
            self._forget(worker, kill=True)
            return
        self._forget(worker)  # closes its input
        self.leaving.append(worker.process)

    def close(self) -> None:
        """Stop every worker: all are told at once, then waited for."""
        for worker in list(self.workers):
            self._let_go(worker)
        for process in self.leaving:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.leaving.clear()
        self.selector.close()
