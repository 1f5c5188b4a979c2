"""The heading of a chapter's reference list: anthology's, or the chapter's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anthology.chapters.document import each, stringify
from anthology.chapters.prepare import parse_markdown, with_reference_heading
from anthology.core.cache import Cache

REFS = {"t": "Div", "c": [["refs", ["references", "csl-bib-body"], []],
                          [{"t": "Para", "c": [{"t": "Str", "c": "Cahn."}]}]]}


def headings(text: str, tmp_path: Path) -> list[tuple[int, str, str]]:
    ast: dict[str, Any] = parse_markdown(text, "test", Cache(tmp_path / "cache"))
    ast["blocks"].append(REFS)
    done = with_reference_heading(ast)
    assert done["blocks"][-1] is REFS
    return [(h["c"][0], h["c"][1][0], stringify(h["c"][2])) for h in each(done, "Header")]


@pytest.mark.parametrize(("text", "expected"), [
    ("Text.\n", [(2, "references", "References")]),
    ("Text.\n\n## References\n", [(2, "references", "References")]),
    ("Text.\n\n# Bibliography\n", [(1, "references", "Bibliography")]),
    ("## References\n\nEarlier.\n\n## After\n\nText.\n",
     [(2, "references", "References"), (2, "after", "After"),
      (2, "references-list", "References")]),
])
def test_one_heading_and_unique_ids(tmp_path: Path, text: str,
                                    expected: list[tuple[int, str, str]]) -> None:
    assert headings(text, tmp_path) == expected
