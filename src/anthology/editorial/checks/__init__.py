"""Manuscript checks: citations, bibliographies, word counts, front matter, images and links.

`runner.check_book` is the entry point; the other modules are pure functions over pandoc's AST
and over bibliography entries, each returning findings.
"""
