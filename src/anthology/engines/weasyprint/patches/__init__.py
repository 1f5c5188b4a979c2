"""Speed patches of WeasyPrint's and pydyf's internals, one module each, installed from here,
and the one switch that turns them all off.

Each module's docstring names the code it replaces, the version and source digest it was
written against (checked before it is used: on any other, the library's own code runs) and
what it gains on the benchmark book. Each gives the PDF bytes the code it replaces gives.

`ANTHOLOGY_PATCHES=off` in the environment turns every speed patch off: WeasyPrint and pydyf
run as they come, more slowly, and make the same PDF. What changes the typography or the PDF's
bytes is not a speed patch and stays on (the line breaker, linebreak.py; the font subsetter,
subsetting.py; the page numbers and running heads of a part laid out alone, parts.py). For the
benchmark, `ANTHOLOGY_PATCHES=without:NAME,NAME` turns off only the patches named (NAMES).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from anthology.core.errors import ToolError

SWITCH = "ANTHOLOGY_PATCHES"
# `gc` is the render's own: the cyclic collector paused while a render runs (render.py).
NAMES = ("pdfwrite", "pagerefs", "normalflow", "computedstyle", "fasttext", "htmltree",
         "libraries", "gc")


def chosen(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The names of the speed patches the switch leaves on."""
    value = (os.environ if environ is None else environ).get(SWITCH, "").strip()
    if value.lower() in ("", "on"):
        return frozenset(NAMES)
    if value.lower() == "off":
        return frozenset()
    if value.startswith("without:"):
        left_out = {name.strip() for name in value.removeprefix("without:").split(",")}
        if not left_out - set(NAMES) - {""}:
            return frozenset(NAMES) - left_out
    raise ToolError(f"The environment variable {SWITCH} is {value!r}, which anthology does not "
                    f"know. Set it to 'off' to turn WeasyPrint's speed patches off, or unset "
                    f"it; 'without:' takes a list of {', '.join(NAMES)}.")


def before_import() -> None:
    """Install what WeasyPrint's import uses (the quick library lookup), if the switch leaves
    it on."""
    if "libraries" in chosen():
        from anthology.engines.weasyprint.patches import libraries

        libraries.install()


def _installers() -> dict[str, Callable[[], bool]]:
    """Each patch's `install` (or, for those used by the render, its `usable`)."""
    from anthology.engines.weasyprint.patches import (
        computedstyle,
        fasttext,
        htmltree,
        libraries,
        normalflow,
        pagerefs,
        pdfwrite,
    )

    return {
        "pdfwrite": pdfwrite.install,
        "pagerefs": pagerefs.install,
        "normalflow": normalflow.install,
        "computedstyle": computedstyle.install,
        "fasttext": fasttext.install,
        "htmltree": htmltree.usable,
        "libraries": libraries.install,  # before WeasyPrint's import; idempotent
        "gc": lambda: True,  # the render's own (render.paused_collector)
    }


def install() -> frozenset[str]:
    """Install every speed patch the switch leaves on that applies to the WeasyPrint and
    pydyf found (idempotent); the names of those in use, for the render to ask."""
    on = chosen()
    return frozenset(name for name, install_one in _installers().items()
                     if name in on and install_one())
