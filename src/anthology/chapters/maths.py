"""TeX maths typeset as SVG for the print PDF (WeasyPrint lays out no MathML).

Each formula goes TeX -> MathML (ziamath's front end, latex2mathml) -> SVG (ziamath, with its
own STIX Two Math font, glyphs drawn as paths), and is embedded in the chapter's HTML as an
`<img>` with a `data:` URL and the TeX as its alt text: the tagged PDF carries the TeX for
screen readers, and the page shows no TeX. A formula is typeset once: the SVG and its metrics
are cached by content (`math` entries), when a chapter is checked; the HTML stage reads them.

Nothing in a formula reads a file or the network: latex2mathml and ziamath only read their own
tables and font, `\\href` targets and style attributes are dropped, colours are names or hex
only. A formula that cannot be typeset (a command the typesetter does not know, TeX that does
not parse, one too long or nested too deeply) is an error at its line (`markdown.math`), and
the PDF shows its TeX in a box rather than a wrong formula.
"""

from __future__ import annotations

import base64
import functools
import html
import re
import threading
import warnings
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict, dataclass
from importlib.metadata import version
from types import SimpleNamespace
from typing import Any

from anthology.chapters.document import Locator, Node, Visitor, each
from anthology.core.cache import Cache, digest

# Units of the SVG per em of the text: ziamath's size is the font size in SVG units.
SIZE = 20.0
MARGIN = 0.5  # SVG units around the ink, so no stroke is clipped
MAX_LENGTH = 4000  # characters of TeX: a 600-term sum (5,900) takes 2.5 s and 1 MB of SVG
MAX_DEPTH = 40  # MathML elements, nested (after flattening)
MATHML = "{http://www.w3.org/1998/Math/MathML}"
_SAFE_COLOUR = re.compile(r"^(?:#[0-9a-fA-F]{3,8}|[A-Za-z]{1,30})$")
_COLOUR_KEYS = ("mathcolor", "mathbackground", "color", "background")
_LOCK = threading.Lock()  # ziamath keeps global state (its config, loaded fonts)


@functools.cache
def maths_version() -> str:
    """What the typeset formulas depend on besides their TeX, for cache keys."""
    return f"maths 2; ziamath {version('ziamath')}; latex2mathml {version('latex2mathml')}"


@dataclass(frozen=True)
class Formula:
    """A typeset formula: its SVG and size in em, or why it could not be typeset."""

    svg: str = ""
    width: float = 0.0
    height: float = 0.0
    depth: float = 0.0  # how far the SVG reaches below the text's baseline
    problem: str | None = None  # what is wrong, to follow "the formula $...$"
    fix: str | None = None  # how to fix it


KNOWN = ("Write it with LaTeX's standard maths commands (\\frac, \\sqrt, \\sum, \\mathrm, "
         "\\begin{aligned} ...), or without that command.")
READ = "Check that every { has its }, every \\begin its \\end, and every \\frac two arguments."
SPLIT = "Split it into several smaller formulas."
LABEL = ("Label the equation after it instead, as $$ ... $$ {#eq-name}, and refer to it as "
         "@eq-name.")


def typeset(tex: str, display: bool) -> Formula:
    """Typeset TeX maths as SVG (not cached); a formula that cannot be typeset has a problem."""
    source = tex.strip()
    if len(source) > MAX_LENGTH:
        return Formula(problem=f"is {len(source):,} characters long; the limit is "
                               f"{MAX_LENGTH:,}", fix=SPLIT)
    engine = _engine()  # outside the try: a broken installation is no contributor's error
    with _LOCK:
        try:
            return _typeset(engine, source, display)
        except RecursionError:
            return Formula(problem="is nested too deeply to typeset", fix=SPLIT)
        except Exception:  # latex2mathml and ziamath raise anything on TeX they cannot read
            return Formula(problem="cannot be read as TeX", fix=READ)


@functools.cache
def _engine() -> SimpleNamespace:
    """ziamath's parts, imported on the first formula (0.5 s with its font)."""
    with warnings.catch_warnings():
        # ziamath 0.13 finds its font with importlib.resources.path, deprecated in 3.11.
        warnings.simplefilter("ignore", DeprecationWarning)
        from ziamath.config import config
        from ziamath.escapes import unescape
        from ziamath.tex import tex2mml
        from ziamath.zmath import Math
    config.svg2 = False  # plain paths: no ids to clash between formulas
    return SimpleNamespace(unescape=unescape, tex2mml=tex2mml, Math=Math)


def _typeset(engine: Any, source: str, display: bool) -> Formula:
    tex2mml, unescape, Math = engine.tex2mml, engine.unescape, engine.Math
    mathml = ElementTree.fromstring(unescape(tex2mml(source, inline=not display)))
    unknown = sorted({node.text.strip() for node in mathml.iter()
                      if node.text and node.text.strip().startswith("\\")
                      and len(node.text.strip()) > 1})
    if unknown:
        return Formula(problem=f"uses {', '.join(unknown)}, which the maths typesetter does "
                               "not know", fix=LABEL if "\\label" in unknown else KNOWN)
    _make_safe(mathml)
    _flatten(mathml)
    if _depth(mathml) > MAX_DEPTH:
        return Formula(problem="is nested too deeply to typeset", fix=SPLIT)
    math: Any = Math(mathml, size=SIZE, margin=MARGIN)
    svg = math.svgxml()
    bottom = MARGIN - math.node.bbox.ymin  # the viewBox's baseline is y = 0
    width, height = float(svg.attrib["width"]), float(svg.attrib["height"])
    return Formula(svg=ElementTree.tostring(svg, encoding="unicode"), width=width / SIZE,
                   height=height / SIZE, depth=bottom / SIZE)


def _make_safe(element: ElementTree.Element) -> None:
    """Drop link targets, classes and styles; keep only plain colours."""
    for node in element.iter():
        for key in ("href", "style", "class", "id", "xlink:href"):
            node.attrib.pop(key, None)
        for key in _COLOUR_KEYS:
            if key in node.attrib and not _SAFE_COLOUR.match(node.attrib[key]):
                del node.attrib[key]


def _flatten(element: ElementTree.Element) -> None:
    """Replace each <mrow> holding one element by that element (not an operator, whose
    spacing the group changes): ziamath lays out nested rows in time exponential in their
    depth (ten braces deep took 1.6 s), and `{x}` makes one for every group."""
    for index, child in enumerate(list(element)):
        _flatten(child)
        while (child.tag in ("mrow", f"{MATHML}mrow") and len(child) == 1 and not child.attrib
               and not (child.text or "").strip() and not child[0].tag.endswith("mo")):
            inner = child[0]
            inner.tail = child.tail
            element[index] = inner
            child = inner


def _depth(element: ElementTree.Element) -> int:
    stack, deepest = [(element, 1)], 0
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node)
    return deepest


def formula(tex: str, display: bool, cache: Cache | None) -> Formula:
    """The typeset formula, from the cache when it has it."""
    key = digest("math", maths_version(), "display" if display else "inline", tex)
    if cache is not None:
        stored = cache.get_json("math", key)
        if isinstance(stored, dict):
            return Formula(**stored)
    made = typeset(tex, display)
    if cache is not None:
        cache.put_json("math", key, asdict(made))
    return made


def _is_display(node: Node) -> bool:
    return bool(node["c"][0]["t"] == "DisplayMath")


def check_maths(ast: Node, locator: Locator, cache: Cache | None,
                measure: float | None = None) -> None:
    """Typeset every formula of a chapter (cached); each that cannot be is an error, and a
    display formula that only fits the `measure` (in em) much reduced is a warning."""
    if "$" not in locator.body:  # pandoc reads maths only between dollars: no walk needed
        return
    numbered = {id(span["c"][1][0]) for span in each(ast["blocks"], "Span")
                if "equation" in span["c"][0][1]}
    for node in each(ast["blocks"], "Math"):
        tex = node["c"][1]
        display = _is_display(node)
        made = formula(tex, display, cache)
        shown = " ".join(tex.split())
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        needle = next((line.strip() for line in tex.splitlines() if line.strip()), tex)
        if made.problem is not None:
            locator.error("markdown.math", needle,
                          f"has a formula that cannot be printed: ${shown}$ {made.problem}. "
                          "The PDF shows its TeX in a box instead.", made.fix or SPLIT)
        elif display and measure is not None:
            room = measure - (NUMBER_ROOM if id(node) in numbered else 0.0)
            if made.width * SMALLEST > room:
                locator.warning("markdown.math-wide", needle,
                                f"has a formula too wide for the page: ${shown}$ is "
                                f"{made.width:.0f} em wide where the line has {room:.0f}, so "
                                f"it prints at {room / made.width:.0%} of the text's size.",
                                "Break it over lines: \\begin{aligned} a &= b \\\\ &= c "
                                "\\end{aligned}, or split it into several formulas.")


_POINTS = {"mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "pt": 1.0, "px": 0.75}
FONT_SIZE = 10.0  # points: the text's size in the house book.css
NUMBER_ROOM = 6.0  # em a numbered equation gives its number (book.css: 3em each side)
SMALLEST = 0.8  # a display formula printed smaller than this is reported


def measure_of(width: str, inner: str, outer: str) -> float | None:
    """The text's measure in em at the house font size, from CSS lengths (None if unknown)."""
    points = []
    for length in (width, inner, outer):
        match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(mm|cm|in|pt|px)", length.strip())
        if match is None:
            return None
        points.append(float(match[1]) * _POINTS[match[2]])
    return (points[0] - points[1] - points[2]) / FONT_SIZE


def image_html(made: Formula, tex: str, display: bool) -> str:
    """The formula as an HTML <img> (a data: URL), sized in em and on the text's baseline;
    one that could not be typeset as its TeX in a box."""
    alt = html.escape(" ".join(tex.split()), quote=True)
    kind = "display" if display else "inline"
    if made.problem is not None:
        return f'<code class="math-source {kind}">{html.escape(tex.strip())}</code>'
    data = base64.b64encode(made.svg.encode("utf-8")).decode("ascii")
    if display:
        # No height: the SVG's own proportions give it, so a formula wider than the measure
        # is scaled down as a whole (max-width in the CSS).
        style = f"width: {made.width:.3f}em"
    else:
        style = (f"width: {made.width:.3f}em; height: {made.height:.3f}em; "
                 f"vertical-align: {-made.depth:.3f}em")
    image = (f'<img class="math-image" src="data:image/svg+xml;base64,{data}" alt="{alt}" '
             f'style="{style}">')
    return f'<span class="math {kind}">{image}</span>'


def _ends_display(node: Node) -> bool:
    """Whether an inline is display maths as `svg_maker` and number_crossrefs leave it."""
    if node["t"] == "RawInline":
        return bool(node["c"][1].startswith(('<span class="math display">',
                                              '<code class="math-source display">')))
    return node["t"] == "Span" and "equation" in node["c"][0][1]


def paragraph_splitter(node: Node) -> Node | list[Node] | None:
    """A visitor that splits a paragraph after each display formula followed by more text,
    the text after in a `continued` div: as in TeX, it goes on the paragraph, unindented
    (WeasyPrint indents the text after a block inside a paragraph as a first line). Runs after
    `svg_maker`, last in a chain (it returns a list)."""
    if node["t"] != "Para":
        return None
    inlines = node["c"]
    cuts = [i + 1 for i, child in enumerate(inlines[:-1]) if _ends_display(child)]
    if not cuts:
        return None
    pieces = [inlines[start:end] for start, end in zip([0, *cuts], [*cuts, len(inlines)],
                                                         strict=True)]
    out: list[Node] = [{"t": "Para", "c": pieces[0]}]
    for piece in pieces[1:]:
        while piece and piece[0]["t"] in ("Space", "SoftBreak"):
            piece = piece[1:]
        if piece:
            out.append({"t": "Div", "c": [["", ["continued"], []], [{"t": "Para", "c": piece}]]})
    return out


def svg_maker(cache: Cache | None) -> Visitor:
    """A visitor that turns Math elements into raw HTML images of the typeset formula."""
    def visit(node: Node) -> Node | None:
        if node["t"] != "Math":
            return None
        tex = node["c"][1]
        display = _is_display(node)
        return {"t": "RawInline",
                "c": ["html", image_html(formula(tex, display, cache), tex, display)]}

    return visit


_ANNOTATED = re.compile(r'(<math\b[^>]*?)(\s*/?>)\s*<semantics>(.*?)'
                        r'<annotation encoding="application/x-tex">(.*?)</annotation>\s*'
                        r'</semantics>', re.DOTALL)


def tex_as_alttext(xhtml: str) -> str:
    """pandoc's MathML with its TeX moved from an <annotation> to the `alttext` attribute:
    a reading system without MathML shows the formula's text once, not then its TeX too,
    and a screen reader still has the TeX."""
    def move(match: re.Match[str]) -> str:
        tex = " ".join(match[4].split()).replace('"', "&quot;")
        return f'{match[1]} alttext="{tex}"{match[2]}{match[3]}'

    return _ANNOTATED.sub(move, xhtml)
