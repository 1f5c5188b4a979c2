"""The README's tables of configuration keys, written from the keys' declarations.

`python -m anthology.core.config.reference README.md` rewrites each table between its
`<!-- keys: NAME -->` and `<!-- end keys -->` lines; a test checks that they agree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from anthology.core.config.book import BOOK
from anthology.core.config.keys import MAX_COUNT, Key, Kind, Table
from anthology.core.config.registries import CHAPTER, CONTRIBUTOR, EVENT
from anthology.core.config.reviews import REVIEW

TABLES = {"book.yaml": BOOK, "contributor": CONTRIBUTOR, "chapter": CHAPTER,
          "history event": EVENT, "review": REVIEW}

_BLOCK = re.compile(r"(<!-- keys: (?P<name>[^>]+?) -->\n).*?(<!-- end keys -->)", re.DOTALL)


def _as_yaml(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return f"[{', '.join(str(v) for v in value)}]"
    return str(value)


def _type(key: Key) -> str:
    """The type column: the kind, whether it is required, its range and default."""
    words = [key.kind.value]
    if key.required:
        words.append("required")
    if key.kind is Kind.WHOLE and (key.minimum, key.maximum) != (0, MAX_COUNT):
        words.append(f"{key.minimum} to {key.maximum:,}")
    if key.kind is Kind.TEXT and key.number_ok:
        words.append("a bare number allowed")
    if key.default is not None and not isinstance(key.default, (dict, Table)) \
            and key.kind not in (Kind.GROUP, Kind.ITEMS):
        words.append(f"default `{_as_yaml(key.default)}`")
    return ", ".join(words)


def _rows(table: Table, prefix: str = "") -> list[str]:
    rows = []
    for key in table.keys:
        name = f"{prefix}{key.name}"
        if key.kind is Kind.GROUP and key.keys is not None and key.summary:
            inner = ", ".join(f"`{k.name}`" for k in key.keys.keys)
            kinds = {k.kind.value for k in key.keys.keys}
            rows.append(f"| `{name}.*` | {', '.join(sorted(kinds))} | {key.help}: {inner} |")
        elif key.kind is Kind.GROUP and key.keys is not None:
            rows.extend(_rows(key.keys, f"{name}."))
        else:
            rows.append(f"| `{name}` | {_type(key)} | {key.help} |")
    return rows


def key_table(table: Table) -> str:
    """A Markdown table of the keys: name (groups dotted), type, meaning."""
    return "\n".join(["| key | type | meaning |", "| --- | --- | --- |", *_rows(table)]) + "\n"


def write_tables(text: str) -> str:
    """`text` (a README) with each generated table replaced by the declarations' own."""
    return _BLOCK.sub(lambda m: m.group(1) + key_table(TABLES[m.group("name")]) + m.group(3),
                      text)


def main(argv: list[str]) -> int:
    """Rewrite the tables of keys in the Markdown files named in `argv`."""
    for name in argv:
        path = Path(name)
        path.write_text(write_tables(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
