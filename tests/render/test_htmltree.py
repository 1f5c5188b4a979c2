"""HTML parsed by html5ever (engines/weasyprint/patches/htmltree.py) gives the tree WeasyPrint's
tinyhtml5 gives, on everything anthology writes; what the two read differently is left to
tinyhtml5."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
import tinyhtml5
from hypothesis import given, settings
from hypothesis import strategies as st

from anthology.engines.pandoc import pandoc_path
from anthology.engines.weasyprint import render as pdf
from anthology.engines.weasyprint.patches import htmltree
from anthology.outputs.book.html import FONTS_DIR
from tests.conftest import write_book
from tests.render.conftest import Built


def difference(a: ElementTree.Element, b: ElementTree.Element, path: str = "html") -> str | None:
    """Where the trees `a` and `b` part (tag, attributes, text, tail, children), or None."""
    if a.tag != b.tag:
        return f"{path}: {a.tag!r} against {b.tag!r}"
    if dict(a.attrib) != dict(b.attrib) or list(a.attrib) != list(b.attrib):
        return f"{path}: attributes {a.attrib} against {b.attrib}"
    if (a.text, a.tail) != (b.text, b.tail):
        return f"{path}: text {a.text!r}, tail {a.tail!r} against {b.text!r}, {b.tail!r}"
    if len(a) != len(b):
        return f"{path}: {len(a)} children against {len(b)}"
    for index, (x, y) in enumerate(zip(a, b, strict=True)):
        found = difference(x, y, f"{path}/{x.tag}[{index}]")
        if found:
            return found
    return None


def assert_same_tree(text: str) -> None:
    fast = htmltree.parse(text)
    assert isinstance(fast, ElementTree.Element)  # html5ever parsed it
    assert difference(tinyhtml5.parse(text, namespace_html_elements=False), fast) is None


MARKDOWN = """\
---
title: Every construct
---

# A heading {#top .unnumbered}

A paragraph with *emphasis*, **strong**, `code`, [a link](https://example.org "Title"),
[a link inside](#top), ~~struck~~, ^super^, ~sub~, [small caps]{.smallcaps}, a
footnote[^1], an inline note^[Inline.], "quotes", --- dashes, & ampersands, < and >,
a hard\\
break, $x^2$ and an image ![alt](images/figure.svg){width=50%}.

[^1]: The note, with a [link](https://example.org) and a second paragraph.

    Indented again.

> A quotation
>
> > nested.

1. One
2. Two
    - nested *bullet*
    - [ ] a task
    - [x] done

Term
: Definition, with `code`.

| Left | Right | Centre |
|:-----|------:|:------:|
| a    | 1     | x      |
| b    | 2     | y      |

: A table's caption

![A figure's caption](images/figure.svg)

```python
def f(x):
    return x < 1 and "<b>"
```

| A line block
|     indented

---

::: {.epigraph lang=fr}
Une épigraphe.
:::

$$\\int_0^1 x \\, dx = \\frac{1}{2}$$

<span>Raw HTML, left out when a book does not allow it.</span>
"""


def test_what_pandoc_writes_parses_to_weasyprints_tree(tmp_path: Path) -> None:
    for options in (["--mathml"], ["--mathml", "--section-divs", "-s"]):
        html = subprocess.run([pandoc_path(), "-f", "markdown", "-t", "html5", *options],
                              input=MARKDOWN, capture_output=True, text=True, check=True).stdout
        assert "<table" in html and "<math" in html and "footnote" in html
        assert_same_tree(f"<!DOCTYPE html><html><head><title>t</title></head><body>{html}"
                         "</body></html>")
        assert_same_tree(html)


@pytest.mark.slow
def test_the_sample_books_release_html_parses_to_weasyprints_tree(built_sample: Built) -> None:
    from anthology.core.cache import Cache
    from anthology.outputs.book.html import book_html
    from anthology.outputs.book.write import chapters_html
    from anthology.outputs.common import build_time, stylesheets

    book = built_sample.book
    css, extra = stylesheets(book)
    sections = chapters_html(book, built_sample.texts, Cache(built_sample.root / "build" /
                                                             ".cache"))
    html = book_html(book, built_sample.texts, build_time(), css, extra,
                     sections=sections, build_kind="release")
    assert html.count("<section") > 5
    assert_same_tree(html)


BLOCKS = ["p", "div", "section", "blockquote", "ul", "dl", "table", "pre", "figure", "h2", "hr"]
INLINE = ["span", "em", "strong", "a", "code", "sup", "sub", "br", "img", "svg", "math", "q"]
TEXT = ["words", " ", "\n", "a &amp; b", "&nbsp;", "&lt;", "&#x41;", "\t", "ü", "“q”", "\r\n",
        "\u00ad", "&#8212;"]
ATTRIBUTES = ['class="a"', 'id="x"', 'lang="fr"', 'style="color: red"', 'href="#x"',
              'data-x="1"', 'dir="rtl"', 'role="doc-endnote"', "hidden", 'title="a &amp; b"']


def fragment(rng: random.Random, depth: int, block: bool) -> str:
    """Well-nested markup of the kinds pandoc writes, chosen by `rng`."""
    def attributes() -> str:
        return "".join(" " + a for a in rng.sample(ATTRIBUTES, rng.randint(0, 2)))

    space = rng.choice(["", "\n", "\n  "])
    out = []
    for _ in range(rng.randint(0, 4)):
        if not block:
            tag = rng.choice(INLINE)
            if rng.random() < 0.5 or depth > 4:
                out.append(rng.choice(TEXT))
            elif tag == "br":
                out.append(rng.choice(["<br>", "<br />"]))
            elif tag == "img":
                out.append(f'<img src="a.png" alt="x"{attributes()} />')
            elif tag == "svg":
                out.append('<svg viewBox="0 0 9 9"><g><path d="M0 0L1 1"/><a xlink:href="#x">'
                           '<rect width="1" height="1"/></a></g><foreignObject><p>x</p>'
                           '</foreignObject><clipPath id="c"/></svg>')
            elif tag == "math":
                out.append('<math display="block"><mrow><mi>x</mi><mfrac><mn>1</mn><mn>2</mn>'
                           '</mfrac></mrow><semantics><annotation encoding="application/x-tex">'
                           'x</annotation></semantics></math>')
            else:
                out.append(f"<{tag}{attributes()}>{fragment(rng, depth + 1, False)}</{tag}>")
            continue
        tag = rng.choice(BLOCKS) if depth < 4 else "p"
        if tag == "ul":
            items = "".join(f"<li>{fragment(rng, depth + 1, rng.random() < 0.5)}</li>{space}"
                            for _ in range(rng.randint(0, 3)))
            out.append(f"<ul{attributes()}>{space}{items}</ul>")
        elif tag == "dl":
            out.append(f"<dl>{space}<dt>{fragment(rng, depth, False)}</dt>{space}<dd>"
                       f"{fragment(rng, depth + 1, True)}</dd></dl>")
        elif tag == "table":
            def row(cell: str) -> str:
                return "<tr>" + "".join(f"<{cell}{attributes()}>{fragment(rng, depth, False)}"
                                        f"</{cell}>{space}" for _ in range(2)) + "</tr>" + space
            out.append(f"<table>{space}<caption>{fragment(rng, depth, False)}</caption>"
                       f"<colgroup><col style=\"width: 50%\" /><col /></colgroup>{space}"
                       f"<thead>{row('th')}</thead><tbody>{space}{row('td')}{row('td')}"
                       "</tbody></table>")
        elif tag == "pre":
            out.append(f"<pre><code>{rng.choice(['', chr(10)])}x &lt; y\n  z</code></pre>")
        elif tag == "figure":
            out.append(f'<figure>{space}<img src="i.svg" alt="" />{space}<figcaption>'
                       f"{fragment(rng, depth, False)}</figcaption></figure>")
        elif tag == "hr":
            out.append("<hr />")
        elif tag in ("p", "h2"):
            out.append(f"<{tag}{attributes()}>{fragment(rng, depth, False)}</{tag}>")
        else:
            out.append(f"<{tag}{attributes()}>{space}{fragment(rng, depth + 1, True)}</{tag}>")
        out.append(space)
    return "".join(out)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_well_nested_markup_parses_to_weasyprints_tree(seed: int) -> None:
    body = fragment(random.Random(seed), 0, True)
    assert_same_tree('<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
                     "<title>T</title>\n<style>p > a { color: red } /* <b> */</style>\n</head>\n"
                     f"<body>\n{body}\n<!-- the end -->\n</body>\n</html>\n")


@pytest.mark.parametrize("markup", [
    "<noscript><p>x</p></noscript>",
    "<select><div>a</div></select>",
    "<template><p>x</p></template>",
    "<!-- <NOSCRIPT> in a comment is sent to tinyhtml5 too -->",
])
def test_what_html5ever_reads_otherwise_is_left_to_tinyhtml5(markup: str) -> None:
    assert htmltree.parse(f"<p>Before</p>{markup}") is None


def test_without_markupever_weasyprints_parser_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "markupever", None)
    assert htmltree.parse("<p>x</p>") is None


def render(tmp_path: Path, name: str, fast_parse: bool) -> tuple[bytes, dict[str, Any]]:
    job = {"html": str(tmp_path / "page.html"), "output": str(tmp_path / name),
           "base": str(tmp_path), "allowed_roots": [str(tmp_path), str(FONTS_DIR)],
           "identifier": "t", "fast_parse": fast_parse, "details": True}
    result = pdf._render(job)
    return (tmp_path / name).read_bytes(), result


def test_a_render_with_html5ever_is_the_same_pdf(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    html = subprocess.run([pandoc_path(), "-f", "markdown", "-t", "html5", "-s", "--mathml",
                           "--metadata", "title=T"], input=MARKDOWN.split("---\n", 2)[2],
                          capture_output=True, text=True, check=True).stdout
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    made: list[ElementTree.Element | None] = []
    parse = htmltree.parse
    monkeypatch.setattr(htmltree, "parse", lambda text: made.append(parse(text)) or made[-1])
    fast, fast_result = render(tmp_path, "fast.pdf", fast_parse=True)
    assert len(made) == 1 and isinstance(made[0], ElementTree.Element)  # html5ever parsed it
    plain, plain_result = render(tmp_path, "plain.pdf", fast_parse=False)
    assert len(made) == 1
    assert fast == plain
    assert fast_result["anchors"] == plain_result["anchors"]


def test_a_book_that_allows_raw_html_is_parsed_by_tinyhtml5(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    from anthology import build
    from anthology.core.config import load_book
    from tests.conftest import BOOK_YAML

    seen: dict[str, bool] = {}

    def render_pdf(*_: Any, **options: Any) -> dict[str, Any]:
        seen["fast_parse"] = options["fast_parse"]
        raise SystemExit(0)  # no need to lay it out

    monkeypatch.setattr(pdf, "render_pdf", render_pdf)
    for allowed in (False, True):
        root = write_book(tmp_path / str(allowed),
                          {"book.yaml": BOOK_YAML + f"build:\n  raw_html: {json.dumps(allowed)}\n"})
        with pytest.raises(SystemExit):
            build.build_book(load_book(root), build.BuildOptions(("pdf",), release=True))
        assert seen["fast_parse"] is not allowed
