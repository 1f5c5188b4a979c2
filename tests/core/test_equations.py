"""Labelled display equations (`$$ ... $$ {#eq-x}`): numbered per chapter, and @eq-x."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anthology.chapters.crossrefs import number_crossrefs
from anthology.chapters.document import Locator, each, stringify
from anthology.chapters.prepare import parse_markdown
from anthology.core.cache import Cache

TEXT = """\
The share is

$$
\\frac{a}{b}
$$ {#eq-share}

and energy $$ E = mc^2 $$ {#eq-energy} in one paragraph, then one without a label:

$$ x = y $$

See @eq-energy and [@eq-share; @eq-energy], and [as in @eq-share, line 2].
"""


def numbered(text: str, tmp_path: Path, number: str = "3") -> tuple[dict[str, Any], Any,
                                                                     Locator]:
    locator = Locator("chapters/x.md", text, 4, "x")
    ast = parse_markdown(text, "test", Cache(tmp_path))
    result, targets = number_crossrefs(ast, number, locator)
    return result, targets, locator


def test_labelled_equations_are_numbered_in_order_with_their_ids(tmp_path: Path) -> None:
    ast, targets, locator = numbered(TEXT, tmp_path)
    assert locator.findings == []
    spans = [s for s in each(ast, "Span") if s["c"][0][1] == ["equation"]]
    assert [s["c"][0][0] for s in spans] == ["eq-share", "eq-energy"]
    assert [[part["t"] for part in s["c"][1]] for s in spans] == [["Math", "Span"]] * 2
    assert [stringify(s["c"][1][1]) for s in spans] == ["(3.1)", "(3.2)"]
    assert [s["c"][1][1]["c"][0][1] for s in spans] == [["equation-number"]] * 2
    assert spans[1]["c"][1][0]["c"] == [{"t": "DisplayMath"}, " E = mc^2 "]
    # The label's text is gone; the unlabelled equation is left alone, unnumbered.
    assert "{#eq" not in stringify(ast)
    assert len(each(ast, "Math")) == 3
    assert targets["eq-energy"].kind == "Equation"
    assert targets["eq-energy"].label == "Equation 3.2"


def test_references_print_the_number_and_link_to_the_equation(tmp_path: Path) -> None:
    ast, _, _ = numbered(TEXT, tmp_path)
    assert each(ast, "Cite") == []
    links = [(stringify(link["c"][1]), link["c"][2][0], link["c"][0][1])
             for link in each(ast, "Link")]
    assert links == [("Equation 3.2", "#eq-energy", ["crossref"]),
                     ("Equation 3.1", "#eq-share", ["crossref"]),
                     ("Equation 3.2", "#eq-energy", ["crossref"]),
                     ("Equation 3.1", "#eq-share", ["crossref"])]
    assert stringify(ast["blocks"][-1]) == ("See Equation 3.2 and Equation 3.1; Equation 3.2, "
                                            "and as in Equation 3.1, line 2.")


def test_a_book_without_chapter_numbers_numbers_equations_alone(tmp_path: Path) -> None:
    ast, targets, _ = numbered(TEXT, tmp_path, number="")
    assert targets["eq-share"].label == "Equation 1"
    spans = [s for s in each(ast, "Span") if s["c"][0][1] == ["equation-number"]]
    assert [stringify(s) for s in spans] == ["(1)", "(2)"]


def test_a_missing_equation_is_reported_and_prints_question_marks(tmp_path: Path) -> None:
    text = "$$ E = mc^2 $$ {#eq-energy}\n\nSee @eq-enrgy and @eq-mass.\n"
    ast, _, locator = numbered(text, tmp_path)
    assert [f.to_text() for f in locator.findings] == [
        "chapters/x.md:6: error: refers to @eq-enrgy, but this chapter has no equation with "
        "the id 'eq-enrgy'. Did you mean 'eq-energy'? [crossref.missing]",
        "chapters/x.md:6: error: refers to @eq-mass, but this chapter has no equation with "
        "the id 'eq-mass'. Give the equation that id, for example {#eq-mass} after it. "
        "[crossref.missing]"]
    assert stringify(ast["blocks"][-1]) == "See ?? and ??."


def test_a_label_after_inline_maths_or_text_is_not_an_equation(tmp_path: Path) -> None:
    text = "Inline $x$ {#eq-a} and text {#eq-b}.\n\nSee @eq-a.\n"
    ast, targets, locator = numbered(text, tmp_path)
    assert "eq-a" not in targets
    assert [f.code for f in locator.findings] == ["crossref.missing"]
    assert [s for s in each(ast, "Span") if s["c"][0][1] == ["equation"]] == []
