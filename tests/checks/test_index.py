"""`anthology check` on index marks: variants of one term and "see" to a term never marked;
`wordcount` ignores the marks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from anthology.chapters.index_marks import Mark
from anthology.cli import cli
from anthology.core.findings import Finding
from anthology.editorial.checks.index import check_index, variant_key
from tests.checks.conftest import texts

PEER = """\
---
title: Peer Support
authors: [ben-writer]
---

[Recovery Colleges]{.index} began in London.

The [recovery college]{index="recovery colleges"} model spread.
[Asylums]{index="asylum" index-see="total institutions"} are
[the Service Users]{.index} and [service user]{.index}.
"""


def test_variants_and_see_missing_with_file_and_line(
        check: Callable[..., list[Finding]]) -> None:
    found = check({"chapters/02-peer.md": PEER}, {"peer"})
    # see-missing is judged on the whole book only (the term may be marked elsewhere).
    assert texts(found, "index.") == [
        "chapters/02-peer.md:8: warning: the index term 'recovery colleges' is probably the same "
        "entry as 'Recovery Colleges' (chapters/02-peer.md:6): they differ only in case, "
        "accents, a plural or a leading 'the'. Mark both with one spelling, for example "
        "[recovery colleges]{index=\"Recovery Colleges\"}. [index.variant]",
        "chapters/02-peer.md:10: warning: the index term 'service user' is probably the same "
        "entry as 'the Service Users' (chapters/02-peer.md:10): they differ only in case, "
        "accents, a plural or a leading 'the'. Mark both with one spelling, for example "
        "[service user]{index=\"the Service Users\"}. [index.variant]",
    ]


def test_see_to_a_term_never_marked(check: Callable[..., list[Finding]]) -> None:
    found = check({"chapters/02-peer.md": PEER})  # the whole book
    assert texts(found, "index.see-missing") == [
        "chapters/02-peer.md:9: warning: the index says 'asylum', see 'total institutions', "
        "but no mark in the book indexes that term. Mark 'total institutions' where the book "
        "discusses it ([total institutions]{.index}), or point to a term that is marked. "
        "[index.see-missing]"]


def test_see_also_to_a_term_that_only_has_sub_entries_is_fine() -> None:
    marks = [Mark(("power", "and knowledge"), "page", "ix-1", (), 3),
             Mark(("control",), "see-also", "ix-2", ("power",), 4)]
    assert check_index([("chapters/01.md", "one", [m.as_json() for m in marks])]) == []


def test_variant_keys() -> None:
    assert variant_key("The Recovery Colleges") == variant_key("recovery college")
    assert variant_key("Émile") == variant_key("emile")
    assert variant_key("co-production") == variant_key("Co production")
    assert variant_key("theories") == variant_key("theory")
    assert variant_key("class") != variant_key("clas")
    assert variant_key("power") != variant_key("powers of attorney")
    assert variant_key(".") != variant_key("..")
    assert variant_key("parent directory") != variant_key(".. (parent directory)")


def test_wordcount_ignores_marks(make_book: Callable[..., Path]) -> None:
    plain = make_book({"chapters/01-intro.md": """\
        ---
        title: Introduction
        authors: [ada-editor]
        ---

        Peer support began in London and spread.
        """})
    runner = CliRunner()
    before = json.loads(runner.invoke(cli, ["--book", str(plain), "wordcount", "--format",
                                            "json"]).stdout)
    (plain / "chapters" / "01-intro.md").write_text("""\
---
title: Introduction
authors: [ada-editor]
---

[Peer support]{.index}\\index{peer support!history|(} began in
[London]{index="London, England" index-see-also="cities"} and spread.\\index{x|)}
""", encoding="utf-8")
    after = json.loads(runner.invoke(cli, ["--book", str(plain), "wordcount", "--format",
                                           "json"]).stdout)
    assert before["chapters"][0]["body"] == after["chapters"][0]["body"] == 7
