"""Files: atomic writes, and paths kept inside the book folder."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".anthology-tmp-"


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, fsync it, and move it into place.

    A reader (or a crash) sees the old file or the new one, never half of either.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # not at import: a check with nothing to do writes nothing

    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                tmp.chmod(path.stat().st_mode & 0o7777)
        else:
            tmp.chmod(0o644)
        tmp.replace(path)
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write text as UTF-8, atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Give a temporary path to write to; move it onto `path` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # not at import: a check with nothing to do writes nothing

    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.chmod(0o644)
        tmp.replace(path)
        _fsync_dir(path.parent)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def sweep_temp_files(folder: Path) -> list[Path]:
    """Remove temporary files a killed writer left in `folder`; return what was removed."""
    removed = []
    if folder.is_dir():
        for stale in folder.glob(f"{TEMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                stale.unlink()
                removed.append(stale)
    return removed


def is_inside(root: Path, candidate: Path) -> bool:
    """True when `candidate`, with every symlink resolved, lies inside `root`."""
    try:
        candidate.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def resolve_inside(root: Path, base: Path, reference: str) -> Path | None:
    """Resolve `reference` (relative to folder `base`) to a regular file inside `root`.

    Returns None for absolute paths, URLs, `..` escapes, symlinks that point outside the book,
    devices and folders: everything a chapter must not make the build read.
    """
    if not reference or "\x00" in reference or "://" in reference or reference.startswith(
            ("/", "\\", "file:", "data:")):
        return None
    candidate = base / reference
    if not is_inside(root, candidate):
        return None
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return resolved if resolved.is_file() else None


def relative_name(root: Path, path: Path) -> str:
    """`path` as the user should see it: relative to the book folder where possible."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
