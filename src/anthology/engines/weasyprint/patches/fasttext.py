"""WeasyPrint's `draw_first_line`, its glyph loop faster.

Replaces `weasyprint.draw.text.draw_first_line` of WeasyPrint 70.0 (the SHA-256 of its source:
`SOURCE`). Installed only where the WeasyPrint found is that version with that source, and cffi
lays Pango's glyph structures out as this reads them; elsewhere WeasyPrint's own code runs.

Drawing a page's text is about a quarter of a whole-book render, and most of it is the loop
over each line's glyphs: for every glyph, cffi builds a struct object and two more for its
geometry, and the font is asked three times whether it draws emoji. Here each run's glyphs are
read in one go (`struct.iter_unpack` over the glyph array), the per-run questions are asked
once a run, and everything else is WeasyPrint's code, in its order, with its arithmetic: the
same operators, the same bytes. The code is WeasyPrint's (BSD licence), changed only there.

Gain, measured on 2026-12-07 at commit 1671940 with benchmarks/patches.py (the benchmark book at
4 chapters of 7,500 words, 2 cores shared with other work; CPU seconds, user + system, of the
build and all its processes; each build against the all-on builds of the same time; median of 2
runs cold, 2 release): turning it off costs the cold build +0.96 CPU-s (+5.2%) and the release
+0.58 CPU-s (+5.5%).
"""

from __future__ import annotations

import struct
from io import BytesIO
from typing import Any
from xml.etree import ElementTree

from anthology.engines.weasyprint.upstream import written_against

VERSION = "70.0"
SOURCE = "1bb8eae6d88e71b17096a034656f3be17da8f1f513c78536c1c38d971927638b"
# PangoGlyphInfo as WeasyPrint declares it to cffi: glyph (guint32), geometry (width,
# x_offset, y_offset: gint32), attr (a guint of bit fields).
GLYPH_INFO = struct.Struct("=Iiii4x")


def install() -> bool:
    """Install the fast `draw_first_line` if WeasyPrint is the one it was written for and
    cffi lays the glyphs out as expected (idempotent); whether it is installed."""
    import weasyprint
    from weasyprint.draw import text
    from weasyprint.text.ffi import ffi

    original = text.draw_first_line
    if getattr(original, "anthology_fast", False):
        return True
    if not (written_against(weasyprint.__version__, VERSION, SOURCE, original)
            and layout_matches(ffi)):
        return False
    # draw_text calls it by this module's name; SVG text imports it from there when it runs.
    setattr(text, "draw_first_line", fast_draw_first_line(original))  # noqa: B010
    return True


def layout_matches(ffi: Any) -> bool:
    """Whether cffi lays PangoGlyphInfo out as GLYPH_INFO reads it."""
    from cffi import CDefError

    try:
        offsets = (ffi.sizeof("PangoGlyphInfo"), ffi.offsetof("PangoGlyphInfo", "glyph"),
                   ffi.offsetof("PangoGlyphInfo", "geometry"),
                   *(ffi.offsetof("PangoGlyphGeometry", name)
                     for name in ("width", "x_offset", "y_offset")))
    except (CDefError, ffi.error, KeyError, TypeError):  # a type or field cffi lacks
        return False
    return offsets == (GLYPH_INFO.size, 0, 4, 0, 4, 8)


def fast_draw_first_line(original: Any) -> Any:
    """WeasyPrint's `draw_first_line` (weasyprint/draw/text.py), its glyph loop faster."""
    from PIL import Image
    from weasyprint.images import RasterImage, SVGImage
    from weasyprint.logger import LOGGER
    from weasyprint.text.ffi import FROM_UNITS, TO_UNITS, ffi, pango
    from weasyprint.text.fonts import get_hb_object_data
    from weasyprint.text.line_break import get_last_word_end

    glyph_empty = pango.PANGO_GLYPH_EMPTY
    glyph_unknown = pango.PANGO_GLYPH_UNKNOWN_FLAG
    unpack = GLYPH_INFO.iter_unpack
    info_size = GLYPH_INFO.size

    def draw_first_line(stream: Any, textbox: Any, text_overflow: Any, block_ellipsis: Any,
                        matrix: Any) -> list[Any]:
        """Draw the given ``textbox`` line to the document ``stream``."""
        # Don’t draw lines with only invisible characters.
        if not textbox.text.strip():
            return []

        if textbox.style['font_size'] < 1e-6:  # default float precision used by pydyf
            return []

        pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)

        if text_overflow == 'ellipsis' or block_ellipsis != 'none':
            assert textbox.pango_layout.max_width is not None
            max_width = textbox.pango_layout.max_width
            pango.pango_layout_set_width(
                textbox.pango_layout.layout, int(max_width * TO_UNITS))
            if text_overflow == 'ellipsis':
                pango.pango_layout_set_ellipsize(
                    textbox.pango_layout.layout, pango.PANGO_ELLIPSIZE_END)
            else:
                if block_ellipsis == 'auto':
                    ellipsis = '…'
                else:
                    assert block_ellipsis[0] == 'string'
                    ellipsis = block_ellipsis[1]

                # Remove last word if hyphenated.
                new_text = textbox.pango_layout.text
                if new_text.endswith(textbox.style['hyphenate_character']):
                    last_word_end = get_last_word_end(
                        new_text[:-len(textbox.style['hyphenate_character'])],
                        textbox.style['lang'])
                    if last_word_end:
                        new_text = new_text[:last_word_end]

                textbox.pango_layout.set_text(new_text + ellipsis)

        first_line, index = textbox.pango_layout.get_first_line()

        if block_ellipsis != 'none':
            while index:
                last_word_end = get_last_word_end(
                    textbox.pango_layout.text[:-len(ellipsis)],
                    textbox.style['lang'])
                if last_word_end is None:
                    break
                new_text = textbox.pango_layout.text[:last_word_end]
                textbox.pango_layout.set_text(new_text + ellipsis)
                first_line, index = textbox.pango_layout.get_first_line()

        stream.set_text_matrix(*matrix.values)
        previous_pango_font = None
        string = ''
        x_advance = 0
        emojis: list[Any] = []
        run = first_line.runs[0]
        while run != ffi.NULL:
            # Get Pango objects.
            glyph_item = run.data
            run = run.next
            glyph_string = glyph_item.glyphs
            num_glyphs = glyph_string.num_glyphs
            clusters = None  # read when a glyph is first met
            utf8_text = None

            item = glyph_item.item
            pango_font = item.analysis.font
            if pango_font != previous_pango_font:
                # Add font file content and get font size.
                previous_pango_font = pango_font
                font, font_size = stream.add_font(pango_font)

                # Workaround for https://gitlab.gnome.org/GNOME/pango/-/issues/530.
                # This is also needed by raster emoji fonts, see #2800.
                if pango.pango_version() < 14802 or font.png:
                    font_size = textbox.style['font_size']

                # Go through the run glyphs.
                if string:
                    stream.show_text(string)
                string = ''
                stream.set_font_size(font.hash, 1 if font.bitmap else font_size)
                # Asked once a font (WeasyPrint asks for every glyph).
                bitmap, widths, to_unicode = font.bitmap, font.widths, font.to_unicode
                svg, png, colr = font.svg, font.png, font.colr
                emoji = bool(svg or png or colr)
                # What a plain glyph (no offsets) adds, by (glyph, width), for this font at
                # this size: its operators and its advance. Kept on the font, which belongs
                # to one document and whose ToUnicode map and widths only grow.
                known = font.__dict__.setdefault("anthology_glyphs", {}).setdefault(
                    font_size, {})
            string += '<'
            glyphs = unpack(ffi.buffer(glyph_string.glyphs, num_glyphs * info_size))
            for i, (glyph_id, width, x_offset, y_offset) in enumerate(glyphs):
                if not (x_offset or y_offset):
                    seen = known.get((glyph_id, width))
                    if seen is not None:
                        string += seen[0]
                        x_advance += seen[1]
                        continue
                    plain = not (emoji or glyph_id == glyph_empty or glyph_id & glyph_unknown
                                 or glyph_id not in to_unicode or glyph_id not in widths)
                    before = len(string)
                else:
                    plain = False
                # Display zero-width empty glyph.
                if glyph_id == glyph_empty:
                    string += f'>{-width / font_size}<'
                    continue

                # Display .notdef and log warning for missing glyphs.
                if glyph_id & glyph_unknown:
                    codepoint = glyph_id - glyph_unknown
                    LOGGER.warning(
                        '.notdef glyph rendered for Unicode string unsupported by fonts: '
                        '"%s" (U+%04X)', chr(codepoint), codepoint)
                    glyph_id = font.get_unused_glyph_id(codepoint)
                    font.widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
                    if 0 not in font.widths:
                        # "width" is actually Pango’s get_approximate_char_width. Force
                        # .notdef’s to use this width, even if it’s not the right, as we
                        # want to keep Pango’s layout for next glyphs.
                        font.widths[0] = font.widths[glyph_id]

                # Create mapping between glyphs and Unicode codepoints.
                if glyph_id not in to_unicode:
                    # Get positions of the glyph in the UTF-8 string.
                    if clusters is None:
                        clusters = glyph_string.log_clusters
                    offset = item.offset
                    t1 = clusters[i]
                    if item.analysis.level % 2:  # rtl
                        t2 = item.length if i == 0 else clusters[i-1]
                    else:
                        t2 = item.length if i == num_glyphs-1 else clusters[i+1]
                    utf8_text = utf8_text or textbox.pango_layout.text.encode()
                    to_unicode[glyph_id] = utf8_text[offset+t1:offset+t2].decode()

                # Set horizontal and vertical offsets.
                offset = x_offset / font_size
                rise = y_offset / 1000
                if rise:
                    if string[-1] == '<':
                        string = string[:-1]
                    else:
                        string += '>'
                    if string:
                        stream.show_text(string)
                    stream.set_text_rise(-rise)
                    string = ''
                    if offset:
                        string = f'{-offset}'
                    string += f'<{glyph_id:02x}>' if bitmap else f'<{glyph_id:04x}>'
                    stream.show_text(string)
                    stream.set_text_rise(0)
                    string = '<'
                else:
                    if offset:
                        string += f'>{-offset}<'
                    string += f'{glyph_id:02x}' if bitmap else f'{glyph_id:04x}'

                # Get glyph logical widths.
                if glyph_id in widths:
                    logical_width = widths[glyph_id]
                else:
                    pango.pango_font_get_glyph_extents(
                        pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
                    logical_width = widths[glyph_id] = round(
                        stream.logical_rect.width * 1000 * FROM_UNITS / font_size)

                # Set kerning, word spacing, letter spacing.
                kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
                if kerning:
                    string += f'>{int(kerning)}<'

                # Create list of emojis.
                if emoji:
                    if svg:
                        svg_data = get_hb_object_data(font.hb_face, 'svg', glyph_id)
                        if svg_data:
                            # Do as explained in specification
                            # https://learn.microsoft.com/typography/opentype/spec/svg
                            tree = ElementTree.fromstring(svg_data)
                            if tree.get('id') != f'glyph{glyph_id}':
                                defs = ElementTree.Element('defs')
                                for child in list(tree):
                                    defs.append(child)
                                    tree.remove(child)
                                tree.append(defs)
                                ElementTree.SubElement(
                                    tree, 'use', attrib={'href': f'#glyph{glyph_id}'})
                            if 'viewBox' not in tree.attrib:
                                tree.attrib['viewBox'] = f'0 0 {font.upem} {font.upem}'
                            image = SVGImage(tree, None, None, None)
                            a = d = 1
                            emojis.append([image, font, a, d, x_advance, 0])
                    elif png:
                        png_data = get_hb_object_data(font.hb_font, 'png', glyph_id)
                        if png_data:
                            pillow_image = Image.open(BytesIO(png_data))
                            image_id = f'{font.hash}{glyph_id}'
                            image = RasterImage(pillow_image, image_id, png_data)
                            d = logical_width / 1000
                            a = pillow_image.width / pillow_image.height * d
                            pango.pango_font_get_glyph_extents(
                                pango_font, glyph_id, stream.ink_rect,
                                stream.logical_rect)
                            f = -stream.logical_rect.y
                            f = f * FROM_UNITS / font_size - font_size
                            emojis.append([image, font, a, d, x_advance, f])
                    elif colr:
                        svg_data = get_hb_object_data(font.hb_font, 'colr', glyph_id)
                        if svg_data:
                            tree = ElementTree.fromstring(svg_data)
                            image = SVGImage(tree, None, None, None)
                            a = d = 1
                            e = x_advance - kerning
                            emojis.append([image, font, a, d, e, -textbox.baseline])

                advance = (logical_width + offset - kerning) / 1000
                x_advance += advance
                if plain:
                    known[glyph_id, width] = (string[before:], advance)

            # Close the last glyphs list, remove if empty.
            if string[-1] == '<':
                string = string[:-1]
            else:
                string += '>'

        # Draw text.
        stream.show_text(string)

        return emojis

    draw_first_line.anthology_fast = True  # type: ignore[attr-defined]
    draw_first_line.anthology_original = original  # type: ignore[attr-defined]
    return draw_first_line
