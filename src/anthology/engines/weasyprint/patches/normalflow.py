"""WeasyPrint's `Box.is_in_normal_flow`, its five calls inlined.

Replaces `weasyprint.formatting_structure.boxes.Box.is_in_normal_flow` (and the five methods it
calls: `is_floated`, `is_absolutely_positioned`, `is_running`, `is_footnote`, `is_note`), of
WeasyPrint 70.0 (the SHA-256 of their source: `SOURCE`). Installed only where the WeasyPrint
found is that version with that source; elsewhere WeasyPrint's own code runs.

WeasyPrint 70's `Box.is_in_normal_flow` (asked 480,000 times in a book) calls five methods that
each read one style value. This one reads the same values in the same order, without the
calls; it is installed only while no box class has its own version of any of the six.

Gain, measured on 2026-12-07 at commit 1671940 with benchmarks/patches.py (the benchmark book at
4 chapters of 7,500 words, 2 cores shared with other work; CPU seconds, user + system, of the
build and all its processes; each build against the all-on builds of the same time; median of 3
runs cold, 2 release): turning it off costs the cold build +1.45 CPU-s (+7.2%) and the release
+0.04 CPU-s (+0.4%). The three cold runs disagree (-0.22, +1.45, +1.63 CPU-s): kept by the rule,
on weak evidence.
"""

from __future__ import annotations

from typing import Any

from anthology.engines.weasyprint.upstream import written_against

VERSION = "70.0"
SOURCE = "be44cfff8dbc90fc67ce46e1e34104076d1c5728242ece26858bc6a674a720cd"
METHODS = ("is_in_normal_flow", "is_floated", "is_absolutely_positioned", "is_running",
                 "is_footnote", "is_note")


def sources(box: Any) -> tuple[Any, ...]:
    """What the fast `is_in_normal_flow` copies (digest: SOURCE)."""
    return tuple(getattr(box, name) for name in METHODS)


def install() -> bool:
    """Install the fast `is_in_normal_flow` if WeasyPrint is the one it was written for
    (idempotent); whether it is installed."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    original = boxes.Box.is_in_normal_flow
    if getattr(original, "anthology_fast", False):
        return True
    if not written_against(weasyprint.__version__, VERSION, SOURCE, *sources(boxes.Box)):
        return False
    subclasses, seen = list(boxes.Box.__subclasses__()), set()
    while subclasses:
        subclass = subclasses.pop()
        if subclass in seen:
            continue
        seen.add(subclass)
        if any(name in subclass.__dict__ for name in METHODS):
            return False  # a box with its own: leave them alone
        subclasses.extend(subclass.__subclasses__())
    boxes.Box.is_in_normal_flow = normal_flow(original)
    return True


def normal_flow(original: Any) -> Any:
    """WeasyPrint's `Box.is_in_normal_flow`, its five calls inlined."""
    floats = ("left", "right", "inline-start", "inline-end")
    positioned = ("absolute", "fixed")

    def is_in_normal_flow(self: Any) -> bool:
        """Return whether this box is in normal flow."""
        style = self.style
        return not (
            style["float"] in floats or style["position"] in positioned
            or style["position"][0] == "running()" or style["float"] == "footnote"
            or style["position"][0] == "note()")

    is_in_normal_flow.anthology_fast = True  # type: ignore[attr-defined]
    is_in_normal_flow.anthology_original = original  # type: ignore[attr-defined]
    return is_in_normal_flow
