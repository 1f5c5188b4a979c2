"""Speed-ups to WeasyPrint and pydyf for anthology's renders, installed in the WeasyPrint
process before each job: each one gives the same PDF bytes as the code it replaces, and checks
that the code it replaces is the version it was written against (otherwise it does nothing)."""

from __future__ import annotations

import hashlib
import inspect
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from math import ceil, log
from typing import Any


def install() -> None:
    """Install every speed-up that applies to the WeasyPrint and pydyf found (idempotent)."""
    from anthology.engines.weasyprint.patches import enabled

    for name, install_one in (("pdfwrite", _install_pdf_write),
                              ("layoutsetup", _install_layout_setup),
                              ("strut", _install_strut_memo),
                              ("percentages", _install_resolve_percentages),
                              ("normalflow", _install_normal_flow),
                              ("computedstyle", _install_computed_missing),
                              ("fasttext", _install_draw_first_line)):
        if enabled(name):
            install_one()


def source_digest(*functions: Any) -> str | None:
    """The SHA-256 of the source text of `functions` (None if a source cannot be read)."""
    digest = hashlib.sha256()
    for function in functions:
        try:
            digest.update(inspect.getsource(function).encode())
        except (OSError, TypeError):
            return None
    return digest.hexdigest()


# pydyf 0.13's `PDF.write` makes every object's bytes twice when the PDF has an identifier
# (WeasyPrint always gives one): once to write it, once more for the MD5 of the trailer's ID,
# compressing each page's content stream and the big object stream (the 74,000 structure
# elements of a tagged book) twice at zlib level 9. This `write` makes each object's bytes once,
# with a serializer that gives pydyf's bytes for pydyf's own types (and asks every other object
# for its `data`), and compresses the content streams in two threads (zlib lets go of the GIL)
# while this one serializes the dictionaries. Same order, same level, same bytes.
PYDYF_WRITE_VERSION = "0.13.0"
PYDYF_WRITE_SOURCE = "5830548c27a4a24d43da30eb32dc63dc1739f5b8f683490df75b7cd4557af3ca"
_COMPRESS_THREADS = 2


def _pydyf_write_sources(pydyf: Any) -> tuple[Any, ...]:
    """What the fast `write` copies the behaviour of (its digest is PYDYF_WRITE_SOURCE)."""
    return (pydyf._to_bytes, pydyf.Object.indirect.fget, pydyf.Object.compressible.fget,
            pydyf.Dictionary.data.fget, pydyf.Array.data.fget, pydyf.Stream.data.fget,
            pydyf.PDF.write)


def _install_pdf_write() -> None:
    import pydyf

    if getattr(pydyf.PDF.write, "anthology_fast", False):
        return
    if (getattr(pydyf, "__version__", None) != PYDYF_WRITE_VERSION
            or source_digest(*_pydyf_write_sources(pydyf)) != PYDYF_WRITE_SOURCE):
        return
    pydyf.PDF.write = fast_write(pydyf, pydyf.PDF.write)


def serializer(pydyf: Any) -> Callable[[Any], bytes]:
    """pydyf's `_to_bytes`, faster on pydyf's own dictionaries and arrays (same bytes)."""
    Dictionary, Array = pydyf.Dictionary, pydyf.Array
    original = pydyf._to_bytes
    names: dict[str, bytes] = {}

    def dictionary(value: Any) -> bytes:
        parts = [b"<<"]
        for key, item in value.items():
            if type(key) is str:
                name = names.get(key)
                if name is None:
                    name = names[key] = b"/" + key.encode("ascii") + b" "
            else:
                name = b"/" + to_bytes(key) + b" "
            parts.append(name + to_bytes(item))
        parts.append(b">>")
        return b"".join(parts)

    def to_bytes(item: Any) -> bytes:
        kind = type(item)
        if kind is bytes:
            return item  # type: ignore[no-any-return]
        if kind is str:
            return item.encode("ascii")  # type: ignore[no-any-return]
        if kind is int:
            return b"%d" % item
        if kind is Dictionary:
            return dictionary(item)
        if kind is Array:
            return b"[" + b" ".join([to_bytes(child) for child in item]) + b"]"
        return original(item)  # type: ignore[no-any-return]

    return to_bytes


def fast_write(pydyf: Any, original: Any) -> Any:
    """pydyf's `PDF.write`, making each object's bytes once (see above)."""
    to_bytes = serializer(pydyf)
    Dictionary, Stream = pydyf.Dictionary, pydyf.Stream
    stream_data = Stream.__dict__["data"]
    object_indirect = pydyf.Object.__dict__["indirect"]
    compressible = pydyf.Object.__dict__["compressible"]

    def plain_stream(object_: Any) -> bool:
        kind = type(object_)
        return (getattr(kind, "data", None) is stream_data
                and getattr(kind, "compressible", None) is compressible)

    def stream_bytes(object_: Any, content: bytes) -> bytes:
        extra = Dictionary(object_.extra.copy())
        if object_.compress:
            extra["Filter"] = "/FlateDecode"
        extra["Length"] = len(content)
        return b"\n".join((to_bytes(extra), b"stream", content, b"endstream"))

    def deflate(content: bytes) -> bytes:
        compressor = zlib.compressobj(level=9)
        return compressor.compress(content) + compressor.flush()

    def row_bytes(rows: list[tuple[int, int, int]], lengths: tuple[int, int, int]) -> bytes:
        return b"".join(value.to_bytes(length, "big")
                        for row in rows for length, value in zip(lengths, row, strict=False))

    def deflate_rows(rows: list[tuple[int, int, int]], lengths: tuple[int, int, int]
                     ) -> tuple[tuple[int, int, int], bytes, Any, bytes]:
        """The widths, the rows' bytes, the compressor to go on with and what it gave so far."""
        compressor = zlib.compressobj(level=9)
        made = row_bytes(rows, lengths)
        return lengths, made, compressor, compressor.compress(made)

    def write(self: Any, output: Any, version: Any = b"1.7", identifier: Any = False,
              compress: Any = False) -> None:
        if not (pydyf._to_bytes(version or b"1.7") >= b"1.5" and compress):
            original(self, output, version, identifier, compress)  # nothing made twice
            return None
        version = pydyf._to_bytes(version or b"1.7")
        if identifier not in (False, True, None):
            identifier = pydyf._to_bytes(identifier)
        if self.info:
            self.add_object(self.info)
        self.write_line(b"%PDF-" + version, output)
        self.write_line(b"%\xf0\x9f\x96\xa4", output)

        data: dict[int, bytes] = {}  # id(object): its bytes, each made once
        live = [object_ for object_ in self.objects if object_.free != "f"]
        with ThreadPoolExecutor(_COMPRESS_THREADS) as pool, ThreadPoolExecutor(2) as tail:
            pending: dict[int, tuple[Any, Future[bytes] | bytes]] = {}
            for object_ in live:
                if not object_.compressible and plain_stream(object_):
                    content = b"\n".join([to_bytes(item) for item in object_.stream])
                    pending[id(object_)] = (object_, pool.submit(deflate, content)
                                            if object_.compress else content)
            compressed_objects = []
            for object_ in live:
                if object_.compressible:
                    compressed_objects.append(object_)
                    data[id(object_)] = to_bytes(object_)
            # The object stream (pydyf's own steps) is known now: it is deflated while the
            # other objects are written.
            stream: list[Any] = [[]]
            position = 0
            for object_ in compressed_objects:
                object_data = data[id(object_)]
                stream.append(object_data)
                stream[0].append(object_.number)
                stream[0].append(position)
                position += len(object_data) + 1
            stream[0] = " ".join(str(i) for i in stream[0])
            content = b"\n".join([to_bytes(item) for item in stream])
            packing = tail.submit(deflate, content)
            for object_ in live:
                if object_.compressible:
                    continue
                if id(object_) in pending:
                    made = pending.pop(id(object_))[1]
                    data[id(object_)] = stream_bytes(
                        object_, made if isinstance(made, bytes) else made.result())
                elif getattr(type(object_), "indirect", None) is object_indirect:
                    data[id(object_)] = object_.data
                object_.offset = self.current_position
                self.write_line(indirect(object_, data), output)

            extra = {
                "Type": "/ObjStm",
                "N": len(compressed_objects),
                "First": len(stream[0]) + 1,
            }
            object_stream = Stream(stream, extra, compress)
            object_stream.offset = self.current_position
            self.add_object(object_stream)

            # The cross-reference stream: every row but its own is known now, and its field
            # widths are, unless the object stream's length could change them. Its rows are
            # deflated meanwhile, and its own row added at the end (zlib gives the same bytes
            # for input given in parts, without a flush between them).
            xref = []
            dict_index = 0
            for object_ in self.objects:
                if object_.compressible:
                    xref.append((2, object_stream.number, dict_index))
                    dict_index += 1
                else:
                    xref.append((bool(object_.number), object_.offset, object_.generation))
            max_generation = max(object_.generation for object_ in self.objects)
            field3_size = ceil(log(max(max_generation, len(compressed_objects)) + 1, 256))
            least = self.current_position + len(content) // 2000
            most = self.current_position + len(content) + len(content) // 100 + 4096
            field2_size = ceil(log(least + 1, 256))
            rows: Future[tuple[tuple[int, int, int], bytes, Any, bytes]] | None = None
            if ceil(log(most + 1, 256)) == field2_size:
                rows = tail.submit(deflate_rows, list(xref), (1, field2_size, field3_size))

            digest = hashlib.md5() if identifier else None
            if digest is not None:
                for object_ in self.objects[:-1]:  # all but the object stream
                    if object_.free != "f":
                        known = data.get(id(object_))
                        digest.update(object_.data if known is None else known)
            data[id(object_stream)] = stream_bytes(object_stream, packing.result())
            del stream, content
            self.write_line(indirect(object_stream, data), output)
            if digest is not None:
                digest.update(data[id(object_stream)])

            xref.append((1, self.current_position, 0))
            field2_size = ceil(log(self.current_position + 1, 256))
            xref_lengths = (1, field2_size, field3_size)
            if rows is not None and rows.result()[0] == xref_lengths:
                _, xref_stream, compressor, xref_data = rows.result()
                last = row_bytes(xref[-1:], xref_lengths)
                xref_stream += last
                xref_data += compressor.compress(last) + compressor.flush()
            else:  # the widths were not known ahead
                xref_stream = row_bytes(xref, xref_lengths)
                xref_data = deflate(xref_stream)

        xref_extra = {
            "Type": "/XRef",
            "Index": pydyf.Array((0, len(self.objects) + 1)),
            "W": pydyf.Array(xref_lengths),
            "Size": len(self.objects) + 1,
            "Root": self.catalog.reference,
        }
        if self.info:
            xref_extra["Info"] = self.info.reference
        if digest is not None:
            data_hash = digest.hexdigest().encode()
            if identifier is True:
                identifier = data_hash
            xref_extra["ID"] = pydyf.Array((pydyf.String(identifier).data,
                                            pydyf.String(data_hash).data))
        dict_stream = Stream([xref_stream], xref_extra, compress)
        self.xref_position = dict_stream.offset = self.current_position
        self.add_object(dict_stream)
        data[id(dict_stream)] = stream_bytes(dict_stream, xref_data)
        self.write_line(indirect(dict_stream, data), output)
        self.write_line(b"startxref", output)
        self.write_line(f"{self.xref_position}".encode(), output)
        self.write_line(b"%%EOF", output)
        return None

    def indirect(object_: Any, data: dict[int, bytes]) -> bytes:
        if id(object_) not in data or getattr(type(object_), "indirect", None) \
                is not object_indirect:
            return object_.indirect  # type: ignore[no-any-return]
        header = f"{object_.number} {object_.generation} obj\n".encode()
        return header + data[id(object_)] + b"\nendobj"

    write.anthology_fast = True  # type: ignore[attr-defined]
    write.anthology_original = original  # type: ignore[attr-defined]
    return write


# WeasyPrint 70 makes a new Pango context and a new font description for each text layout it
# sets up (140,000 in a 563-page book, each line laid out and then drawn again). The contexts
# differ only by direction and language and the descriptions only by the font properties they
# are made of, and Pango copies a description into each layout and reads a context's settings
# only: so each layout gets the shared context and description of its font configuration,
# direction, language and font, made once. The rest of `Layout.setup` is WeasyPrint's own.
WEASYPRINT_SETUP_VERSION = "70.0"
WEASYPRINT_SETUP_SOURCE = "10e3439e0fc4425ccb6899ed875666ee15a85a511cc7a472255aa561c1a7e5e6"


def _weasyprint_setup_sources(line_break: Any) -> tuple[Any, ...]:
    """What the fast `Layout.setup` copies the behaviour of (digest: WEASYPRINT_SETUP_SOURCE)."""
    from weasyprint.text import fonts

    return line_break.Layout.setup, fonts.get_font_description


def _install_layout_setup() -> None:
    import weasyprint
    from weasyprint.text import line_break

    if getattr(line_break.Layout.setup, "anthology_fast", False):
        return
    if (weasyprint.__version__ != WEASYPRINT_SETUP_VERSION
            or source_digest(*_weasyprint_setup_sources(line_break)) != WEASYPRINT_SETUP_SOURCE):
        return
    line_break.Layout.setup = fast_setup(line_break, line_break.Layout.setup)


def fast_setup(line_break: Any, original: Any) -> Any:
    """WeasyPrint's `Layout.setup`, with shared Pango contexts and font descriptions."""
    from weasyprint.text import constants

    ffi, pango, gobject = line_break.ffi, line_break.pango, line_break.gobject
    unicode_to_char_p, font_features = line_break.unicode_to_char_p, line_break.font_features
    FROM_UNITS, TO_UNITS = line_break.FROM_UNITS, line_break.TO_UNITS
    directions, languages = constants.PANGO_DIRECTION, constants.LST_TO_ISO
    styles, stretches = constants.PANGO_STYLE, constants.PANGO_STRETCH
    variants = constants.PANGO_VARIANT

    def shared(font_config: Any) -> dict[Any, Any]:
        cache: dict[Any, Any] | None = font_config.__dict__.get("_anthology_shared")
        if cache is None:
            cache = font_config._anthology_shared = {}
        return cache

    def font_description(style: Any, cache: dict[Any, Any]) -> Any:
        # The style's values are read in WeasyPrint's order (reading computes them).
        family = ",".join(style["font_family"])
        key: tuple[Any, ...] = (
            "font", family, styles[style["font_style"]], stretches[style["font_stretch"]],
            style["font_weight"], int(style["font_size"] * TO_UNITS),
            variants[style["font_variant_caps"]])
        variations = style["font_variation_settings"]
        if variations != "normal":
            variations = ",".join(f"{key}={value}" for key, value in variations).encode()
        key += (variations,)
        description = cache.get(key)
        if description is None:
            description = ffi.gc(pango.pango_font_description_new(),
                                 pango.pango_font_description_free)
            family_p, _ = unicode_to_char_p(family)
            pango.pango_font_description_set_family(description, family_p)
            pango.pango_font_description_set_style(description, key[2])
            pango.pango_font_description_set_stretch(description, key[3])
            pango.pango_font_description_set_weight(description, key[4])
            pango.pango_font_description_set_absolute_size(description, key[5])
            pango.pango_font_description_set_variant(description, key[6])
            if variations != "normal":
                pango.pango_font_description_set_variations(description, variations)
            cache[key] = description
        return description

    def setup(self: Any, style: Any) -> None:
        self.style = style
        self.first_line_direction = 0

        font_map = style.font_config.font_map
        cache = shared(style.font_config)
        direction = style["direction"]

        if style["font_language_override"] != "normal":
            lang_p, lang = unicode_to_char_p(languages.get(
                style["font_language_override"].lower(),
                style["font_language_override"]))
        elif style["lang"]:
            lang_p, lang = unicode_to_char_p(style["lang"])
        else:
            lang = None
            self.language = pango.pango_language_get_default()
        if lang:
            self.language = pango.pango_language_from_string(lang_p)
        key = ("context", font_map, direction, lang or None)
        pango_context = cache.get(key)
        if pango_context is None:
            pango_context = ffi.gc(
                pango.pango_font_map_create_context(font_map),
                gobject.g_object_unref)
            pango.pango_context_set_round_glyph_positions(pango_context, False)
            pango.pango_context_set_base_dir(pango_context, directions[direction])
            if lang:
                pango.pango_context_set_language(pango_context, self.language)
            cache[key] = pango_context

        assert not isinstance(style["font_family"], str), (
            "font_family should be a list")
        description = font_description(style, cache)
        self.layout = ffi.gc(
            pango.pango_layout_new(pango_context),
            gobject.g_object_unref)
        pango.pango_layout_set_auto_dir(self.layout, False)
        pango.pango_layout_set_font_description(self.layout, description)

        text_decoration = style["text_decoration_line"]
        if text_decoration != "none":
            metrics = ffi.gc(
                pango.pango_context_get_metrics(
                    pango_context, description, self.language),
                pango.pango_font_metrics_unref)
            self.ascent = FROM_UNITS * (
                pango.pango_font_metrics_get_ascent(metrics))
            self.underline_position = FROM_UNITS * (
                pango.pango_font_metrics_get_underline_position(metrics))
            self.strikethrough_position = FROM_UNITS * (
                pango.pango_font_metrics_get_strikethrough_position(metrics))
            self.underline_thickness = FROM_UNITS * (
                pango.pango_font_metrics_get_underline_thickness(metrics))
            self.strikethrough_thickness = FROM_UNITS * (
                pango.pango_font_metrics_get_strikethrough_thickness(metrics))
        else:
            self.ascent = None
            self.underline_position = None
            self.strikethrough_position = None

        features = font_features(
            style["font_kerning"], style["font_variant_ligatures"],
            style["font_variant_position"], style["font_variant_caps"],
            style["font_variant_numeric"], style["font_variant_alternates"],
            style["font_variant_east_asian"], style["font_feature_settings"])
        if features:
            features = ",".join(
                f"{key} {value}" for key, value in features.items()).encode()
            attr = style.font_config.font_features.setdefault(
                features, pango.pango_attr_font_features_new(features))
            attr_list = pango.pango_attr_list_new()
            pango.pango_attr_list_insert(attr_list, attr)
            pango.pango_layout_set_attributes(self.layout, attr_list)

    setup.anthology_fast = True  # type: ignore[attr-defined]
    setup.anthology_original = original  # type: ignore[attr-defined]
    return setup


# WeasyPrint 70's `strut` (the line height and baseline of a style's font) keeps its results in
# a cache keyed by a string it makes of fourteen of the style's values, for each of the 100,000
# lines and inline boxes it lays out; making that string is most of the cost. A style's values
# do not change once computed (WeasyPrint changes a copy when it needs other values), so each
# style keeps its strut once asked: the same value, without the string.
WEASYPRINT_STRUT_VERSION = "70.0"
WEASYPRINT_STRUT_SOURCE = "85f1806d491a7a9b121b9ea54b72bc9f98507245478ed6b9b406cd3a335a65cd"
_STRUT_USERS = ("weasyprint.text.line_break", "weasyprint.layout.inline", "weasyprint.css.units",
                "weasyprint.css.computed_values")


def _install_strut_memo() -> None:
    import importlib

    import weasyprint
    from weasyprint.text import line_break

    original = line_break.strut
    if getattr(original, "anthology_fast", False):
        return
    if (weasyprint.__version__ != WEASYPRINT_STRUT_VERSION
            or source_digest(original, line_break._font_style_cache_key)
            != WEASYPRINT_STRUT_SOURCE):
        return
    users = [importlib.import_module(name) for name in _STRUT_USERS]
    if any(getattr(module, "strut", None) is not original for module in users):
        return  # someone else's strut in one of them: leave them all alone
    fast = strut_memo(original)
    for module in users:
        setattr(module, "strut", fast)  # noqa: B010 (a module mypy cannot see into)


def strut_memo(original: Any) -> Any:
    """WeasyPrint's `strut`, kept by each style once asked."""
    def strut(style: Any) -> Any:
        known = style.__dict__.get("_anthology_strut")
        if known is None:
            known = style.__dict__["_anthology_strut"] = original(style)
        return known

    strut.anthology_fast = True  # type: ignore[attr-defined]
    strut.anthology_original = original  # type: ignore[attr-defined]
    return strut


# WeasyPrint 70's `resolve_percentages` (the used margins, paddings and sizes of a box, 110,000
# times in a book) makes two calls for each of its thirteen properties, `resolve_one_percentage`
# and `percentage`. This one does their work in one loop: the same reads of the style, the same
# arithmetic, the same attributes set in the same order (`percentage` itself still resolves
# math functions).
WEASYPRINT_PERCENT_VERSION = "70.0"
WEASYPRINT_PERCENT_SOURCE = "ac96ed658a1c56e6ffa02db573c3f586d1e1cd9737d217b697cfb6959ccb4982"
_PERCENT_USERS = ("weasyprint.layout.percent", "weasyprint.layout.inline",
                  "weasyprint.layout.page", "weasyprint.layout.float", "weasyprint.layout.grid",
                  "weasyprint.layout.absolute", "weasyprint.layout.block",
                  "weasyprint.layout.column", "weasyprint.layout.table")


def _percent_sources(percent: Any) -> tuple[Any, ...]:
    """What the fast `resolve_percentages` copies (digest: WEASYPRINT_PERCENT_SOURCE)."""
    return (percent.resolve_percentages, percent.resolve_one_percentage, percent.percentage)


def _install_resolve_percentages() -> None:
    import importlib

    import weasyprint
    from weasyprint.layout import percent

    original = percent.resolve_percentages
    if getattr(original, "anthology_fast", False):
        return
    if (weasyprint.__version__ != WEASYPRINT_PERCENT_VERSION
            or source_digest(*_percent_sources(percent)) != WEASYPRINT_PERCENT_SOURCE):
        return
    users = [importlib.import_module(name) for name in _PERCENT_USERS]
    if any(getattr(module, "resolve_percentages", None) is not original for module in users):
        return  # someone else's in one of them: leave them all alone
    fast = fast_resolve_percentages(percent, original)
    for module in users:
        setattr(module, "resolve_percentages", fast)  # noqa: B010 (mypy cannot see into it)


def fast_resolve_percentages(percent: Any, original: Any) -> Any:
    """WeasyPrint's `resolve_percentages`, its per-property calls inlined."""
    Box, PageBox = percent.boxes.Box, percent.boxes.PageBox
    percentage, check_math = percent.percentage, percent.check_math
    adjust_box_sizing, inf = percent.adjust_box_sizing, percent.inf

    def resolve(box: Any, style: Any, names: tuple[str, ...], refer_to: Any) -> None:
        # resolve_one_percentage and percentage, for each of `names`.
        for name in names:
            value = style[name]
            if value is None or value == "auto":
                used = value
            else:
                unit = getattr(value, "unit", None)
                if unit is None:
                    used = percentage(value, style, refer_to)
                elif unit == "%":
                    used = refer_to * value.value / 100
                else:
                    used = value.value
            setattr(box, name, used)
            if used == "auto" and name in ("min_width", "min_height"):
                setattr(box, name, 0)

    def resolve_percentages(box: Any, containing_block: Any) -> None:
        """Set used values as attributes of the box object."""
        if isinstance(containing_block, Box):
            # cb is short for containing block
            cb_width = containing_block.width
            cb_height = containing_block.height
        else:
            cb_width, cb_height = containing_block
        maybe_height = cb_height if isinstance(box, PageBox) else cb_width
        style = box.style
        resolve(box, style, ("margin_left", "margin_right"), cb_width)
        resolve(box, style, ("margin_top", "margin_bottom"), maybe_height)
        resolve(box, style, ("padding_left", "padding_right"), cb_width)
        resolve(box, style, ("padding_top", "padding_bottom"), maybe_height)
        resolve(box, style, ("width", "min_width", "max_width"), cb_width)

        if cb_height == "auto":
            # Special handling when the height of the containing block
            # depends on its content.
            height = style["height"]
            if height == "auto" or check_math(height) or height.unit == "%":
                box.height = "auto"
            else:
                assert height.unit.lower() == "px"
                box.height = height.value
            resolve(box, style, ("min_height",), 0)
            resolve(box, style, ("max_height",), inf)
        else:
            resolve(box, style, ("height", "min_height", "max_height"), cb_height)

        collapse = style["border_collapse"] == "collapse"
        # Used value == computed value
        for prop in ("border_top_width", "border_right_width", "border_bottom_width",
                     "border_left_width"):
            # border-{side}-width would have been resolved
            # during border conflict resolution for collapsed-borders
            if not (collapse and hasattr(box, prop)):
                setattr(box, prop, style[prop])

        # Shrink *content* widths and heights according to box-sizing
        adjust_box_sizing(box, "width")
        adjust_box_sizing(box, "height")

    resolve_percentages.anthology_fast = True  # type: ignore[attr-defined]
    resolve_percentages.anthology_original = original  # type: ignore[attr-defined]
    return resolve_percentages


# WeasyPrint 70's `Box.is_in_normal_flow` (asked 480,000 times in a book) calls five methods that
# each read one style value. This one reads the same values in the same order, without the
# calls; it is installed only while no box class has its own version of any of the six.
WEASYPRINT_FLOW_VERSION = "70.0"
WEASYPRINT_FLOW_SOURCE = "be44cfff8dbc90fc67ce46e1e34104076d1c5728242ece26858bc6a674a720cd"
_FLOW_METHODS = ("is_in_normal_flow", "is_floated", "is_absolutely_positioned", "is_running",
                 "is_footnote", "is_note")


def _flow_sources(box: Any) -> tuple[Any, ...]:
    """What the fast `is_in_normal_flow` copies (digest: WEASYPRINT_FLOW_SOURCE)."""
    return tuple(getattr(box, name) for name in _FLOW_METHODS)


def _install_normal_flow() -> None:
    import weasyprint
    from weasyprint.formatting_structure import boxes

    original = boxes.Box.is_in_normal_flow
    if getattr(original, "anthology_fast", False):
        return
    if (weasyprint.__version__ != WEASYPRINT_FLOW_VERSION
            or source_digest(*_flow_sources(boxes.Box)) != WEASYPRINT_FLOW_SOURCE):
        return
    subclasses, seen = list(boxes.Box.__subclasses__()), set()
    while subclasses:
        subclass = subclasses.pop()
        if subclass in seen:
            continue
        seen.add(subclass)
        if any(name in subclass.__dict__ for name in _FLOW_METHODS):
            return  # a box with its own: leave them alone
        subclasses.extend(subclass.__subclasses__())
    boxes.Box.is_in_normal_flow = normal_flow(original)


def normal_flow(original: Any) -> Any:
    """WeasyPrint's `Box.is_in_normal_flow`, its five calls inlined."""
    floats = ("left", "right", "inline-start", "inline-end")
    positioned = ("absolute", "fixed")

    def is_in_normal_flow(self: Any) -> bool:
        """Return whether this box is in normal flow."""
        style = self.style
        return not (
            style["float"] in floats or style["position"] in positioned
            or style["position"][0] == "running()" or style["float"] == "footnote"
            or style["position"][0] == "note()")

    is_in_normal_flow.anthology_fast = True  # type: ignore[attr-defined]
    is_in_normal_flow.anthology_original = original  # type: ignore[attr-defined]
    return is_in_normal_flow


# WeasyPrint 70 computes a box's style lazily: `ComputedStyle.__missing__` runs once for every
# property a box is asked for (1.4 million times in a whole-book render), and walks all of its
# cases each time. Two cases are most of them: a property the box's rules do not set that is
# not inherited (its initial value, stored as is when it needs no computing) and one that is
# inherited (its parent's computed value). The fast `__missing__` answers those two directly,
# for the properties where WeasyPrint's own code does nothing else (no physical or logical
# twin, no special case, no math), and hands every other case to WeasyPrint's. A third case is
# nine in ten of what was left (29,000 of 33,000 calls for a chapter): a physical property
# (margins, paddings, borders, sizes) whose rules set neither it nor its logical twin; it is
# answered as WeasyPrint's code answers it, from its initial value.
WEASYPRINT_MISSING_VERSION = "70.0"
WEASYPRINT_MISSING_SOURCE = "b318d8efc8ac79d716f05cb81cc3abd65a32bd79601e363b218a32559bb3a5fb"
_SPECIAL_PROPERTIES = ("float", "display", "position", "page")


def _install_draw_first_line() -> None:
    """WeasyPrint's `draw_first_line` with a faster glyph loop (render/fasttext.py), if it is
    the version that was written against and cffi lays the glyphs out as expected."""
    import weasyprint
    from weasyprint.draw import text
    from weasyprint.text.ffi import ffi

    from anthology.engines.weasyprint.patches import fasttext

    original = text.draw_first_line
    if getattr(original, "anthology_fast", False):
        return
    if (weasyprint.__version__ != fasttext.WEASYPRINT_DRAW_VERSION
            or source_digest(original) != fasttext.WEASYPRINT_DRAW_SOURCE
            or not fasttext.layout_matches(ffi)):
        return
    # draw_text calls it by this module's name; SVG text imports it from there when it runs.
    setattr(text, "draw_first_line", fasttext.fast_draw_first_line(original))  # noqa: B010


def _install_computed_missing() -> None:
    import weasyprint
    from weasyprint import css

    original = css.ComputedStyle.__missing__
    if getattr(original, "anthology_fast", False):
        return
    if (weasyprint.__version__ != WEASYPRINT_MISSING_VERSION
            or source_digest(original) != WEASYPRINT_MISSING_SOURCE):
        return
    css.ComputedStyle.__missing__ = computed_missing(original)


def computed_missing(original: Any) -> Any:
    """WeasyPrint's `ComputedStyle.__missing__`, its two commonest cases answered first."""
    names = original.__globals__  # what WeasyPrint's function reads
    initial_values, inherited = names["INITIAL_VALUES"], names["INHERITED"]
    check_math = names["check_math"]

    def plain(key: str) -> bool:
        return not (key in names["PHYSICAL_FUNCTIONS"] or key in _SPECIAL_PROPERTIES
                    or key[:16] == "text_decoration_" or key[:2] == "__")

    initial = frozenset(key for key, value in initial_values.items() if plain(key)
                        and key not in inherited and key not in names["INITIAL_NOT_COMPUTED"]
                        and not check_math(value))
    inherit = frozenset(key for key in inherited if plain(key))
    # A physical property (margin_top, width, border_left_style...) that neither it nor its
    # logical twin for the box's direction is set by the box's rules: its initial value,
    # stored as is or computed by its computer function when WeasyPrint computes it.
    physical_functions, computers = names["PHYSICAL_FUNCTIONS"], names["COMPUTER_FUNCTIONS"]
    physical = frozenset(
        key for key in physical_functions if key in initial_values and key not in inherited
        and key not in _SPECIAL_PROPERTIES and key[:16] != "text_decoration_"
        and key[:2] != "__" and not check_math(initial_values[key]))
    computed_physical = frozenset(key for key in physical
                                  if key in names["INITIAL_NOT_COMPUTED"])
    twins: dict[tuple[str, Any], str] = {}  # (physical key, direction): its logical twin

    def __missing__(self: Any, key: str) -> Any:
        cascaded = self.cascaded
        if key not in cascaded:
            if key in initial:
                value = self[key] = initial_values[key]
                return value
            parent_style = self.parent_style
            if key in inherit and parent_style is not None:
                value = parent_style[key]
                if not check_math(value):
                    self[key] = value
                    return value
            elif key in physical:
                direction = self["direction"]
                twin = twins.get((key, direction))
                if twin is None:
                    twin = twins[key, direction] = physical_functions[key](
                        block="ttb", inline=direction)
                if twin not in cascaded:
                    value = initial_values[key]
                    if key in computed_physical and key in computers:
                        value = computers[key](self, key, value)
                    self[key] = value
                    return value
        return original(self, key)

    __missing__.anthology_fast = True  # type: ignore[attr-defined]
    __missing__.anthology_original = original  # type: ignore[attr-defined]
    return __missing__
