"""WeasyPrint's `ComputedStyle.__missing__`, its commonest cases answered first.

Replaces `weasyprint.css.ComputedStyle.__missing__`, of WeasyPrint 70.0 (the SHA-256 of their
source: `SOURCE`). Installed only where the WeasyPrint found is that version with that source;
elsewhere WeasyPrint's own code runs.

WeasyPrint 70 computes a box's style lazily: `ComputedStyle.__missing__` runs once for every
property a box is asked for (1.4 million times in a whole-book render), and walks all of its
cases each time. Two cases are most of them: a property the box's rules do not set that is
not inherited (its initial value, stored as is when it needs no computing) and one that is
inherited (its parent's computed value). The fast `__missing__` answers those two directly,
for the properties where WeasyPrint's own code does nothing else (no physical or logical
twin, no special case, no math), and hands every other case to WeasyPrint's. A third case is
nine in ten of what was left (29,000 of 33,000 calls for a chapter): a physical property
(margins, paddings, borders, sizes) whose rules set neither it nor its logical twin; it is
answered as WeasyPrint's code answers it, from its initial value.

Gain, measured on 2026-12-07 at commit 1671940 with benchmarks/patches.py (the benchmark book at
4 chapters of 7,500 words, 2 cores shared with other work; CPU seconds, user + system, of the
build and all its processes; each build against the all-on builds of the same time; median of 2
runs cold, 2 release): turning it off costs the cold build +1.45 CPU-s (+7.4%) and the release
+0.53 CPU-s (+4.9%).
"""

from __future__ import annotations

from typing import Any

from anthology.engines.weasyprint.upstream import written_against

VERSION = "70.0"
SOURCE = "b318d8efc8ac79d716f05cb81cc3abd65a32bd79601e363b218a32559bb3a5fb"
_SPECIAL_PROPERTIES = ("float", "display", "position", "page")


def install() -> bool:
    """Install the fast `__missing__` if WeasyPrint is the one it was written for
    (idempotent); whether it is installed."""
    import weasyprint
    from weasyprint import css

    original = css.ComputedStyle.__missing__
    if getattr(original, "anthology_fast", False):
        return True
    if not written_against(weasyprint.__version__, VERSION, SOURCE, original):
        return False
    css.ComputedStyle.__missing__ = computed_missing(original)
    return True


def computed_missing(original: Any) -> Any:
    """WeasyPrint's `ComputedStyle.__missing__`, its two commonest cases answered first."""
    names = original.__globals__  # what WeasyPrint's function reads
    initial_values, inherited = names["INITIAL_VALUES"], names["INHERITED"]
    check_math = names["check_math"]

    def plain(key: str) -> bool:
        return not (key in names["PHYSICAL_FUNCTIONS"] or key in _SPECIAL_PROPERTIES
                    or key[:16] == "text_decoration_" or key[:2] == "__")

    initial = frozenset(key for key, value in initial_values.items() if plain(key)
                        and key not in inherited and key not in names["INITIAL_NOT_COMPUTED"]
                        and not check_math(value))
    inherit = frozenset(key for key in inherited if plain(key))
    # A physical property (margin_top, width, border_left_style...) that neither it nor its
    # logical twin for the box's direction is set by the box's rules: its initial value,
    # stored as is or computed by its computer function when WeasyPrint computes it.
    physical_functions, computers = names["PHYSICAL_FUNCTIONS"], names["COMPUTER_FUNCTIONS"]
    physical = frozenset(
        key for key in physical_functions if key in initial_values and key not in inherited
        and key not in _SPECIAL_PROPERTIES and key[:16] != "text_decoration_"
        and key[:2] != "__" and not check_math(initial_values[key]))
    computed_physical = frozenset(key for key in physical
                                  if key in names["INITIAL_NOT_COMPUTED"])
    twins: dict[tuple[str, Any], str] = {}  # (physical key, direction): its logical twin

    def __missing__(self: Any, key: str) -> Any:
        cascaded = self.cascaded
        if key not in cascaded:
            if key in initial:
                value = self[key] = initial_values[key]
                return value
            parent_style = self.parent_style
            if key in inherit and parent_style is not None:
                value = parent_style[key]
                if not check_math(value):
                    self[key] = value
                    return value
            elif key in physical:
                direction = self["direction"]
                twin = twins.get((key, direction))
                if twin is None:
                    twin = twins[key, direction] = physical_functions[key](
                        block="ttb", inline=direction)
                if twin not in cascaded:
                    value = initial_values[key]
                    if key in computed_physical and key in computers:
                        value = computers[key](self, key, value)
                    self[key] = value
                    return value
        return original(self, key)

    __missing__.anthology_fast = True  # type: ignore[attr-defined]
    __missing__.anthology_original = original  # type: ignore[attr-defined]
    return __missing__
