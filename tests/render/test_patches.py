"""The speed patches installed in the WeasyPrint process (engines/weasyprint/patches/): each
gives the same bytes as the code it replaces, declines on a version it was not written for, and
installs once; the switch turns them off."""

from __future__ import annotations

import struct
from io import BytesIO
from typing import Any

import pikepdf
import pydyf
import pytest
import weasyprint
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from weasyprint import css
from weasyprint.draw import text
from weasyprint.formatting_structure import boxes

from anthology.engines.weasyprint import patches, subsetting
from anthology.engines.weasyprint.patches import (
    computedstyle,
    fasttext,
    normalflow,
    pdfwrite,
)
from anthology.engines.weasyprint.upstream import source_digest

ORIGINAL_WRITE = getattr(pydyf.PDF.write, "anthology_original", pydyf.PDF.write)
ORIGINAL_PAGE_REFERENCES = getattr(pydyf.PDF.page_references.fget, "anthology_original",
                                   pydyf.PDF.page_references)


@pytest.fixture
def unpatched(monkeypatch: pytest.MonkeyPatch) -> None:
    """pydyf and WeasyPrint as they come, for this test only."""


    monkeypatch.delenv(patches.SWITCH, raising=False)
    monkeypatch.setattr(pydyf.PDF, "write", ORIGINAL_WRITE)
    monkeypatch.setattr(pydyf.PDF, "page_references", ORIGINAL_PAGE_REFERENCES)
    monkeypatch.setattr(boxes.Box, "is_in_normal_flow", original_normal_flow())
    monkeypatch.setattr(text, "draw_first_line", original_draw_first_line())
    monkeypatch.setattr(css.ComputedStyle, "__missing__", original_missing())


def original_missing() -> Any:
    """WeasyPrint's own `ComputedStyle.__missing__` (whether or not the speed-up is in)."""
    missing = css.ComputedStyle.__missing__
    return getattr(missing, "anthology_original", missing)


def original_normal_flow() -> Any:
    """WeasyPrint's own `Box.is_in_normal_flow` (whether or not the speed-up is installed)."""
    return getattr(boxes.Box.is_in_normal_flow, "anthology_original",
                   boxes.Box.is_in_normal_flow)


def original_draw_first_line() -> Any:
    """WeasyPrint's own `draw_first_line` (whether or not the speed-up is installed)."""
    return getattr(text.draw_first_line, "anthology_original", text.draw_first_line)


class Lazy(pydyf.Object):
    """An object with its own `data`, like WeasyPrint's lazy images."""

    @property
    def data(self) -> bytes:
        return b"<</Lazy true>>"


class Tagged(pydyf.Dictionary):
    """A subclass of pydyf's dictionary: written by its own `data`."""


def sample_pdf(bulk: tuple[int, int] = (0, 0)) -> Any:
    """A small PDF with every kind of object WeasyPrint writes; `bulk` adds an uncompressed
    stream of about that many bytes and that many dictionaries."""
    pdf = pydyf.PDF()
    size, count = bulk
    if size:
        pdf.add_object(pydyf.Stream([bytes(range(256)) * (size // 256)], compress=False))
    for number in range(count):
        pdf.add_object(pydyf.Dictionary({"S": "/P", "K": number}))
    for compress in (True, False):
        content = pydyf.Stream(compress=compress)
        content.begin_marked_content("P", pydyf.Dictionary({"MCID": 0}))
        content.begin_text()
        content.set_font_size("F1", 10.5)
        content.set_text_matrix(1, 0, 0, -1, 56.69291, 700.000001)
        content.show_text("<0012>-12.5<0034>")
        content.end_text()
        content.end_marked_content()
        content.rectangle(0, 0.1, 2.0, -3.25)
        content.fill()
        pdf.add_object(content)
        page = pydyf.Dictionary({
            "Type": "/Page",
            "Parent": pdf.pages.reference,
            "MediaBox": pydyf.Array([0, 0, 442.2, 663.3]),
            "Contents": content.reference,
            "StructParents": 0,
            "Tabs": "/S",
        })
        pdf.add_page(page)
    for value in (pydyf.String("Plain (with) \\ escapes"), pydyf.String("Ünïcode “quotes”"),
                  Lazy(), Tagged({"S": "/Sect", "K": pydyf.Array([1, 2.5, True])}),
                  pydyf.Dictionary({"Nested": pydyf.Dictionary({"A": pydyf.Array([])}),
                                    "Pg": pdf.page_references[0], "None": None})):
        pdf.add_object(value)
    pdf.add_object(pydyf.Stream([b"raw"], {"Type": "/Metadata", "Filter": "/X"},
                                compress=True))
    pdf.info["Title"] = pydyf.String("Sample")
    pdf.catalog["Lang"] = pydyf.String("en")
    return pdf


def written(write: Any, *args: Any, bulk: tuple[int, int] = (0, 0)) -> bytes:
    """The bytes `write` makes of a fresh sample PDF."""
    output = BytesIO()
    write(sample_pdf(bulk), output, *args)
    return output.getvalue()


@pytest.mark.parametrize("args", [
    (b"1.7", b"anthology", True),
    (b"1.7", True, True),
    (b"1.7", False, True),
    (None, b"id", 1),
    (b"2.0", b"id", True),
    (b"1.4", b"id", True),  # no object streams: pydyf's own write
    (b"1.7", b"id", False),
])
# The cross-reference stream's rows are deflated ahead of the end when the object stream's
# length cannot change their width (a small PDF, a book), and at the end when it could (the
# file's length is then near 65,536 bytes).
@pytest.mark.parametrize("bulk", [(0, 0), (64_000, 0), (70_000, 20_000)])
def test_fast_write_gives_pydyf_bytes(args: tuple[Any, ...], bulk: tuple[int, int]) -> None:
    fast = pdfwrite.fast_write(pydyf, ORIGINAL_WRITE)
    expected = written(ORIGINAL_WRITE, *args, bulk=bulk)
    assert written(fast, *args, bulk=bulk) == expected
    with pikepdf.open(BytesIO(expected)) as opened:  # a PDF a reader opens (qpdf: quick)
        assert len(opened.pages) == 2


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(max_codepoint=127), max_size=8) | st.binary(max_size=8),
    lambda children: st.lists(children, max_size=4).map(pydyf.Array)
    | st.dictionaries(st.text(alphabet="ABCabc", min_size=1, max_size=3) | st.integers(),
                      children, max_size=4).map(pydyf.Dictionary)
    | st.text(max_size=8).map(pydyf.String),
    max_leaves=12)


@given(values)
def test_serializer_gives_pydyf_bytes(value: Any) -> None:
    assert pdfwrite.serializer(pydyf)(value) == pydyf._to_bytes(value)


def test_serializer_fails_as_pydyf_does_on_a_name_that_is_not_ascii() -> None:
    value = pydyf.Dictionary({"Ünï": 1})
    with pytest.raises(UnicodeEncodeError):
        pydyf._to_bytes(value)
    with pytest.raises(UnicodeEncodeError):
        pdfwrite.serializer(pydyf)(value)


@pytest.mark.usefixtures("unpatched")
def test_patches_are_installed_once() -> None:

    patches.install()

    def current() -> dict[str, tuple[Any, Any]]:
        """Each patch's installed function and WeasyPrint's or pydyf's own."""
        return {
            "pdfwrite": (pydyf.PDF.write, ORIGINAL_WRITE),
            "pagerefs": (pydyf.PDF.page_references.fget, ORIGINAL_PAGE_REFERENCES),
            "normalflow": (boxes.Box.is_in_normal_flow, original_normal_flow()),
            "computedstyle": (css.ComputedStyle.__missing__, original_missing()),
            "fasttext": (text.draw_first_line, original_draw_first_line()),
        }

    installed = current()
    for installed_one, own in installed.values():
        assert installed_one.anthology_original is own
    patches.install()
    assert current() == installed


def another_weasyprint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weasyprint, "__version__", "71.0")


def another_source(module: Any) -> Any:
    """A change to the upstream code `module`'s patch replaces."""
    return lambda monkeypatch: monkeypatch.setattr(module, "SOURCE", "0" * 64)


# Each patch's function in place after `patches.install()`, and the one it would replace.
IN_PLACE = {
    "pdfwrite": lambda: (pydyf.PDF.write, ORIGINAL_WRITE),
    "fasttext": lambda: (text.draw_first_line, original_draw_first_line()),
    "computedstyle": lambda: (css.ComputedStyle.__missing__, original_missing()),
    "normalflow": lambda: (boxes.Box.is_in_normal_flow, original_normal_flow()),
}


@pytest.mark.usefixtures("unpatched")
@pytest.mark.parametrize(("patch", "change"), [
    pytest.param("pdfwrite", lambda monkeypatch: monkeypatch.setattr(
        pydyf, "__version__", "0.14.0"), id="pdfwrite-another-pydyf"),
    pytest.param("pdfwrite", another_source(pdfwrite), id="pdfwrite-another-source"),
    pytest.param("fasttext", another_weasyprint, id="fasttext-another-weasyprint"),
    pytest.param("fasttext", another_source(fasttext), id="fasttext-another-source"),
    pytest.param("fasttext", lambda monkeypatch: monkeypatch.setattr(
        fasttext, "GLYPH_INFO", struct.Struct("=Iiiii4x")), id="fasttext-another-glyph-layout"),
    pytest.param("computedstyle", another_weasyprint, id="computedstyle-another-weasyprint"),
    pytest.param("computedstyle", another_source(computedstyle),
                 id="computedstyle-another-source"),
    pytest.param("normalflow", another_weasyprint, id="normalflow-another-weasyprint"),
    pytest.param("normalflow", another_source(normalflow), id="normalflow-another-source"),
    pytest.param("normalflow", lambda monkeypatch: monkeypatch.setattr(
        boxes.TextBox, "is_floated", lambda box: False, raising=False),
        id="normalflow-a-box-of-its-own"),
])
def test_a_patch_declines_code_it_was_not_written_for(monkeypatch: pytest.MonkeyPatch,
                                                      patch: str, change: Any) -> None:
    change(monkeypatch)
    patches.install()
    installed, original = IN_PLACE[patch]()
    assert installed is original


@pytest.mark.usefixtures("unpatched")
def test_fast_missing_computes_what_weasyprint_computes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every property of every box, asked in the same order, with WeasyPrint's `__missing__`
    and with the fast one: the same values (inherit, initial, var(), calc(), logical
    properties, text decorations, named pages, floats and positions)."""
    import weasyprint
    from weasyprint.css.properties import INITIAL_VALUES

    html = ("<html lang='en' style='--gap: 3px; color: red'><head><style>"
            "@page wide { size: 300mm 200mm } section { page: wide; text-decoration: underline }"
            " p { margin-inline-start: var(--gap); padding: calc(1em + 2px); color: inherit;"
            " border-block-end: 1px solid; font-size: larger } span { float: left;"
            " position: relative; display: initial; text-decoration-color: blue }"
            " em { width: var(--missing, 20%); --own: 4px; margin: var(--own) }</style></head>"
            "<body dir='rtl'><section><p>One <span>two</span> <em>three</em></p></section>"
            "<p style='text-indent: calc(5% - 1px); line-height: inherit'>Four</p></body></html>")

    def comparable(value: Any) -> Any:  # calc() stays a token, a new object every render
        if isinstance(value, (tuple, list)):
            return type(value).__name__, [comparable(item) for item in value]
        return value.serialize() if hasattr(value, "serialize") else value

    def styles() -> list[dict[str, Any]]:
        document = weasyprint.HTML(string=html).render()
        found, pending = [], [document.pages[0]._page_box]
        while pending:
            box = pending.pop()
            pending.extend(getattr(box, "children", []))
            values = {}
            for key in INITIAL_VALUES:
                try:
                    values[key] = comparable(box.style[key])
                except KeyError:  # a logical property, which WeasyPrint computes only as such
                    values[key] = KeyError
            found.append(values)
        return found

    expected = styles()
    assert styles() == expected  # what is compared is the same from one render to the next
    monkeypatch.setattr(css.ComputedStyle, "__missing__",
                        computedstyle.computed_missing(original_missing()))
    got = styles()
    assert len(got) > 10
    assert got == expected


def test_source_digest_of_code_without_source_is_none() -> None:
    assert source_digest(len) is None


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082")
STYLE = """
@page { size: 156mm 234mm; margin: 20mm; @top-center { content: string(head) }
        @bottom-center { content: counter(page) } }
h2 { string-set: head content(); break-before: page }
th, td { border: 1px solid }
"""


def tagged_html() -> str:
    """A small book-like page: headings, lists, a table, an image, links in and out, other
    languages and directions, font features and decorations."""
    import base64

    image = "data:image/png;base64," + base64.b64encode(PNG).decode()
    sections = "".join(
        f"<section id='s{n}'><h2>Section {n} “{n}”</h2>"
        f"<p>{'Wörds and more words, justified and hyphenated. ' * 120}</p>"
        f"<ul><li>One <a href='#s{(n + 1) % 6}'>next</a></li><li>Two</li></ul>"
        f"<table><thead><tr><th>Name</th><th scope='col'>Value</th></tr></thead>"
        f"<tbody><tr><td>a</td><td>{n}</td></tr></tbody></table>"
        f"<p lang='fr'>Une phrase en français, <span style='font-variant: small-caps'>"
        f"Petites Capitales</span>.</p><p dir='rtl'>From right to left {n}.</p>"
        f"<p style='font-feature-settings: \"liga\" 0; text-decoration: underline'>"
        f"office affluent</p><p>Cafe\u0301 n\u0303o A\u0308\u0301 x\u0323\u0302 "
        f"\U000f0001 zero\u200bwidth wo\u2060rd\u00adsoft \u200d\u034f and <i>italic</i> "
        f"<b>bold</b> <sup>up</sup> <sub>down</sub>.</p>"
        f"<p><img src='{image}' alt='A dot' width='20'> "
        f"<a href='https://example.org/{n}'>out</a></p></section>" for n in range(6))
    return (f"<html lang='en'><head><title>Tagged</title><style>{STYLE}</style></head>"
            f"<body><h1>Book</h1>{sections}</body></html>")


@pytest.mark.slow
@pytest.mark.usefixtures("unpatched")
def test_tagged_render_is_the_same_with_patches() -> None:
    import weasyprint

    options = {"pdf_variant": "pdf/ua-1", "pdf_identifier": b"test", "uncompressed_pdf": False}
    html = weasyprint.HTML(string=tagged_html())
    subsetting.install()  # as anthology renders (fontTools' subsets carry the time they are made)
    plain = html.render(**options).write_pdf(**options, custom_metadata=True)
    patches.install()
    assert pydyf.PDF.write is not ORIGINAL_WRITE
    fast = html.render(**options).write_pdf(**options, custom_metadata=True)
    reader = PdfReader(BytesIO(fast))
    assert len(reader.pages) > 6
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert fast == plain


@pytest.mark.parametrize(("value", "left_out"), [
    ("", set()), ("on", set()), ("ON", set()), ("off", set(patches.NAMES)),
    (" Off ", set(patches.NAMES)),
    ("without:gc", {"gc"}), ("without:pdfwrite, gc", {"pdfwrite", "gc"}),
])
def test_the_switch_names_the_patches_left_on(value: str, left_out: set[str]) -> None:
    assert patches.chosen({patches.SWITCH: value}) == frozenset(patches.NAMES) - left_out
    assert patches.chosen({}) == frozenset(patches.NAMES)


@pytest.mark.parametrize("value", ["no", "without:pdfwrite,linebreak", "0"])
def test_a_switch_anthology_does_not_know_is_refused_plainly(value: str) -> None:
    from anthology.core.errors import ToolError

    with pytest.raises(ToolError) as refused:
        patches.chosen({patches.SWITCH: value})
    assert str(refused.value) == (
        f"The environment variable ANTHOLOGY_PATCHES is {value!r}, which anthology does not "
        "know. Set it to 'off' to turn WeasyPrint's speed patches off, or unset it; 'without:' "
        "takes a list of pdfwrite, pagerefs, normalflow, computedstyle, fasttext, htmltree, "
        "libraries, gc.")


@pytest.mark.usefixtures("unpatched")
def test_with_the_switch_off_nothing_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.setenv(patches.SWITCH, "off")
    assert patches.install() == frozenset()
    assert pydyf.PDF.write is ORIGINAL_WRITE
    assert text.draw_first_line is original_draw_first_line()
    monkeypatch.setenv(patches.SWITCH, "without:pdfwrite")
    assert patches.install() == frozenset(patches.NAMES) - {"pdfwrite"}
    assert pydyf.PDF.write is ORIGINAL_WRITE


def test_normal_flow_answers_as_weasyprint() -> None:
    import weasyprint

    html = ("<html lang='en'><style>@page { @top-center { content: element(head) } }"
            ".head { position: running(head) } .note { float: footnote }</style><body>"
            "<p class='head'>Head</p><p style='float: left'>L</p><p style='float: right'>R</p>"
            "<p style='position: absolute'>A</p><p style='position: fixed'>F</p>"
            "<p style='position: relative'>Rel<span class='note'>N</span></p><p>Text</p>")
    document = weasyprint.HTML(string=html).render()
    fast = normalflow.normal_flow(original_normal_flow())
    stack = [page._page_box for page in document.pages]
    answers = set()
    while stack:
        box = stack.pop()
        stack.extend(getattr(box, "children", []))
        expected = original_normal_flow()(box)
        assert fast(box) == expected
        answers.add(expected)
    assert answers == {True, False}
