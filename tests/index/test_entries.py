"""The index's entries: sorting as a press sorts, page ranges, cross-references, sub-entries."""

from __future__ import annotations

import pytest

from anthology.chapters.index_entries import (
    Entry,
    Locator,
    Place,
    build_entries,
    first_letter,
    groups,
    merge_pages,
    sort_key,
)
from anthology.chapters.index_marks import Mark


def test_sorting_is_letter_by_letter_with_case_and_accents_folded_and_mc_as_written() -> None:
    terms = ["New York", "Newark", "McDonald", "Macdonald", "Mazur", "émile", "Emily",
             "Goffman, Erving", "Goffmann", "goffman", "co-production", "Cohen", "Ångström",
             "Amis"]
    assert sorted(terms, key=sort_key) == [
        "Amis", "Ångström", "Cohen", "co-production", "émile", "Emily", "goffman",
        "Goffman, Erving", "Goffmann", "Macdonald", "Mazur", "McDonald", "Newark",
        "New York"]


@pytest.mark.parametrize(("pages", "expected"), [
    ([12, 13, 14], ["12–14"]),
    ([12, 14], ["12", "14"]),
    ([14, 12, 12, 13], ["12–14"]),
    ([3, 7, 8, 20], ["3", "7–8", "20"]),
    ([5], ["5"]),
])
def test_pages_on_following_pages_are_one_range(pages: list[int], expected: list[str]) -> None:
    locators = [Locator(Place(1, f"c1-ix-{i}", p), Place(1, f"c1-ix-{i}", p))
                for i, p in enumerate(pages)]
    assert [loc.pages for loc in merge_pages(locators)] == expected


def test_a_range_absorbs_the_pages_inside_and_after_it() -> None:
    def loc(first: int, last: int) -> Locator:
        return Locator(Place(1, f"a{first}", first), Place(1, f"b{last}", last))
    merged = merge_pages([loc(13, 16), loc(12, 12), loc(17, 17), loc(30, 31)])
    assert [m.pages for m in merged] == ["12–17", "30–31"]
    # The links go to the first place of the range and the last.
    assert (merged[0].first.anchor, merged[0].last.anchor) == ("a12", "b17")


def _marks() -> list[tuple[Mark, Place]]:
    made = [
        (Mark(("power",), "page", "ix-1"), 3),
        (Mark(("power", "and knowledge"), "page", "ix-2"), 4),
        (Mark(("power",), "page", "ix-3"), 4),
        (Mark(("power",), "page", "ix-4"), 5),
        (Mark(("control",), "see", "ix-5", ("power",)), 5),
        (Mark(("tokenism",), "page", "ix-6"), 9),
        (Mark(("tokenism",), "see-also", "ix-6", ("ladder of participation",)), 9),
        (Mark(("ladder of participation",), "start", "ix-7"), 10),
        (Mark(("ladder of participation",), "end", "ix-8"), 13),
        (Mark(("Émile",), "page", "ix-9"), 2),
    ]
    return [(mark, Place(1, "c1-" + mark.anchor, page)) for mark, page in made]


def _shown(entries: list[Entry], depth: int = 0) -> list[str]:
    lines = []
    for e in entries:
        line = "  " * depth + e.term + "".join(f", {loc.pages}" for loc in e.locators)
        line += "".join(f". See {t}" for t in e.see)
        line += "".join(f". See also {t}" for t in e.see_also)
        lines += [line, *_shown(e.subs, depth + 1)]
    return lines


def test_entries_with_sub_entries_cross_references_and_ranges() -> None:
    assert _shown(build_entries(_marks())) == [
        "control. See power",
        "Émile, 2",
        "ladder of participation, 10–13",
        "power, 3–5",
        "  and knowledge, 4",
        "tokenism, 9. See also ladder of participation",
    ]


def test_an_unclosed_range_is_its_first_page() -> None:
    marks = [(Mark(("recovery",), "start", "ix-1"), Place(2, "c2-ix-1", 40))]
    assert _shown(build_entries(marks)) == ["recovery, 40"]


def test_groups_by_folded_first_letter() -> None:
    entries = build_entries(_marks())
    assert [(letter, [e.term for e in members]) for letter, members in groups(entries)] == [
        ("C", ["control"]), ("E", ["Émile"]), ("L", ["ladder of participation"]),
        ("P", ["power"]), ("T", ["tokenism"])]
    assert first_letter("1984") == "#"
    assert first_letter("'t Hooft") == "T"


def test_the_print_index_html() -> None:
    from anthology.outputs.book.index import index_section

    html = index_section(build_entries(_marks()), "anthology:")
    assert html.startswith('<article class="chapter book-index" id="book-index" '
                           'data-authors="Index" data-short-title="Index" '
                           'data-bookmark="Index">')
    assert ('<li class="index-entry"><span class="index-term">power</span>, '
            '<a href="anthology:c1-ix-1">3</a>\u2013<a href="anthology:c1-ix-4">5</a>'
            '<ul class="index-subentries"><li class="index-entry"><span class="index-term">'
            'and knowledge</span>, <a href="anthology:c1-ix-2">4</a></li></ul></li>') in html
    assert ('<span class="index-term">control</span>. <span class="index-see">See</span> '
            'power</li>') in html
    assert '<h2 class="index-letter">É</h2>' not in html  # filed under E
    assert '<h2 class="index-letter">E</h2>' in html
