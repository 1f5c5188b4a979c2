"""Identifiers people write in the configuration: ids made from names, e-mail addresses, ORCID
iDs and ISBNs, each with the reason it is not valid."""

from __future__ import annotations

import re
import unicodedata

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

# Letters that Unicode does not decompose into an ASCII letter and an accent, so that
# 'Łukasiewicz' is not 'ukasiewicz' and 'Þórðarson' not 'orarson'; Greek and Cyrillic names
# get a plain transliteration (ELOT 743 and a simple Russian/Ukrainian scheme).
_TRANSLITERATION = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŀ": "l", "ŧ": "t", "ŋ": "ng",
    "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ð": "d", "ĳ": "ij",
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
    "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
    "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",
    "ω": "o",
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "ye",
    "ё": "yo", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})


def slugify(text: str, fallback: str = "book") -> str:
    """A lowercase ASCII id made of words and hyphens: 'Jane O'Neil' -> 'jane-oneil'.

    Latin letters lose their accents, Greek and Cyrillic are transliterated; text with no
    letter that can be written in ASCII (a name in Chinese, say) gives `fallback`.
    """
    lowered = unicodedata.normalize("NFKD", text.lower())
    lowered = "".join(c for c in lowered if not unicodedata.combining(c))
    for digraph, latin in (("ου", "ou"), ("αυ", "av"), ("ευ", "ev")):
        lowered = lowered.replace(digraph, latin)
    ascii_text = lowered.translate(_TRANSLITERATION).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['\u2019]", "", ascii_text)
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or fallback


def orcid_problem(orcid: str) -> str | None:
    """Why an ORCID iD is not valid (form, or ISO 7064 11,2 check digit), or None."""
    value = orcid.strip()
    for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid.org/"):
        if value.startswith(prefix):
            value = value[len(prefix):]
    if not re.fullmatch(r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]", value):
        return "an ORCID iD has the form 0000-0002-1825-0097 (16 digits in four groups; the last "\
               "may be X)"
    digits = value.replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    if digits[-1] != expected:
        return f"its last character should be {expected} by the ORCID checksum, so a digit is "\
               "probably mistyped"
    return None


def isbn_problem(isbn: str) -> str | None:
    """Why an ISBN-13 is not valid, or None."""
    digits = re.sub(r"[\s-]", "", isbn)
    if not re.fullmatch(r"97[89][0-9]{10}", digits):
        return "an ISBN has 13 digits starting with 978 or 979"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    check = (10 - total % 10) % 10
    if int(digits[-1]) != check:
        return f"its check digit should be {check}, so a digit is probably mistyped"
    return None
