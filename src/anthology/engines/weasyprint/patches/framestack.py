"""Room on CPython's frame stack for a whole render, taken once.

CPython (3.11 and later) keeps the frames of Python calls in chunks of 16 KiB, which it maps
from the system when a call does not fit in the current one and unmaps as soon as the first
frame in it returns. WeasyPrint recurses deep and calls in tight loops: where a loop's calls
straddle the end of a chunk, every call maps and unmaps one, and touches its pages afresh.
How often that happens depends only on how deep the render happens to be called from: the
same whole-book render made 176,000 or 600,000 mmap/munmap pairs (0.7 or 2.5 s of system
time) as unrelated lines of anthology's code changed, and so did its run time.

`call(func, *args)` runs `func` from a frame big enough that CPython gives it a chunk of
512 KiB of which about 250 KiB are left for the frames called under it, more than a render
needs (WeasyPrint's deepest layout is some hundreds of frames of a few hundred bytes): no
chunk is mapped or unmapped below it. The frame is a copy of a two-line function with 32,768
more local variables that nothing uses; where the interpreter would not take such a copy,
`func` is called as it is.

Replaces no WeasyPrint code: it runs the whole render (render.py) from that frame. Measured
on CPython 3.11 only (the machine's); CPython 3.10 and before keep no such chunks.

GAIN: to be measured
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any, TypeVar

T = TypeVar("T")

# 8 bytes a local: 32,768 of them with CPython's per-chunk overhead need just over 256 KiB, so
# the chunk, doubled from 16 KiB until the frame fits, is 512 KiB.
ROOM = 32_768


def _plain(func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return func(*args)


def _roomy() -> Callable[[Callable[..., Any], tuple[Any, ...]], Any]:
    code = _plain.__code__
    try:
        names = code.co_varnames + tuple(f"_room{i}" for i in range(ROOM))
        roomy = code.replace(co_varnames=names, co_nlocals=len(names))
        made: Callable[[Callable[..., Any], tuple[Any, ...]], Any] = FunctionType(
            roomy, _plain.__globals__, "_roomy_call")
        made(lambda: None, ())  # the interpreter takes it
    except Exception:  # another interpreter's code objects
        return _plain
    return made


_CALL = _roomy()


def usable() -> bool:
    """Whether the interpreter takes the roomy frame."""
    return _CALL is not _plain


def call(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)`, with room for its calls on the frame stack (see the module's text)."""
    result: T = _CALL(func, args)
    return result
