"""WeasyPrint's C libraries found without the lookups that cannot succeed on Linux.

Replaces, while WeasyPrint is imported and after, the standard library's
`ctypes.util.find_library` (CPython 3.11 measured) for the names that begin with "lib". It
checks no WeasyPrint source: it changes only how a library that does not exist under a name
is found not to exist, for any caller.

WeasyPrint asks cffi for each C library under the names it has on every platform
('libpango-1.0-0', 'libharfbuzz-subset.0.dylib', 'pango-1.0'...); cffi hands every name that
does not load as it is to `ctypes.util.find_library`, which on Linux runs ldconfig, gcc and ld
to look for 'lib' + name: 26 lookups of about 10 ms each, 0.23 s of the 0.55 s that a
WeasyPrint process takes to start. A name that begins with 'lib' can only be found as a file
called 'liblib...', so for those the answer is None without looking; every other name is
looked up as before.

Gain, measured on 2026-12-07 at commit 1671940 with benchmarks/patches.py (the benchmark book at
4 chapters of 7,500 words, 2 cores shared with other work; CPU seconds, user + system, of the
build and all its processes; each build against the all-on builds of the same time; median of 3
runs cold, 3 release): turning it off costs the cold build +0.66 CPU-s (+3.3%) and the release
-0.32 CPU-s (-3.0%). Kept by its cold build (the workers and renders it starts), on three runs
that agree in sign (+0.22 to +1.04 CPU-s).
"""

from __future__ import annotations

import sys


def install() -> bool:
    """Spare WeasyPrint's import the hopeless lookups (idempotent, Linux only); whether it is
    installed."""
    import ctypes.util

    if sys.platform != "linux":
        return False
    if getattr(ctypes.util.find_library, "anthology_quick", False):
        return True
    original = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        if name.startswith("lib"):
            return None
        found: str | None = original(name)
        return found

    find_library.anthology_quick = True  # type: ignore[attr-defined]
    ctypes.util.find_library = find_library
    return True
