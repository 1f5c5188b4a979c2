"""Room on the frame stack for a render (render/framestack.py)."""

from __future__ import annotations

import resource

import pytest

from anthology.engines.weasyprint.patches import framestack


def deep(depth: int) -> int:
    return 0 if depth == 0 else deep(depth - 1) + 1


def sweep() -> int:
    """Calls to every depth up to 600, each 50 times: some of them straddle the end of a
    frame chunk wherever the sweep starts from. Returns the page faults it made."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for depth in range(0, 600, 3):
        for _ in range(50):
            deep(depth)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_call_passes_arguments_results_and_errors() -> None:
    assert framestack.call(divmod, 17, 5) == (3, 2)
    assert framestack.call(lambda: "done") == "done"
    with pytest.raises(ZeroDivisionError):
        framestack.call(divmod, 1, 0)


def test_the_interpreter_takes_the_roomy_frame() -> None:
    assert framestack._CALL is not framestack._plain
    assert framestack._CALL.__code__.co_nlocals >= framestack.ROOM


def test_deep_calls_under_it_map_no_chunk_of_frames() -> None:
    """Without the room, a call that crosses the end of a chunk maps a fresh one and
    touches its pages (four faults) every time; under `call`, the sweep fits in one chunk."""
    framestack.call(sweep)  # the first run may fault the roomy chunk's pages in
    assert framestack.call(sweep) < 100
