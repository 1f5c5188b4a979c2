"""No traceback from any chapter content: random Markdown, front matter and BibTeX, built from
the pieces real and hostile manuscripts are made of, through `check`, `wordcount` and the
build's chapter preparation.

The budget is bounded (a fixed number of examples, derandomized so that CI is repeatable);
raise `FUZZ_EXAMPLES` to search longer on a workstation.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from anthology.build import prepare_chapters
from anthology.cli import cli
from anthology.core.cache import Cache
from anthology.core.config import load_book
from tests.conftest import write_book

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))

MARKDOWN = [
    "# A heading {#sec-a}", "## References", "Text [@cahn2000].", "[@cahn2000,@goffman1961]",
    "[see @goffman1961, p. 4]", "@fig-x and @tbl-y", "\\@ref(fig:x)", "@fig:x @tbl:y @eq:z",
    "```{=tex}\n\\begingroup\\fontsize{5pt}\n```", "```{=html}\n<b onclick='x'>b</b>\n```",
    "`\\emph{x}`{=latex}", "$$ x^2 + \\frac{a}{b} $$ {#eq-a}", "$\\alpha_i$", "$\\unknowncmd{x}$",
    "$$ \\begin{matrix} a & b \\end{matrix} $$", "<!-- a note\nover lines -->",
    "<div onclick='alert(1)' style='color:red'>x</div>", "<script>x()</script>",
    "<<<<<<< HEAD", "=======", ">>>>>>> branch", "{% for x in y %}", "{{ x.y }}",
    "Text.[^n]\n\n[^n]: A note.", "| a | b |\n|---|---|\n| 1 | 2 |\n\n: Cap {#tbl-y}",
    "![alt](images/none.png)", "![x](../book.yaml)", "![x](/etc/hostname)",
    "![Fig](images/none.png){#fig-x}", "\\index{term!sub}", "\\newpage", "\\gref{a}{b}",
    "\\begin{align}\na &= b\n\\end{align}", "::: {#refs}\n:::", "---\ntitle: again\n---",
    "[link](javascript:alert(1))", "[x](#nowhere)", "<https://example.org>", "    code block",
    "```python\n#| label: fig-z\nprint(1)\n```", "- a\n  - b\n    - c", "1. one\n2. two",
    "Term\n:   Definition", "***", "Line  \nbreak", "[span]{.smallcaps onclick=x}",
    "> " * 2000 + "too deep", "\n".join("  " * i + "- item" for i in range(300)),
]
FRONT = [
    "title: A chapter", "title: 42", "title: [a, b]", "authors: [ben-writer]",
    "authors: ben-writer", "authors: [nobody]", "bibliography: [own.bib]",
    "bibliography: ../../etc/passwd", "abstract: |\n  An abstract with $x$ and [@cahn2000].",
    "keywords: [a, b]", "keywords: {a: b}", "short-title: Short", "lang: de", "unknown: 1",
    "a: &x [1, 2]\nb: *x", "title: 'unclosed", "title: x\ntitle: y", "date: 2026-02-30",
]
BIBTEX = [
    "@book{cahn2000, author={Cahn, Edgar}, title={No More}, year={2000}}",
    "@misc{own1, title={T}, url={\\url{https://x.org/a\\_b}}}",
    "@misc{own2, title={T $\\less$ {\\it x}}, year={20x}}", "@article{broken, title={open",
    "@article{own1, title={Dup}}", "@string{x = {y}}", "}@misc{glued, title={G}}",
    "@book{uni, author={{N8 Research Partnership}}, title={Knowledge}, year=2016}",
]


def pieces(options: list[str], most: int) -> st.SearchStrategy[str]:
    """Several of `options` with random text between them, joined by blank lines or not."""
    text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                   max_size=30)
    nested = st.integers(0, 600).map(lambda n: "> " * n + "deep")
    parts = st.lists(st.sampled_from(options), min_size=1, max_size=most)
    between = st.lists(st.one_of(text, nested), max_size=most)
    return st.tuples(parts, between, st.sampled_from(["\n\n", "\n"])).map(
        lambda drawn: drawn[2].join(
            p for pair in zip(drawn[0], [*drawn[1], *[""] * most], strict=False) for p in pair))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure shows as found
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(body=pieces(MARKDOWN, 12), front=pieces(FRONT, 5), bib=pieces(BIBTEX, 4))
def test_no_traceback_from_any_chapter(body: str, front: str, bib: str) -> None:
    with tempfile.TemporaryDirectory(prefix="anthology-fuzz-") as folder:
        root = write_book(Path(folder) / "book", {
            "chapters/01-intro.md": f"---\n{front}\n---\n\n{body}\n",
            "chapters/own.bib": bib,
        })
        runner = CliRunner()
        for command in (["check"], ["check", "--format", "json"], ["wordcount"]):
            result = runner.invoke(cli, ["--book", str(root), *command])
            assert result.exit_code in (0, 1, 2), (command, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                command, repr(result.exception))
            assert "Traceback" not in result.stdout + result.stderr
        try:
            book = load_book(root)
        except Exception as exc:  # a configuration error is no chapter's doing
            pytest.fail(f"the book did not load: {exc!r}")
        prepare_chapters(book, Cache(root / "build" / ".cache"), lambda _: None)
