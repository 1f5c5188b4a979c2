"""`anthology watch`: build the book again whenever a file it is made from changes.

The WeasyPrint workers stay loaded from one build to the next, so a rebuild after a save
costs the changed chapter's checks, its pandoc runs and its layout, and no start-up. Files are
polled (no extra dependency, and it works the same on network and synced folders); a change is
built once the files have stopped changing for one interval, so an editor's save in several
writes gives one build. An error (a broken book.yaml, a check that fails) is reported and the
watch goes on: fixing the file builds again.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from anthology.build import BuildOptions, BuildResult, build_book
from anthology.core.errors import AnthologyError

# Folders that are outputs or tools' own, never inputs of the book.
IGNORED = {"build", "__pycache__", "node_modules"}
Snapshot = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Built:
    """A build that finished."""

    result: BuildResult
    seconds: float


@dataclass(frozen=True)
class Failed:
    """A build that stopped on an error the user can fix."""

    error: AnthologyError
    seconds: float


Event = Built | Failed


def snapshot(root: Path) -> Snapshot:
    """The modification time and size of every file under `root` that can be an input
    (build/ and hidden folders left out)."""
    found: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED and not d.startswith("."))
        for name in files:
            path = Path(folder) / name
            try:
                stat = path.lstat()
            except OSError:  # removed while we looked: the next look sees it gone
                continue
            found[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed_files(before: Snapshot, after: Snapshot) -> list[str]:
    """The files added, removed or changed between two snapshots, sorted."""
    return sorted(name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name))


def watch(root: Path, targets: Sequence[str], report: Callable[[Event], None], *,
          jobs: int | None = None, force: bool = False, interval: float = 0.5,
          stop: threading.Event | None = None,
          changed: Callable[[list[str]], None] = lambda _: None,
          progress: Callable[[str], None] = lambda _: None) -> None:
    """Build `targets` now and after every change under `root`, until `stop` is set.

    `report` is told how each build ended, `changed` which files set it off.
    """
    from anthology.core.config import load_book
    from anthology.engines.weasyprint.workers import WorkerPool, default_jobs

    stop = stop or threading.Event()
    options = BuildOptions(tuple(targets), force=force, jobs=jobs)
    with WorkerPool(jobs or default_jobs()) as pool:
        seen: Snapshot | None = None
        while not stop.is_set():
            current = snapshot(root)
            if seen is not None and current == seen:
                stop.wait(interval)
                continue
            if seen is not None:
                # Wait until the files stop changing: one build for a save in several writes.
                while not stop.wait(interval):
                    settled = snapshot(root)
                    if settled == current:
                        break
                    current = settled
                if stop.is_set():
                    break
                changed(changed_files(seen, current))
            seen = current  # taken before the build: a save during the build builds again
            started = time.monotonic()
            try:
                result = build_book(load_book(root), options, progress=progress, pool=pool)
            except AnthologyError as exc:
                pool.discard_busy()
                report(Failed(exc, time.monotonic() - started))
            except OSError as exc:
                # A file the system refuses (a read-only build folder, a full disk): reported
                # like any failed build, and the watch goes on; the next save builds again.
                from anthology.core.errors import os_error_message

                pool.discard_busy()
                report(Failed(AnthologyError(os_error_message(exc)),
                              time.monotonic() - started))
            else:
                report(Built(result, time.monotonic() - started))
