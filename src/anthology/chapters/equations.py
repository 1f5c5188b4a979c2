"""Labelled display equations, as Quarto writes them: `$$ E = mc^2 $$ {#eq-energy}`.

pandoc reads the label as text after the formula (the display maths, a space, the text
"{#eq-energy}"); here a labelled formula is found and made into a span with its id and its
number. `crossrefs.number_crossrefs` numbers them per chapter and resolves `@eq-energy`.
Pure: no files, no subprocesses.
"""

from __future__ import annotations

import re
from typing import Any

Node = dict[str, Any]

# Quarto's equation label: `$$ ... $$ {#eq-x}`, which pandoc reads as the display maths, a
# space and the text "{#eq-x}".
_EQUATION_LABEL = re.compile(r"^\{#(eq-[^\s{}]+)\}$")


def _equation_at(inlines: list[Node], index: int) -> tuple[str, int] | None:
    """The id of a labelled display formula at `index`, and where its label ends."""
    node = inlines[index]
    if node["t"] != "Math" or node["c"][0]["t"] != "DisplayMath":
        return None
    after = index + 1
    while after < len(inlines) and inlines[after]["t"] in ("Space", "SoftBreak"):
        after += 1
    if after < len(inlines) and inlines[after]["t"] == "Str":
        match = _EQUATION_LABEL.match(inlines[after]["c"])
        if match:
            return match[1], after + 1
    return None


def equation_ids(inlines: list[Node]) -> list[str]:
    """The ids of the labelled display formulas among `inlines`."""
    found = (_equation_at(inlines, i) for i in range(len(inlines)))
    return [f[0] for f in found if f is not None]


def number_equations(inlines: list[Node], equations: dict[str, str]) -> list[Node]:
    """Each labelled formula as a span with its id and its number: "(3.2)" at the right."""
    out: list[Node] = []
    index = 0
    while index < len(inlines):
        found = _equation_at(inlines, index)
        if found is None:
            out.append(inlines[index])
            index += 1
            continue
        identifier, end = found
        number = {"t": "Span", "c": [["", ["equation-number"], []],
                                     [{"t": "Str", "c": equations[identifier]}]]}
        out.append({"t": "Span", "c": [[identifier, ["equation"], []], [inlines[index], number]]})
        index = end
    return out
