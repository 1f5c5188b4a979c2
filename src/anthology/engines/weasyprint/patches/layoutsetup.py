"""WeasyPrint's `Layout.setup`, with shared Pango contexts and font descriptions.

Replaces `weasyprint.text.line_break.Layout.setup` (and `fonts.get_font_description`, whose work
it does), of WeasyPrint 70.0 (the SHA-256 of their source: `SOURCE`). Installed only where the
WeasyPrint found is that version with that source; elsewhere WeasyPrint's own code runs.

WeasyPrint 70 makes a new Pango context and a new font description for each text layout it
sets up (140,000 in a 563-page book, each line laid out and then drawn again). The contexts
differ only by direction and language and the descriptions only by the font properties they
are made of, and Pango copies a description into each layout and reads a context's settings
only: so each layout gets the shared context and description of its font configuration,
direction, language and font, made once. The rest of `Layout.setup` is WeasyPrint's own.

GAIN: to be measured
"""

from __future__ import annotations

from typing import Any

from anthology.engines.weasyprint.upstream import written_against

VERSION = "70.0"
SOURCE = "10e3439e0fc4425ccb6899ed875666ee15a85a511cc7a472255aa561c1a7e5e6"


def sources(line_break: Any) -> tuple[Any, ...]:
    """What the fast `Layout.setup` copies the behaviour of (digest: SOURCE)."""
    from weasyprint.text import fonts

    return line_break.Layout.setup, fonts.get_font_description


def install() -> bool:
    """Install the fast `Layout.setup` if WeasyPrint is the one it was written for
    (idempotent); whether it is installed."""
    import weasyprint
    from weasyprint.text import line_break

    if getattr(line_break.Layout.setup, "anthology_fast", False):
        return True
    if not written_against(weasyprint.__version__, VERSION, SOURCE, *sources(line_break)):
        return False
    line_break.Layout.setup = fast_setup(line_break, line_break.Layout.setup)
    return True


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
