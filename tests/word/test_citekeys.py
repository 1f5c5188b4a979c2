"""Readable citation keys: made as Better BibTeX's legacy default, reused for known works."""

from __future__ import annotations

from typing import Any

import pytest

from anthology.editorial.word.citekeys import Known, ascii_fold, assign_keys, base_key, identity

CAHN: dict[str, Any] = {"type": "book", "title": "No More Throw-Away People",
                        "author": [{"family": "Cahn", "given": "Edgar S."}],
                        "issued": {"date-parts": [["2000"]]}}


@pytest.mark.parametrize(("item", "key"), [
    (CAHN, "cahn2000"),
    ({"author": [{"family": "Núñez Østergård"}], "issued": {"date-parts": [[2019]]}},
     "nunezostergard2019"),
    ({"author": [{"literal": "World Health Organization"}],
      "issued": {"date-parts": [[2022, 5]]}}, "world2022"),
    ({"editor": [{"family": "Beresford"}], "issued": {"raw": "c. 2016"}}, "beresford2016"),
    ({"title": "The Politics of Mental Health"}, "politicsnd"),
    ({}, "anonnd"),
])
def test_a_key_is_the_first_authors_name_and_the_year(item: dict[str, Any], key: str) -> None:
    assert base_key(item) == key


def test_ascii_fold_keeps_letters_and_digits_only() -> None:
    assert ascii_fold("Straße-Ł 2") == "strassel2"


def test_the_same_name_and_year_get_suffixes_and_the_same_work_one_key() -> None:
    other = {**CAHN, "title": "Time Dollars"}
    keys = assign_keys([CAHN, other, CAHN, {**other, "id": "ITEM-1"}], [])
    assert keys == [("cahn2000", False), ("cahn2000a", False), ("cahn2000", False),
                    ("cahn2000a", False)]


def test_a_work_the_book_knows_keeps_its_key_and_other_keys_are_not_taken() -> None:
    known = [Known("cahn-no-more", identity({**CAHN, "issued": {"date-parts": [[2000]]}}),
                   True),
             Known("cahn2000", identity({"title": "Another book", "issued": {
                 "date-parts": [[2000]]}}), False)]
    doi = {**CAHN, "title": "Time Dollars", "DOI": "10.1/td"}
    known.append(Known("td", identity({"title": "x", "DOI": "https://doi.org/10.1/TD"}), False))
    assert assign_keys([CAHN, {**CAHN, "title": "Something else"}, doi], known) == [
        ("cahn-no-more", True), ("cahn2000a", False), ("td", False)]
