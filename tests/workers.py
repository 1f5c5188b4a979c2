"""WeasyPrint workers kept for the builds of one test worker.

A build starts its own workers and lets them go at its end (`WorkerPool(kept=False)`); each
costs about 0.8 CPU-s to start (Python, WeasyPrint, the fonts) before its first page. The
tests' builds that are not about that pool take kept workers instead, as `anthology watch`
gives its builds: one pool per number of workers and per setting of the patches switch
(which a worker reads when it starts), stopped when the test worker exits. After each build
a worker still on a job (a layout laid out ahead and not needed) is stopped, so that no
build reads another's answer.
"""

from __future__ import annotations

import atexit
import os

from anthology.build import BuildOptions, BuildResult, build_book
from anthology.core.model import Book
from anthology.core.terminal import Progress
from anthology.engines.weasyprint import patches
from anthology.engines.weasyprint.workers import WorkerPool

_POOLS: dict[tuple[int, str], WorkerPool] = {}


def kept_pool(jobs: int) -> WorkerPool:
    """The kept pool of `jobs` workers for the patches switch as it is set now."""
    key = (jobs, os.environ.get(patches.SWITCH, ""))
    if key not in _POOLS:
        _POOLS[key] = WorkerPool(jobs)
    return _POOLS[key]


def build_kept(book: Book, options: BuildOptions, progress: Progress = lambda _: None
               ) -> BuildResult:
    """`build_book` with kept workers (a pool of `options.jobs`, two if unset)."""
    pool = kept_pool(options.jobs or 2)
    try:
        return build_book(book, options, progress=progress, pool=pool)
    finally:
        pool.discard_busy()


@atexit.register
def _close() -> None:
    for pool in _POOLS.values():
        pool.close()
