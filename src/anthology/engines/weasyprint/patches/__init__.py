"""Speed patches of WeasyPrint's and pydyf's internals, and the one switch that turns them off.

`ANTHOLOGY_PATCHES=off` in the environment turns every speed patch off: the renders run
WeasyPrint's and pydyf's own code, and make the same PDF bytes, more slowly. The line breaker's
rules (engines/weasyprint/linebreak.py) are not a speed patch and stay on. For the benchmark,
`ANTHOLOGY_PATCHES=without:NAME,NAME` turns off only the patches named (see NAMES).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

SWITCH = "ANTHOLOGY_PATCHES"
NAMES = ("pdfwrite", "pagerefs", "layoutsetup", "strut", "percentages", "normalflow",
         "computedstyle", "fasttext", "htmltree", "drawing", "framestack", "libraries",
         "subsetting", "gc")


def chosen(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The names of the speed patches the switch leaves on."""
    value = (os.environ if environ is None else environ).get(SWITCH, "").strip()
    if value.lower() in ("", "on"):
        return frozenset(NAMES)
    if value.lower() == "off":
        return frozenset()
    if value.startswith("without:"):
        left_out = {name.strip() for name in value.removeprefix("without:").split(",")}
        unknown = sorted(left_out - set(NAMES) - {""})
        if not unknown:
            return frozenset(NAMES) - left_out
    raise ValueError(f"{SWITCH} is {value!r}: set it to 'off' (every speed patch off) or 'on', "
                     f"or leave it unset; 'without:NAME,...' names patches among "
                     f"{', '.join(NAMES)}.")


def enabled(name: str) -> bool:
    """Whether the switch leaves the speed patch `name` on."""
    return name in chosen()
