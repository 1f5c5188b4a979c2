"""Hyphenation as a typesetter sets it, taught to WeasyPrint 70's line breaker (installed in
the WeasyPrint process by render.py, for whole-book and piecewise layouts alike).

CSS gives WeasyPrint `hyphens` and `hyphenate-limit-chars` but none of the rest of a press's
rules, so three things change here, each a behaviour change (not a speed-up: the pages differ):

- `iter_line_boxes` (WeasyPrint's, copied, changed where marked): a paragraph's line is set
  without hyphenation after LIMIT_LINES consecutive lines ending in a hyphen (CSS
  `hyphenate-limit-lines`, which WeasyPrint lacks), and a hyphenated line that would be the
  last on its page is set again without hyphenation, so no word is broken across a page turn.
  Knowing that takes laying the next line out first; it is kept and used, so this costs a
  second layout of one line only where a hyphen meets the foot of a page.
- the pyphen WeasyPrint's `split_first_line` asks: no break in a capitalised word (names,
  and a sentence's first word), and break points from EXCEPTIONS where pyphen's British
  patterns choose badly ("atten-ded").
- `split_first_line` (wrapped): a line that would end by hyphenating a word of a hyphenated
  compound ("co-pro-duction") is set again without hyphenation; the compound still breaks
  at its own hyphen.

Each checks that WeasyPrint's code is the version it was written against, or does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from anthology.engines.weasyprint.upstream import written_against

LIMIT_LINES = 2
WEASYPRINT_VERSION = "70.0"
WEASYPRINT_LINES_SOURCE = "04aec48abfcad809bc94c54eeba0e23a389e824cec85fe67bc1b21412d29dc3a"
WEASYPRINT_SPLIT_SOURCE = "39ad1016863ca34de0bea4c9fcffb46da7e27813c87dd82b7011bfa19fe5504f"

# Where pyphen's en-GB patterns break badly: the break points a British editor would accept,
# marked with "-", none where no break leaves three letters a side (pyphen's own: atten-ded,
# communic-ates, alternat-ives, cop-ro-duc-tion, adop-ted).
EXCEPTIONS = {word.replace("-", ""): word for word in (
    "at-tended", "at-tend-ing", "com-mu-ni-cates", "com-mu-ni-cate", "com-mu-ni-cated",
    "com-mu-ni-ca-tion", "com-mu-ni-ca-tions", "al-ter-na-tive", "al-ter-na-tives",
    "co-pro-duc-tion", "co-pro-duced", "co-pro-duce", "co-pro-duc-ing", "par-tic-i-pa-tion",
    "par-tic-i-pants", "par-tic-i-pant", "par-tic-i-pa-tory", "know-ledge", "ex-pe-ri-ence",
    "ex-pe-ri-ences", "or-gan-isa-tion", "or-gan-isa-tions", "rec-og-nis-ing",
    "in-sti-tu-tion", "in-sti-tu-tions", "in-sti-tu-tional", "pro-fes-sional",
    "pro-fes-sionals", "pro-pos-al", "pro-pos-als", "ac-cept-ing", "vari-able", "vari-ables",
    "adopted", "adop-tion",
)}

# A compound's joiners: hyphen, non-breaking hyphen, en dash ("multi-window\u2013controlled").
_JOINERS = "\u2011\u2013-"  # the hyphen last: a literal in a character class
_COMPOUND_END = re.compile(rf"[\w{_JOINERS}]*$")
_COMPOUND_START = re.compile(rf"^[\w{_JOINERS}]*")


class _State:
    """Whether the line being laid out may be hyphenated (one layout per process at a time)."""

    off = False


def _positions(word: str, left: int, right: int) -> list[int] | None:
    """The break points EXCEPTIONS gives `word` within the limits, None if it has none."""
    marked = EXCEPTIONS.get(word.lower())
    if marked is None:
        return None
    positions, at = [], 0
    for piece in marked.split("-")[:-1]:
        at += len(piece)
        positions.append(at)
    return [p for p in positions if p >= left and len(word) - p >= right]


class HousePyphen:
    """pyphen.Pyphen as WeasyPrint uses it (`iterate`), with the house's refusals."""

    def __init__(self, lang: str, left: int, right: int) -> None:
        import pyphen  # type: ignore[import-untyped]

        self.left, self.right = left, right
        self.pyphen = pyphen.Pyphen(lang=lang, left=left, right=right)

    def iterate(self, word: str) -> Iterator[tuple[str, str]]:
        """The ways to break `word`, longest first part first (as pyphen gives them)."""
        if _State.off or word[:1].isupper():
            return iter(())
        positions = _positions(word, self.left, self.right)
        if positions is None:
            result: Iterator[tuple[str, str]] = self.pyphen.iterate(word)
            return result
        return iter([(word[:p], word[p:]) for p in reversed(positions)])


def _ends_with_hyphen(line: Any) -> tuple[bool, bool]:
    """Whether a laid-out line ends with a hyphen, and whether hyphenation put it there."""
    last = None
    for box in line.descendants():
        if getattr(box, "text", "").strip(" "):  # not a space between inline boxes
            last = box
    if last is None:
        return False, False
    text = last.text.rstrip(" ")
    automatic = text.endswith(last.style["hyphenate_character"])
    return automatic or text.endswith("-"), automatic


def house_split_first_line(original: Any) -> Any:
    """WeasyPrint's `split_first_line`, refusing to hyphenate a word of a hyphenated compound,
    and not breaking early a text that fits but for its trailing space."""

    def split_first_line(text: str, style: Any, context: Any, max_width: Any,
                         justification_spacing: Any, is_line_start: bool = True,
                         minimum: bool = False) -> Any:
        result = original(text, style, context, max_width, justification_spacing,
                          is_line_start, minimum)
        if (result[2] is not None and max_width is not None and text.endswith(" ")
                and style["white_space"] in ("normal", "nowrap", "pre-line")
                and original(text.rstrip(" "), style, context, max_width,
                             justification_spacing, is_line_start, minimum)[2] is None):
            # Text that fits but for its trailing space (which Pango lets hang, but WeasyPrint
            # measures) was broken at its first break point: a loose line before an inline
            # box. Laid out with room for the space, it fits, as the space collapses.
            result = original(text, style, context, max_width + style["font_size"],
                              justification_spacing, is_line_start, minimum)
        hyphen = style["hyphenate_character"]
        laid = result[0].text
        if _State.off or not laid.endswith(hyphen) or style["hyphens"] != "auto":
            return result
        first = laid[: -len(hyphen)]
        if not text.startswith(first):
            return result
        before = _COMPOUND_END.search(first)
        after = _COMPOUND_START.match(text[len(first):])
        word = (before[0] if before else "") + (after[0] if after else "")
        if not any(joiner in word for joiner in _JOINERS):
            return result
        _State.off = True
        try:
            return original(text, style, context, max_width, justification_spacing,
                            is_line_start, minimum)
        finally:
            _State.off = False

    split_first_line.anthology_house = True  # type: ignore[attr-defined]
    split_first_line.anthology_original = original  # type: ignore[attr-defined]
    return split_first_line


def house_iter_line_boxes(inline: Any, block: Any) -> Any:
    """WeasyPrint's `iter_line_boxes` (weasyprint/layout/inline.py), with the limit on
    consecutive hyphens and no hyphen on a page's last line."""
    resolve_percentages, resolve_one_percentage = (inline.resolve_percentages,
                                                   inline.resolve_one_percentage)
    get_next_linebox, handle_leader = inline.get_next_linebox, inline.handle_leader
    remove_placeholders = block.remove_placeholders

    def iter_line_boxes(context: Any, box: Any, position_y: Any, bottom_space: Any,
                        skip_stack: Any, containing_block: Any, absolute_boxes: Any,
                        fixed_boxes: Any, first_letter_style: Any,
                        first_line_style: Any) -> Iterator[tuple[Any, Any]]:
        """Return an iterator of ``(line, resume_at)``."""
        resolve_percentages(box, containing_block)
        if skip_stack is None:
            resolve_one_percentage(box, 'text_indent', containing_block.width)
        else:
            box.text_indent = 0

        # anthology: lay a line out, hyphenation allowed or not.
        def lay(off: bool, skip: Any, y: Any, letter: Any, first: Any) -> tuple[Any, Any]:
            was, _State.off = _State.off, off
            try:
                laid: tuple[Any, Any] = get_next_linebox(
                    context, box, y, bottom_space, skip, containing_block, absolute_boxes,
                    fixed_boxes, letter, first)
                return laid
            finally:
                _State.off = was

        # anthology: lay out the lines after `line` until `widows` of them (or the end of
        # the paragraph, or one that overflows the page) are laid out.
        def look_ahead(line: Any, resume_at: Any, run: int,
                       ahead: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
            last, skip = line, resume_at
            for laid, resume in ahead:
                run = run + 1 if _ends_with_hyphen(laid)[0] else 0
                last, skip = laid, resume
            while (skip is not None and len(ahead) < box.style["widows"]
                   and not context.overflows_page(bottom_space, last.position_y + last.height)):
                laid, resume = lay(run >= LIMIT_LINES, skip, last.position_y + last.height,
                                   None, None)
                if laid is None:
                    break
                ahead.append((laid, resume))
                run = run + 1 if _ends_with_hyphen(laid)[0] else 0
                last, skip = laid, resume
            return ahead

        # anthology: whether the page breaks right after the line the look-ahead follows:
        # the first line below the page's foot is the next one, or WeasyPrint will move the
        # break back to it to leave `widows` lines overleaf.
        def breaks_after(ahead: list[tuple[Any, Any]]) -> bool:
            below = next((i for i, (laid, _) in enumerate(ahead, 1) if context.overflows_page(
                bottom_space, laid.position_y + laid.height)), None)
            if below is None:
                return False
            if below == 1:
                return True
            if ahead[-1][1] is not None:  # the paragraph goes on past the look-ahead
                return False
            overleaf = len(ahead) - below + 1
            return bool(below - max(0, box.style["widows"] - overleaf) <= 1)

        run = 0  # anthology: consecutive lines ending in a hyphen
        ahead: list[tuple[Any, Any]] = []  # anthology: the next lines, laid out already
        while True:
            # anthology: the line comes from the look-ahead, or is laid out with hyphenation
            # only if fewer than LIMIT_LINES lines before it end in a hyphen.
            if ahead:
                line, resume_at = ahead.pop(0)
            else:
                line, resume_at = lay(run >= LIMIT_LINES, skip_stack, position_y,
                                      first_letter_style, first_line_style)
            hyphen, automatic = _ends_with_hyphen(line) if line else (False, False)
            if automatic and resume_at is not None and not context.overflows_page(
                    bottom_space, line.position_y + line.height):
                # anthology: a hyphenated line that would be the last on its page is set
                # again without hyphenation.
                indent = box.text_indent
                box.text_indent = 0
                ahead = look_ahead(line, resume_at, run + 1, ahead)
                if breaks_after(ahead):
                    remove_placeholders(context, [line, *(laid for laid, _ in ahead)],
                                        absolute_boxes, fixed_boxes)
                    ahead = []
                    box.text_indent = indent
                    line, resume_at = lay(True, skip_stack, position_y, first_letter_style,
                                          first_line_style)
                    hyphen, automatic = _ends_with_hyphen(line) if line else (False, False)
            run = run + 1 if hyphen else 0
            first_line_style = None
            if line:
                handle_leader(context, line, containing_block)
                position_y = line.position_y + line.height
            if line is None:
                return
            try:
                yield line, resume_at
            except GeneratorExit:
                # anthology: lines laid out ahead that the layout never asks for leave nothing
                # behind (absolute boxes, floats, running elements), as if never laid out.
                remove_placeholders(context, [laid for laid, _ in ahead], absolute_boxes,
                                    fixed_boxes)
                raise
            if resume_at is None:
                return
            skip_stack = resume_at
            box.text_indent = 0
            first_letter_style = None

    iter_line_boxes.anthology_house = True  # type: ignore[attr-defined]
    return iter_line_boxes


def install() -> bool:
    """Install the house line breaking if WeasyPrint is the version it was written for
    (idempotent); whether it is installed."""
    import pyphen
    import weasyprint
    from weasyprint.layout import block, inline
    from weasyprint.text import line_break

    if getattr(block.iter_line_boxes, "anthology_house", False):
        return True
    version = weasyprint.__version__
    if not (written_against(version, WEASYPRINT_VERSION, WEASYPRINT_LINES_SOURCE,
                            inline.iter_line_boxes)
            and written_against(version, WEASYPRINT_VERSION, WEASYPRINT_SPLIT_SOURCE,
                                line_break.split_first_line)):
        return False
    line_break.pyphen = SimpleNamespace(language_fallback=pyphen.language_fallback,
                                        Pyphen=HousePyphen)
    # split_text_box calls split_first_line by inline's name; block calls iter_line_boxes
    # by its own.
    inline.split_first_line = house_split_first_line(line_break.split_first_line)
    lines = house_iter_line_boxes(inline, block)
    lines.anthology_original = inline.iter_line_boxes
    inline.iter_line_boxes = block.iter_line_boxes = lines
    return True
