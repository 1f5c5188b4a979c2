"""Strict YAML, atomic files, paths kept inside the book, the cache, the PDF worker's errors."""

from __future__ import annotations

import builtins
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from anthology.core.cache import Cache, digest
from anthology.core.files import atomic_output, atomic_write_text, resolve_inside, sweep_temp_files
from anthology.core.yamlio import YamlError, dump_yaml, load_yaml


@pytest.mark.parametrize(("text", "value"), [
    ("a: NO", "NO"), ("a: yes", "yes"), ("a: 01234", "01234"), ("a: 12:30", "12:30"),
    ("a: 2027-03-31", dt.date(2027, 3, 31)), ("a: 42", 42), ("a: 1.5", 1.5), ("a: true", True),
    ("a: ~", None), ("a: '2027-03-31'", "2027-03-31"), ("a: 0x1F", "0x1F")])
def test_plain_scalars_resolve_to_few_types(text: str, value: object) -> None:
    assert load_yaml(text)["a"] == value


@pytest.mark.parametrize(("text", "line", "message"), [
    ("a: 1\na: 2\n", 2, "has the key 'a' twice (first on line 1)."),
    ("a: &x [1]\nb: *x\n", 1, "defines a YAML anchor (&x), which anthology does not accept."),
    ("a: !!python/object:os.system x\n", 1,
     "uses the YAML tag tag:yaml.org,2002:python/object:os.system, which anthology does not "
     "accept."),
    ("a: 1\n=======\n", 2,
     "still has git merge-conflict markers (<<<<<<<, =======, >>>>>>>)."),
])
def test_refused_yaml(text: str, line: int, message: str) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text)
    assert (caught.value.line, caught.value.message) == (line, message)


@pytest.mark.parametrize(("text", "line", "message", "hint"), [
    ('title: "Borders\nplace: Leeds\n', 1,
     "is not valid YAML: a quotation mark on this line is never closed.",
     "Close the quotation on the same line (inside '...', write an apostrophe as '')."),
    ("words:\n\tchapter_limit: 8000\n", 2,
     "is not valid YAML: this line has a tab character, and YAML allows only spaces for "
     "indentation.", "Replace the tab with spaces (two for each level)."),
    ("title: Caring: across borders\n", 1,
     "is not valid YAML: this line has a colon where YAML does not expect one.",
     "If the text after the key contains ': ' (a colon and a space), put it in quotes, as in "
     'title: "Peer support: a guide". Otherwise check that this line is indented like the '
     "ones around it."),
    ("name: [José\nemails: [jose@example.es]\n", 1,
     "is not valid YAML: the [ on this line is never closed.",
     "Close it with ] at the end of the line."),
    ("due: {drafts: 2026-12-01\n", 1, "is not valid YAML: the { on this line is never closed.",
     "Close it with } at the end of the line."),
    # YAML gives up at the end of the file, in "a flow node": the bracket is found in the text.
    ("format: 1\ntitle: [\n", 2, "is not valid YAML: the [ on this line is never closed.",
     "Close it with ] at the end of the line."),
    ("a: '[x'\n# {\nb: [1, {c: 2}\n", 3, "is not valid YAML: the [ on this line is never "
     "closed.", "Close it with ] at the end of the line."),
    ("note: @home\n", 1,
     "is not valid YAML: a value on this line starts with '@', which YAML keeps for itself.",
     'Put the value in quotes, as in note: "@home".'),
    ("authors:\n  - a\n - b\n", 3,
     "is not valid YAML: this line is not indented like the others at its level.",
     "Line it up with the lines above it that belong to the same list or group of keys."),
])
def test_yaml_mistakes_explained_at_their_line(text: str, line: int, message: str,
                                               hint: str) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text)
    assert (caught.value.line, caught.value.message, caught.value.hint) == (line, message, hint)


def test_alias_bomb_is_refused_cheaply() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    with pytest.raises(YamlError):
        load_yaml(bomb)


def test_dump_round_trips_and_quotes_lookalikes() -> None:
    data = {"id": "no", "zip": "01234", "when": dt.date(2027, 1, 2), "text": "two\nlines",
            "list": ["a", "b"]}
    text = dump_yaml(data)
    assert 'id: "no"' in text and 'zip: "01234"' in text
    assert load_yaml(text) == data


def test_atomic_write_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "state.yaml"
    atomic_write_text(target, "old\n")
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["state.yaml"]


def test_atomic_output_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "book.pdf"
    target.write_bytes(b"old pdf")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half a pdf")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"old pdf"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.pdf"]


def test_sweep_removes_stale_temporary_files(tmp_path: Path) -> None:
    stale = tmp_path / ".anthology-tmp-abc.part"
    stale.write_text("x")
    assert sweep_temp_files(tmp_path) == [stale]
    assert not stale.exists()


def test_resolve_inside(tmp_path: Path) -> None:
    root = tmp_path / "book"
    (root / "chapters" / "images").mkdir(parents=True)
    (root / "chapters" / "images" / "a.png").write_bytes(b"x")
    (tmp_path / "outside.png").write_bytes(b"x")
    (root / "chapters" / "images" / "link.png").symlink_to(tmp_path / "outside.png")
    chapters = root / "chapters"
    assert resolve_inside(root, chapters, "images/a.png") == (chapters / "images/a.png").resolve()
    for bad in ("../../outside.png", "/etc/hostname", "file:///etc/passwd", "images/link.png",
                "images", "http://x/a.png", "images/none.png", ""):
        assert resolve_inside(root, chapters, bad) is None, bad


def test_cache_keys_and_damaged_entries(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    assert digest("ab", "c") != digest("a", "bc")
    cache.put_json("ast", "k" * 64, {"x": 1})
    assert cache.get_json("ast", "k" * 64) == {"x": 1}
    (tmp_path / "ast" / "kk" / f"{'k' * 64}.json").write_text("{half")
    assert cache.get_json("ast", "k" * 64) is None
    assert Cache(tmp_path, enabled=False).get_json("ast", "k" * 64) is None


def test_cache_json_is_utf8_and_keeps_what_json_kept(tmp_path: Path) -> None:
    """The cache writes with orjson: a chapter's text stays UTF-8 as written, key order is
    kept, keys that are not strings become strings (as `json` made them), and an entry that
    `json` wrote before reads back the same."""
    import json

    from anthology.core.cache import dump_json

    cache = Cache(tmp_path)
    value = {"t": "Str", "c": "Müller’s “café” — 東京", "z": [1, 2.5, None, True], "a": {}}
    cache.put_json("chapter", "m" * 64, value)
    stored = (tmp_path / "chapter" / "mm" / f"{'m' * 64}.json").read_bytes()
    assert "Müller’s “café” — 東京".encode() in stored
    assert list(cache.get_json("chapter", "m" * 64)) == ["t", "c", "z", "a"]
    assert cache.get_json("chapter", "m" * 64) == value
    assert json.loads(dump_json({1: "one", "2": (3, 4)})) == {"1": "one", "2": [3, 4]}
    (tmp_path / "chapter" / "mm" / f"{'m' * 64}.json").write_text(
        json.dumps(value, ensure_ascii=True), encoding="utf-8")
    assert cache.get_json("chapter", "m" * 64) == value


def test_missing_pango_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from anthology.engines.weasyprint import render as pdf

    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    result = pdf._render({})
    assert result["error"] == (
        "WeasyPrint needs the Pango text library, which this machine lacks. On Debian or Ubuntu "
        "install it with: sudo apt install libpango-1.0-0 libpangoft2-1.0-0 (on macOS: brew "
        "install pango). Then run the command again.")


@pytest.mark.parametrize(("kinds", "line"), [
    ("", "No problems found."),
    ("i", "1 note in 1 file."),
    ("ii", "2 notes in 1 file."),
    ("ew", "2 problems (1 error, 1 warning) in 1 file."),
    ("eii", "1 problem (1 error, 2 notes) in 1 file."),
])
def test_summary_line_counts_notes_apart_from_problems(kinds: str, line: str) -> None:
    from anthology.core.findings import error, info, summary_line, warning

    make = {"e": error, "w": warning, "i": info}
    assert summary_line([make[k]("x.code", "a.md", n, "m") for n, k in enumerate(kinds)]) == line



def test_a_tab_after_a_colon_is_explained_as_a_tab() -> None:
    """PyYAML's C parser (libyaml) would read this; its Python parser, which anthology uses,
    refuses it with the message below. libyaml also reads differently a byte-order mark inside
    the text, '?' keys in [ ] and { }, and some tags: measured on 26,000 altered copies of the
    sample book's YAML, 377 read otherwise, so the Python parser stays (about 1.4 ms a front
    matter)."""
    with pytest.raises(YamlError) as caught:
        load_yaml("title: A chapter\nshort-title:\t Learning together\n")
    assert caught.value.line == 2
    assert "tab character" in caught.value.message
