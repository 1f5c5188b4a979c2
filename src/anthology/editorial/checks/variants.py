"""Whether two entries under one key, in two chapters' bibliographies, are one work.

Measured on real books, about half of the keys that "meant different works" in different
chapters were the same work copied with small differences: Modelling and Modeling, matters and
matter, "Introduction, methods" and "Introduction and methods", the authors in another order,
one copy with a DOI. Those are variants (a warning naming what differs); the rest are conflicts.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any

from anthology.chapters.bibentries import BibEntry

# How much two normalised titles may differ (difflib's ratio) and still name one work, when the
# authors and the year are the same.
TITLE_RATIO = 0.9
# British spellings and their American forms, by ending (applied to each word of a title).
_SPELLINGS = (("isation", "ization"), ("ising", "izing"), ("ised", "ized"), ("ise", "ize"),
              ("yse", "yze"), ("ysing", "yzing"), ("ysed", "yzed"), ("our", "or"),
              ("ours", "ors"), ("tre", "ter"), ("tres", "ters"), ("bre", "ber"),
              ("lling", "ling"), ("lled", "led"), ("ller", "ler"), ("llers", "lers"),
              ("ogue", "og"), ("ogues", "ogs"), ("ence", "ense"))
_SMALL_WORDS = {"a", "an", "the", "and", "of", "in", "on", "for", "to", "with", "at", "by"}
# CSL names of fields, as someone who wrote the BibTeX knows them.
_FIELD_NAMES = {"issued": "year", "container-title": "journal or book title", "URL": "url",
                "DOI": "doi", "page": "pages", "publisher-place": "address",
                "collection-title": "series", "collection-number": "number",
                "title-short": "short title", "type": "entry type", "ISBN": "isbn",
                "ISSN": "issn", "event-title": "event"}


def _plain(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text)  # pandoc's rich text: <i>, <b>, <span ...>
    text = unicodedata.normalize("NFKD", text).casefold().replace("&", " and ")
    return "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))


def _american(word: str) -> str:
    for british, american in _SPELLINGS:
        if word.endswith(british) and len(word) > len(british) + 2:
            return word[: -len(british)] + american
    return word


def title_words(title: str) -> list[str]:
    """A title's words for comparing works: lower case, no accents or punctuation, American
    spelling, a plural's final s dropped."""
    words = [_american(word) for word in _plain(title).split()]
    return [word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss")
            else word for word in words]


def same_title(a: str, b: str) -> bool:
    """True when two titles name one work once case, punctuation, spelling and small edits
    (a few small words, a subtitle in one only) are set aside."""
    one, two = title_words(a), title_words(b)
    if not one or not two:
        return False
    if one == two:
        return True
    if difflib.SequenceMatcher(None, " ".join(one), " ".join(two)).ratio() >= TITLE_RATIO:
        return True
    if [w for w in one if w not in _SMALL_WORDS] == [w for w in two if w not in _SMALL_WORDS]:
        return True
    for longer, shorter in ((a, b), (b, a)):
        main = re.split(r"[:.?!]\s", longer, maxsplit=1)[0]
        if main != longer and title_words(main) == title_words(shorter):
            return True
    return False


def family_names(item: dict[str, Any]) -> list[str]:
    """The family names of the authors (or editors), in order, for comparing works."""
    people = item.get("author") or item.get("editor") or []
    names = []
    for person in people if isinstance(people, list) else []:
        if not isinstance(person, dict):
            continue
        name = person.get("family") or (str(person.get("literal") or "").split() or [""])[-1]
        names.append("".join(_plain(str(name)).split()))
    return [name for name in names if name]


def _year(entry: BibEntry) -> str:
    return str(entry.issued_year or entry.year or "")


def one_work(a: BibEntry, b: BibEntry) -> bool:
    """True when two entries are one work with different details: the same DOI; or the same
    year, the same first author (or the same authors in another order) and the same title once
    case, punctuation, spelling and small edits are set aside."""
    if a.doi and b.doi:
        return a.doi == b.doi
    names_a, names_b = family_names(a.item), family_names(b.item)
    if names_a[:1] != names_b[:1] and set(names_a) != set(names_b):
        return False
    return _year(a) == _year(b) and same_title(a.title or "", b.title or "")


def differing_fields(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The fields of two CSL items whose values differ (or that only one has), named as in
    BibTeX where the names differ."""
    fields = {key for key in {*a, *b} - {"id"} if a.get(key) != b.get(key)}
    if "title" in fields:  # pandoc makes the short title from the title's part before a colon
        fields.discard("title-short")
    return sorted(_FIELD_NAMES.get(key, key) for key in fields)
