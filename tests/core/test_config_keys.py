"""The configuration's keys, declared once: the README's tables are written from the
declarations, and each table reads what it declares."""

from __future__ import annotations

import pytest

from anthology.core.config import BOOK, CHAPTER, CONTRIBUTOR, EVENT, REVIEW, Key, Kind, Table
from anthology.core.config.reference import TABLES, key_table, write_tables
from tests.conftest import REPO

ALL = {"book.yaml": BOOK, "contributor": CONTRIBUTOR, "chapter": CHAPTER,
       "history event": EVENT, "review": REVIEW}


def test_the_readme_tables_are_the_declarations() -> None:
    """Regenerate with: python -m anthology.core.config.reference README.md"""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in TABLES:
        assert f"<!-- keys: {name} -->\n{key_table(TABLES[name])}<!-- end keys -->" in readme
    assert write_tables(readme) == readme


def _keys(table: Table) -> list[Key]:
    keys = []
    for key in table.keys:
        keys.append(key)
        if key.keys is not None:
            keys.extend(_keys(key.keys))
    return keys


@pytest.mark.parametrize("name", ALL)
def test_every_key_is_described_once(name: str) -> None:
    table = ALL[name]
    assert len(set(table.names)) == len(table.names)
    for key in _keys(table):
        assert key.help.strip() and not key.help.endswith("."), key.name
        assert (key.keys is not None) is (key.kind in (Kind.GROUP, Kind.ITEMS)), key.name
        assert (key.items is not None) is (key.kind is Kind.ITEMS), key.name


def test_the_book_table_row_for_a_key() -> None:
    assert key_table(Table((Key("year", Kind.WHOLE, "year of publication", "2027",
                                minimum=1000, maximum=9999),
                            Key("index", Kind.BOOL, "an index", default=False)))) == (
        "| key | type | meaning |\n| --- | --- | --- |\n"
        "| `year` | whole number, 1000 to 9,999 | year of publication |\n"
        "| `index` | true or false, default `false` | an index |\n")


def test_keys_that_need_each_other_are_refused() -> None:
    with pytest.raises(ValueError, match="keys that need each other"):
        Table((Key("a", Kind.TEXT, "a", needs=("b",)), Key("b", Kind.TEXT, "b", needs=("a",))))


def test_a_key_is_read_after_the_keys_it_needs() -> None:
    # A contributor's id is read after the name: the example it gives is made from the name.
    assert [key.name for key in CONTRIBUTOR.order][:2] == ["name", "id"]
    assert CONTRIBUTOR.names[:2] == ("id", "name")
