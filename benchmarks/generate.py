"""Generate a deterministic edited book for benchmarks: N chapters of W words, one shared
BibTeX bibliography of E entries, citations in every form, footnotes, tables and a figure.

    python benchmarks/generate.py OUT_DIR --chapters 20 --words 7500 --entries 800

`generate_book(out_dir, chapters=20, words=7500, entries=800)` does the same from Python (the
build benchmarks reuse it). The same arguments always give the same files, byte for byte.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS = ("co-production", "service", "users", "power", "knowledge", "practice", "mental",
         "health", "recovery", "peer", "support", "carers", "staff", "ward", "community",
         "research", "policy", "decision", "experience", "lived", "the", "of", "and", "in",
         "to", "a", "that", "is", "for", "with", "as", "was", "by", "on", "not", "this", "which",
         "their", "were", "be", "are", "have", "it", "from", "or", "at", "we", "they", "more",
         "people", "professional", "values", "consent", "space", "time", "trust", "care",
         "1990s", "2024", "shared", "well-being", "and/or", "involvement", "evidence")
SURNAMES = ("Smith", "Jones", "Begum", "Okafor", "Nolan", "Haddad", "Pryce", "Raman", "Lowe",
            "Müller", "García", "Nguyen", "Kowalski", "O'Brien", "Adeyemi", "Fulford", "Rose")
SVG = ("<svg xmlns='http://www.w3.org/2000/svg' width='200' height='100'>"
       "<rect width='200' height='100' fill='#ddd'/></svg>\n")


def bibliography(entries: int, rng: random.Random) -> tuple[str, list[str]]:
    """A BibTeX file of `entries` books and articles, and its keys."""
    out, keys = [], []
    for index in range(entries):
        surname = SURNAMES[index % len(SURNAMES)]
        year = 1950 + rng.randrange(75)
        key = f"{surname.lower().replace(chr(39), '')}{year}x{index}"
        keys.append(key)
        title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize()
        if index % 2:
            out.append(f"@article{{{key},\n  author = {{{surname}, A. and Other, B.}},\n"
                       f"  title = {{{title}}},\n  journal = {{Journal of {rng.choice(WORDS)}}},\n"
                       f"  volume = {{{1 + index % 40}}},\n  pages = {{{index}--{index + 12}}},\n"
                       f"  year = {{{year}}},\n  doi = {{10.9999/bench.{index}}}\n}}\n")
        else:
            out.append(f"@book{{{key},\n  author = {{{surname}, C.}},\n  title = {{{title}}},\n"
                       f"  publisher = {{Bench Press}},\n  address = {{Leeds}},\n"
                       f"  year = {{{year}}}\n}}\n")
    return "\n".join(out), keys


def _sentence(rng: random.Random, length: int) -> str:
    words = [rng.choice(WORDS) for _ in range(length)]
    return " ".join(words).capitalize() + "."


def chapter_text(number: int, words: int, keys: list[str], rng: random.Random) -> str:
    """One chapter's Markdown (front matter included) of about `words` words."""
    cite = [lambda k, j: f"[see @{k}, p. {j % 90 + 1}; @{keys[(j * 7) % len(keys)]}]",
            lambda k, j: f"@{k}", lambda k, j: f"[-@{k}]",
            lambda k, j: f"[@{k}, pp. {j % 50}-{j % 50 + 4}]", lambda k, j: f"[@{k}]"]
    lines = [f"---\ntitle: \"Chapter {number}: {_sentence(rng, 5)[:-1]}\"\n"
             f"authors: [author-{number:02d}]\nabstract: {_sentence(rng, 40)}\n---\n",
             "## Opening {#sec-open}\n"]
    count, paragraph, note = 0, 0, 0
    while count < words:
        paragraph += 1
        sentences = []
        for _ in range(5):
            length = rng.randrange(12, 25)
            count += length
            sentence = _sentence(rng, length)
            if rng.random() < 0.35:
                key = keys[rng.randrange(len(keys))]
                sentence = sentence[:-1] + " " + cite[paragraph % len(cite)](key, paragraph) + "."
            sentences.append(sentence)
        if paragraph % 6 == 0:
            note += 1
            sentences.append(f"[^c{number}n{note}]")
            lines.append(" ".join(sentences) + "\n")
            lines.append(f"[^c{number}n{note}]: {_sentence(rng, 20)} "
                         f"See @{keys[paragraph % len(keys)]}.\n")
        else:
            lines.append(" ".join(sentences) + "\n")
        if paragraph % 25 == 0:
            lines.append(f"## Section {paragraph} {{#sec-s{paragraph}}}\n\nAs @sec-open showed, "
                         "code such as `@decorator` and mail to a@example.org are not "
                         "citations.\n")
        if paragraph == 12:
            lines.append(f"| Group | Count |\n| --- | --- |\n| Staff | {number} |\n"
                         f"| Users | {number * 2} |\n\n: Who took part {{#tbl-people}}\n\n"
                         "See @tbl-people.\n")
        if paragraph == 20 and number % 2 == 0:
            lines.append("![A cycle of co-production](images/cycle.svg){#fig-cycle}\n\n"
                         "As @fig-cycle shows.\n")
    return "\n".join(lines)


def generate_book(out_dir: Path, chapters: int = 20, words: int = 7500, entries: int = 800,
                  seed: int = 1) -> Path:
    """Write the book into `out_dir` (created if needed) and return it."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "chapters" / "images").mkdir(parents=True, exist_ok=True)
    (out_dir / "references").mkdir(exist_ok=True)
    bib, keys = bibliography(entries, rng)
    (out_dir / "references" / "book.bib").write_text(bib, encoding="utf-8")
    (out_dir / "chapters" / "images" / "cycle.svg").write_text(SVG, encoding="utf-8")
    (out_dir / "book.yaml").write_text(
        "format: 1\ntitle: A Benchmark Book\neditors: [author-01]\nyear: 2027\n"
        "csl: chicago-author-date\nbibliography: [references/book.bib]\n"
        f"words:\n  chapter_limit: {int(words * 1.5)}\n  book_limit: {words * chapters * 2}\n",
        encoding="utf-8")
    people = ["format: 1\ncontributors:"]
    plan = ["format: 1\nchapters:"]
    for number in range(1, chapters + 1):
        people.append(f"  - id: author-{number:02d}\n    name: Author {number}\n"
                      f"    emails: [a{number}@example.org]")
        text = chapter_text(number, words, keys, rng)
        title = text.split("\n", 2)[1][len("title: "):].strip('"')
        name = f"chapters/{number:02d}-chapter.md"
        (out_dir / name).write_text(text, encoding="utf-8")
        plan.append(f"  - id: chapter-{number:02d}\n    title: \"{title}\"\n"
                    f"    authors: [author-{number:02d}]\n    file: {name}\n    status: draft")
    (out_dir / "contributors.yaml").write_text("\n".join(people) + "\n", encoding="utf-8")
    (out_dir / "chapters.yaml").write_text("\n".join(plan) + "\n", encoding="utf-8")
    return out_dir


def size_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The book-size options every benchmark script takes (the 20 x 7,500-word default)."""
    parser.add_argument("--chapters", type=int, default=20)
    parser.add_argument("--words", type=int, default=7500)
    parser.add_argument("--entries", type=int, default=800)
    return parser


def main() -> None:
    """Command line: generate.py OUT_DIR [--chapters N] [--words W] [--entries E] [--seed S]."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    size_options(parser)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate_book(args.out_dir, args.chapters, args.words, args.entries, args.seed)
    print(f"Wrote {args.out_dir}")


if __name__ == "__main__":
    main()
