"""Index marks read from a chapter: spans with the index class or attributes, and LaTeX's
`\\index{...}` (as bookdown and LaTeX authors write it), through pandoc's real parse."""

from __future__ import annotations

import pytest

from anthology.chapters.document import Locator, each
from anthology.chapters.index_marks import Mark, index_commands, mark_index, parse_index_command
from anthology.chapters.prepare import parse_markdown
from anthology.chapters.safety import sanitize
from anthology.core.cache import Cache


@pytest.mark.parametrize(("argument", "expected"), [
    ("Goffman, Erving", (("Goffman, Erving",), "page", ())),
    ("co-production!in commissioning", (("co-production", "in commissioning"), "page", ())),
    ("asylum|see{institutions}", (("asylum",), "see", ("institutions",))),
    ("asylum|seealso{total institutions!history}",
     (("asylum",), "see-also", ("total institutions", "history"))),
    ("recovery|(", (("recovery",), "start", ())),
    ("recovery|)", (("recovery",), "end", ())),
    ("Python|textbf", (("Python",), "page", ())),
    ("deegan@Deegan, Patricia", (("Deegan, Patricia",), "page", ())),
    ("  spaced   out ", (("spaced out",), "page", ())),
])
def test_index_command_arguments(argument: str, expected: tuple[object, ...]) -> None:
    assert parse_index_command(argument) == expected


def test_index_commands_in_raw_tex() -> None:
    assert index_commands("\\index{a}\\index{b!c}") == [(("a",), "page", ()),
                                                       (("b", "c"), "page", ())]
    assert index_commands("\\index{set {braces} inside}") == [
        (("set {braces} inside",), "page", ())]
    assert index_commands("\\newpage") is None
    assert index_commands("\\index{unclosed") is None


TEXT = """\
Intro with [co-production]{.index} and Goffman\\index{Goffman, Erving}.

[Cahn]{index="Cahn, Edgar"} and [control]{index-see="power"} and
[tokenism]{.index index-see-also="ladder of participation"}.

[]{index-start="recovery"}Recovery text\\index{recovery|)} and \\index{power!and knowledge}
[Émile]{#own .keep index="Émile"}.
"""


def _marked(tmp_path: object) -> tuple[dict[str, object], list[Mark], Locator]:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    locator = Locator("chapters/01-x.md", TEXT, 10)
    ast = parse_markdown(TEXT, "test", Cache(tmp_path / "cache"))
    marked, marks = mark_index(ast, locator)
    return marked, marks, locator


def test_marks_in_text_order_with_their_lines(tmp_path: object) -> None:
    _, marks, _ = _marked(tmp_path)
    assert marks == [
        Mark(("co-production",), "page", "ix-1", (), 10),
        Mark(("Goffman, Erving",), "page", "ix-2", (), 10),
        Mark(("Cahn, Edgar",), "page", "ix-3", (), 12),
        Mark(("control",), "see", "ix-4", ("power",), 12),
        Mark(("tokenism",), "page", "ix-5", (), 13),
        Mark(("tokenism",), "see-also", "ix-5", ("ladder of participation",), 13),
        Mark(("recovery",), "start", "ix-6", (), 15),
        Mark(("recovery",), "end", "ix-7", (), 15),
        Mark(("power", "and knowledge"), "page", "ix-8", (), 15),
        Mark(("Émile",), "page", "ix-9", (), 16),
    ]


def test_marks_become_anchor_spans_and_survive_the_sanitizer(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    marked, _, locator = _marked(tmp_path)
    safe = sanitize(marked, locator, tmp_path, tmp_path)
    assert locator.findings == []  # \index is a mark, not raw TeX to report
    spans = {s["c"][0][0]: s for s in each(safe, "Span") if "index-mark" in s["c"][0][1]}
    assert sorted(spans, key=lambda name: int(name[3:])) == [f"ix-{n}" for n in range(1, 10)]
    assert spans["ix-1"]["c"] == [["ix-1", ["index-mark"], []],
                                  [{"t": "Str", "c": "co-production"}]]
    assert spans["ix-2"]["c"] == [["ix-2", ["index-mark"], []], []]  # \index prints nothing
    # An author's own span keeps its id and classes inside the anchor.
    assert spans["ix-9"]["c"][1] == [{"t": "Span", "c": [["own", ["keep"], []],
                                                         [{"t": "Str", "c": "Émile"}]]}]


def test_the_sanitizer_keeps_the_index_attributes(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    ast = parse_markdown('[x]{index="a!b" index-see="c" onclick="evil()"}', "t",
                         Cache(tmp_path / "cache"))
    safe = sanitize(ast, Locator("x.md", ""), tmp_path, tmp_path)
    (span,) = each(safe, "Span")
    assert span["c"][0][2] == [["index", "a!b"], ["index-see", "c"]]


def test_an_authors_own_id_is_never_taken(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    text = "[x]{.index} [y]{#ix-2} [z]{.index}"
    ast = parse_markdown(text, "t", Cache(tmp_path / "cache"))
    _, marks = mark_index(ast, Locator("x.md", text))
    assert [m.anchor for m in marks] == ["ix-1", "ix-3"]


def test_a_mark_around_formatted_text_is_found_at_its_line(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    text = "One.\n\nTwo [*stigma*]{.index}.\n\nThree []{index-see=\"x\" index=\"y\"}.\n"
    ast = parse_markdown(text, "t", Cache(tmp_path / "cache"))
    _, marks = mark_index(ast, Locator("x.md", text, 5))
    assert [(m.term, m.line) for m in marks] == [(("stigma",), 7), (("y",), 9)]
