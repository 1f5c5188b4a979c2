"""SVG figures made safe to print: parsed with no entities and nothing loaded (no DTD, no
network), and rebuilt from what an image needs.

An SVG is a document that can run scripts, handle events, fetch other files (`href`,
`xml:base`, `@import`, `url(...)`, `<?xml-stylesheet?>`, XInclude) and embed web pages
(`foreignObject`). The sanitised copy keeps only elements and attributes of the SVG namespace
(and `xlink:` and `xml:` attributes), and of those drops scripts, `on*` handlers, animations
(which can rewrite a link), `foreignObject`, references to anything but a fragment of the
image itself (`#id`) or an embedded PNG, JPEG, GIF or WebP (itself inspected), and every
stylesheet import or `url()` to outside. The EPUB and the PDF get this copy, never the file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import xml.etree.ElementTree as ElementTree
from typing import Any

from anthology.core.raster import ImageInfo, inspect_raster_bytes

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XINCLUDE_NS = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
XHTML_NS = "http://www.w3.org/1999/xhtml"
ElementTree.register_namespace("xlink", XLINK_NS)

ANIMATIONS = {"animate", "set", "animateMotion", "animateTransform", "animateColor", "discard"}
REFERENCE_ATTRIBUTES = {"href", "src", f"{{{XLINK_NS}}}href"}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp)(;[^,]*)?,", re.IGNORECASE)
_KINDS = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WebP"}
# Prefilter: CSS with none of these cannot fetch anything (escapes could spell them).
_CSS_RISK = re.compile(r"url|@|\\|image-set|src", re.IGNORECASE)


class SvgError(ValueError):
    """An SVG that cannot be parsed safely: the message says why, in plain words."""


def _parse(data: bytes) -> Any:
    import defusedxml.ElementTree as SafeTree
    from defusedxml import EntitiesForbidden, ExternalReferenceForbidden

    # A DOCTYPE alone is allowed: drawing programs write SVG 1.1's (8 of the 15 SVGs of the
    # 500lines book do), expat never loads it, and the copy has none. Entities (which expand,
    # or read files) are not; attribute defaults it declares are sanitised like the rest.
    try:
        return SafeTree.fromstring(data, forbid_dtd=False, forbid_entities=True,
                                   forbid_external=True)
    except EntitiesForbidden as problem:
        raise SvgError(f"it declares an entity ({problem.name}), which an image may "
                       "not") from None
    except ExternalReferenceForbidden:
        raise SvgError("it refers to a file outside itself, which an image may not") from None
    except ElementTree.ParseError as problem:
        line, column = getattr(problem, "position", (0, 0))
        raise SvgError(f"it is not well-formed XML (line {line}, column {column + 1})") \
            from None


# Sanitised copies of small SVGs by digest: a chapter's check, its EPUB file and its PDF each
# ask for the same figure.
_MADE: dict[str, tuple[bytes, tuple[str, ...]]] = {}
_CACHED_SIZE = 1024 * 1024


def sanitise_svg(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The safe copy of an SVG, and what was removed (in words, for a message).

    Raises SvgError when the file is not an SVG that can be parsed without a DTD or entities.
    """
    key = hashlib.sha256(data).hexdigest()
    made = _MADE.get(key)
    if made is None:
        made = _sanitise(data)
        if len(data) <= _CACHED_SIZE:
            if len(_MADE) >= 64:
                _MADE.clear()
            _MADE[key] = made
    return made


def _sanitise(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    root = _parse(data)
    if root.tag == "svg":  # no xmlns: WeasyPrint takes it as SVG, and the copy says so
        for element in root.iter():
            if not element.tag.startswith("{"):
                element.tag = f"{{{SVG_NS}}}{element.tag}"
    if root.tag != f"{{{SVG_NS}}}svg":
        name = root.tag.rpartition("}")[2]
        raise SvgError(f"its outermost element is <{name}>, not <svg> in the SVG namespace")
    removed: dict[str, None] = {}
    if re.search(rb"<\?xml-stylesheet", data):  # dropped by the parser: said so
        removed["a reference to another file (xml-stylesheet)"] = None
    _clean_element(root, removed)
    # Every element left is SVG's: written unprefixed under one xmlns (ElementTree would
    # otherwise call the namespace ns0, and its default_namespace refuses plain attributes).
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    root.set("xmlns", SVG_NS)
    # No XML declaration: UTF-8 is XML's default, and the copy starts as an SVG file does.
    out = ElementTree.tostring(root, encoding="unicode").encode("utf-8")
    return out, tuple(removed)


def _clean_element(element: Any, removed: dict[str, None]) -> None:
    kept = []
    for child in list(element):
        namespace, _, name = child.tag.rpartition("}")
        namespace = namespace.lstrip("{")
        if namespace != SVG_NS:
            if namespace in XINCLUDE_NS:
                removed["a reference to another file (XInclude)"] = None
            elif namespace == XHTML_NS:
                removed["embedded HTML"] = None
            # Other namespaces (an editor's own, such as Inkscape's) are dropped quietly.
        elif name == "script":
            removed["a script"] = None
        elif name == "foreignObject":
            removed["embedded HTML (foreignObject)"] = None
        elif name in ANIMATIONS:
            removed["an animation"] = None
        else:
            _clean_element(child, removed)
            kept.append(child)
            continue
        if child.tail:  # the text that followed it stays
            if kept:
                kept[-1].tail = (kept[-1].tail or "") + child.tail
            else:
                element.text = (element.text or "") + child.tail
    for child in list(element):
        element.remove(child)
    element.extend(kept)
    _clean_attributes(element, removed)
    if element.tag == f"{{{SVG_NS}}}style" and element.text:
        element.text = _clean_css(element.text, removed, stylesheet=True)


def _clean_attributes(element: Any, removed: dict[str, None]) -> None:
    for key, value in list(element.attrib.items()):
        namespace = key[1:].partition("}")[0] if key.startswith("{") else ""
        name = key.rpartition("}")[2]
        if key in REFERENCE_ATTRIBUTES:
            if not _safe_reference(value):
                removed[f"a reference to {_shorten(value)}"] = None
                del element.attrib[key]
            continue
        if namespace == XML_NS and name == "base":
            removed[f"a reference to {_shorten(value)}"] = None
            del element.attrib[key]
        elif namespace not in ("", XLINK_NS, XML_NS):
            del element.attrib[key]  # an editor's own attributes
        elif namespace == "" and name.lower().startswith("on"):
            removed[f"an event handler ({name})"] = None
            del element.attrib[key]
        elif ("(" in value or "\\" in value) and _CSS_RISK.search(value):
            cleaned = _clean_css(value, removed, stylesheet=False)
            if cleaned != value:
                element.attrib[key] = cleaned


def _shorten(value: str) -> str:
    value = value.strip()
    return value if len(value) <= 40 else value[:37] + "..."


def _safe_reference(value: str) -> bool:
    """A fragment of the image itself, or an embedded raster image that passes inspection."""
    value = value.strip()
    if value.startswith("#"):
        return True
    match = _DATA_IMAGE.match(value)
    if match is None:
        return False
    payload = value[match.end():]
    try:
        if ";base64" in (match[2] or "").lower():
            raw = base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
        else:
            from urllib.parse import unquote_to_bytes

            raw = unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        return False
    return isinstance(inspect_raster_bytes(raw, _KINDS[match[1].lower()]), ImageInfo)


def _clean_css(text: str, removed: dict[str, None], *, stylesheet: bool) -> str:
    """CSS without @import and with every url() that is not `url(#id)` replaced by none."""
    if not _CSS_RISK.search(text):
        return text
    import tinycss2

    nodes: list[Any]
    changed = [False]
    if stylesheet:
        nodes = []
        for rule in tinycss2.parse_stylesheet(text):
            if rule.type == "at-rule" and rule.lower_at_keyword == "import":
                removed["a stylesheet @import"] = None
                changed[0] = True
                continue
            nodes.append(rule)
    else:
        nodes = tinycss2.parse_component_value_list(text)
    nodes = _clean_tokens(nodes, removed, changed)
    return tinycss2.serialize(nodes) if changed[0] else text


def _clean_tokens(nodes: list[Any], removed: dict[str, None], changed: list[bool]) -> list[Any]:
    from tinycss2.ast import IdentToken

    out: list[Any] = []
    for node in nodes:
        kind = node.type
        url = None
        if kind == "url":
            url = node.value
        elif kind == "function" and node.lower_name == "url":
            strings = [t.value for t in node.arguments if t.type == "string"]
            url = strings[0] if strings else ""
        elif kind == "function" and node.lower_name in ("image-set", "-webkit-image-set",
                                                       "src", "image", "cross-fade"):
            url = ""  # lists of images by string: nothing an SVG in a book needs
        elif kind == "at-keyword" and node.lower_value == "import":
            url = ""
        if url is not None:
            if url.strip().startswith("#"):
                out.append(node)
            else:
                removed[f"a stylesheet link to {_shorten(url) or 'another file'}"] = None
                changed[0] = True
                out.append(IdentToken(node.source_line, node.source_column, "none"))
            continue
        for attribute in ("prelude", "content", "arguments"):
            inner = getattr(node, attribute, None)
            if isinstance(inner, list):
                setattr(node, attribute, _clean_tokens(inner, removed, changed))
        out.append(node)
    return out
