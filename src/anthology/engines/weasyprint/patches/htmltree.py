"""The HTML tree WeasyPrint lays out, parsed by html5ever (the `markupever` wheel) instead of
WeasyPrint's own tinyhtml5, where the two are known to give the same tree.

Replaces, within `parsed_as`, the `tinyhtml5.parse` that `weasyprint.HTML.__init__` calls, of
WeasyPrint 70.0 (the SHA-256 of `HTML.__init__`'s source: `SOURCE`). Used only where the
WeasyPrint found is that version with that source (`usable`); elsewhere WeasyPrint parses.

tinyhtml5 is pure Python: it took 1.27 s of the benchmark book's release (2.1 MB of HTML) and
0.065 s of each chapter's layout. html5ever, with the tree handed over as ElementTree
elements, takes about 0.1 s and 0.006 s. Both follow the WHATWG parsing algorithm; they part
in three places, which this module leaves to tinyhtml5:

- `<noscript>`: html5ever parses it as a browser with scripting does (its content as text);
- `<select>`: html5ever follows the newer rules that let a select hold other elements;
- `<template>`: the two place its content differently.

The HTML anthology writes (pandoc's writer and anthology's templates) has none of them, and a
book that lets chapters carry raw HTML (`build.raw_html`) is parsed by tinyhtml5 throughout, so
markup a contributor wrote by hand is read as WeasyPrint reads it: on random fragments of
misnested and unclosed tags, the two also differ in corners of error recovery (41 of 3,218),
while on 5,000 random well-nested documents of the kinds pandoc writes they never did.

Gain, measured on 2026-12-07 at commit 1671940 with benchmarks/patches.py (the benchmark book at
4 chapters of 7,500 words, 2 cores shared with other work; CPU seconds, user + system, of the
build and all its processes; each build against the all-on builds of the same time; median of 2
runs cold, 2 release): turning it off costs the cold build +0.64 CPU-s (+3.4%) and the release
+0.11 CPU-s (+1.1%). Kept by its cold build, on two runs.
"""

from __future__ import annotations

import functools
import re
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from anthology.engines.weasyprint.upstream import written_against

if TYPE_CHECKING:
    from anthology.core.model import Book

VERSION = "70.0"
SOURCE = "5f19f40b81837f87ae7af8e5c53d5f11e7c98ba245094a86d45f5f14d001b943"
HTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
# A start tag is "<" and the name at once ("< select>" is text); any one of these, even in a
# comment or a stylesheet, sends the document to tinyhtml5.
_APART = re.compile(r"<(?:noscript|select|template)[\s/>]", re.IGNORECASE)


def parser_version() -> str:
    """The markupever that parses the HTML ("" without it), for the cache's keys. Read
    without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return "markupever " + version("markupever")
    except PackageNotFoundError:
        return ""


def allowed(book: Book) -> bool:
    """Whether `book`'s HTML may be parsed by html5ever: not when its chapters may carry raw
    HTML (`build.raw_html`), which is left to WeasyPrint's own parser (see above)."""
    return not book.config.build.raw_html


@functools.cache
def usable() -> bool:
    """Whether WeasyPrint's `HTML` is the one this was written for (it parses its string
    with `tinyhtml5.parse(..., namespace_html_elements=False)`)."""
    import weasyprint

    return written_against(weasyprint.__version__, VERSION, SOURCE, weasyprint.HTML.__init__)


def applies(text: str) -> bool:
    """Whether html5ever gives `text` the tree tinyhtml5 gives it (see the module's notes)."""
    return _APART.search(text) is None


def parse(text: str) -> ElementTree.Element | None:
    """The tree tinyhtml5 makes of `text` (as WeasyPrint asks for it: HTML elements without a
    namespace), made by html5ever; None when html5ever is missing or does not apply."""
    if not applies(text):
        return None
    try:
        import markupever
        from markupever import _rustlib
    except ImportError:
        return None
    try:
        return _element_tree(markupever.parse(text), _rustlib)
    except (AttributeError, TypeError):  # another markupever: WeasyPrint's parser will do
        return None


def _element_tree(tree: Any, rust: Any) -> ElementTree.Element | None:
    """The ElementTree of markupever's `tree`: elements, text and comments, as tinyhtml5
    builds it (text after a child is that child's tail; comments outside `html` dropped)."""
    element_kind, text_kind, comment_kind = rust.Element, rust.Text, rust.Comment
    make, comment = ElementTree.Element, ElementTree.Comment
    tags: dict[Any, str] = {}
    root: ElementTree.Element | None = None
    parents: list[ElementTree.Element | None] = []
    top: ElementTree.Element | None = None  # the open element
    last: Any = None  # its last child (an element or a comment), once closed
    for node, closed in rust.iter.Traverse(tree._raw.root()):
        kind = type(node)
        if kind is text_kind:
            if closed or top is None:
                continue
            if last is not None:
                last.tail = node.content if last.tail is None else last.tail + node.content
            else:
                top.text = node.content if top.text is None else top.text + node.content
        elif kind is element_kind:
            if closed:
                last, top = top, parents.pop()
                continue
            name = node.name
            tag = tags.get(name)
            if tag is None:
                space = name.ns
                tag = tags[name] = (name.local if not space or space == HTML_NAMESPACE
                                    else f"{{{space}}}{name.local}")
            attributes = node.attrs
            element = make(tag, {(f"{{{key.ns}}}{key.local}" if key.ns else key.local): value
                                 for key, value in attributes.items()}) \
                if len(attributes) else make(tag)
            if top is None:
                root = element
            else:
                top.append(element)
            parents.append(top)
            top, last = element, None
        elif kind is comment_kind:
            if closed or top is None:
                continue
            made = comment(node.content)
            top.append(made)
            last = made
    return root


@contextmanager
def parsed_as(tree: ElementTree.Element) -> Iterator[None]:
    """Within this block, WeasyPrint's `HTML(string=...)` takes `tree` as the parse of its
    string (it asks tinyhtml5 through the name `tinyhtml5` of its own module)."""
    weasyprint: Any = sys.modules["weasyprint"]
    original = weasyprint.tinyhtml5

    class Parsed:
        @staticmethod
        def parse(source: Any, **options: Any) -> Any:
            if options == {"namespace_html_elements": False}:
                return tree
            return original.parse(source, **options)

    weasyprint.tinyhtml5 = Parsed
    try:
        yield
    finally:
        weasyprint.tinyhtml5 = original
