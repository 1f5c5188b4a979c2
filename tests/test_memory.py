"""Giving freed C heap back to the system between big pieces of work (anthology/core/memory.py)."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from anthology.core import memory

# Run in a fresh process: in a long-lived one the heap has holes, and the blocks may land at
# its top, which free() alone gives back.
FREED_IN_THE_MIDDLE = """
import ctypes
from pathlib import Path

from anthology.core import memory


def resident():
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024


libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
blocks = [libc.malloc(32 * 1024) for _ in range(2048)]  # 64 MB below glibc's mmap size
for block in blocks:
    ctypes.memset(block, 1, 32 * 1024)  # resident
pin = libc.malloc(64)  # keeps the heap's top in use: freeing alone cannot shrink it
for block in blocks:
    libc.free(block)
before = resident()
memory.release_memory()
print(before - resident())
"""


@pytest.mark.skipif(memory._malloc_trim() is None, reason="not glibc: nothing to trim")
def test_freed_heap_in_the_middle_goes_back_to_the_system() -> None:
    done = subprocess.run([sys.executable, "-c", FREED_IN_THE_MIDDLE], capture_output=True,
                          text=True, check=True)
    assert float(done.stdout) > 48  # of the 64 MB freed


def test_without_malloc_trim_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_library(_: object) -> object:
        raise OSError("no C library here")

    memory._malloc_trim.cache_clear()
    monkeypatch.setattr(ctypes, "CDLL", no_library)
    try:
        assert memory._malloc_trim() is None
        memory.release_memory()  # no error
    finally:
        memory._malloc_trim.cache_clear()
