"""Giving memory back to the system once a big piece of work is over.

Python returns its own arenas when they empty, but what it and the C libraries (Pango, cairo's
fonts, harfbuzz) freed through malloc stays resident until the C heap is trimmed: trimmed
between the checks and the layout, and between two layouts in a worker.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


@functools.cache
def _malloc_trim() -> Callable[[int], Any] | None:
    import ctypes  # not at import: a warm check imports nothing it does not use

    try:
        trim: Callable[[int], Any] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
    return trim


def release_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim; elsewhere, no-op)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
