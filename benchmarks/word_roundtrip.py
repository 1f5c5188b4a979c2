"""A Word round trip: a .docx with 20 Zotero citations and 10 footnotes is submitted, built back
to Word and imported again; what came through, and how long each step took.

    python benchmarks/word_roundtrip.py

Each step is a fresh `anthology` process (wall time, median of 3 runs); the book is the tests'
small book in a temporary git repository.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import write_book
from tests.word.docxmaker import Docx, cahn, work

ANTHOLOGY = [sys.executable, "-m", "anthology"]


def roundtrip_docx(path: Path) -> Path:
    """20 Zotero citations of 14 works (3 with two works, 4 with page numbers, 4 in notes),
    10 footnotes, headings, a list, a table and a picture."""
    d = Docx()
    works = [cahn()] + [work(n, f"Author{chr(64 + n)}", 2000 + n,
                             doi=f"10.1000/w{n}" if n % 2 else None) for n in range(2, 15)]
    d.heading("Caring together")
    for n in range(10):
        first, second = works[n % 14], works[(n + 5) % 14]
        pair = [first, second] if n < 3 else [first]
        note_cite = d.zotero([works[(n + 7) % 14]], "(Note)") if n % 3 == 0 else ""
        d.paragraph(f"Paragraph {n + 1} says what carers said ",
                    d.zotero(pair, "(Cite)", locator=str(n + 3) if n in (3, 4, 5, 6) else None),
                    *([" and goes on ", d.zotero([second], "(Cite)")] if n < 6 else []), ".",
                    d.footnote(f"Note {n + 1}.", *([note_cite] if note_cite else [])))
    d.heading("What we did", 2)
    d.bullet("Listened.")
    d.bullet("Wrote it down.")
    d.table([["Group", "People"], ["Carers", "12"], ["Staff", "5"]])
    d.paragraph(d.image("Six people around a table."))
    return d.save(path)


def run(root: Path, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([*ANTHOLOGY, "--book", str(root), *args], capture_output=True,
                          text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"anthology {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return seconds, done.stdout


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def one_run(folder: Path) -> dict[str, object]:
    root = write_book(folder / "book")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Ada Editor")
    git(root, "config", "user.email", "ada@example.ac.uk")
    (root / ".gitignore").write_text("/build/\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Start")
    source = roundtrip_docx(folder / "peer.docx")
    times: dict[str, float] = {}
    times["submit .docx"], submitted = run(root, "submit", "peer", str(source))
    markdown = (root / "chapters/02-peer.md").read_text(encoding="utf-8")
    own = json.loads((root / "chapters/02-peer.json").read_text(encoding="utf-8"))
    times["build chapter docx"], _ = run(root, "build", "chapter", "peer")
    times["build chapter pdf"], _ = run(root, "build", "chapter", "peer", "--format", "pdf")
    built = root / "build/chapters/peer.docx"
    # Back from Word: the built file as a contributor would return it, unchanged.
    git(root, "commit", "-q", "-am", "Record")
    times["import built .docx"], reimported = run(root, "import", "peer", str(built))
    again = (root / "chapters/02-peer.md").read_text(encoding="utf-8")
    diff = subprocess.run(["git", "-C", str(root), "diff", "--stat", "--", "chapters"],
                          capture_output=True, text=True, check=True).stdout
    return {"times": times, "submitted": submitted, "markdown": markdown, "works": len(own),
            "cites": markdown.count("[@") + markdown.count("; @"),
            "notes": markdown.count("[^") // 2, "reimported": reimported,
            "cites_again": again.count("[@") + again.count("; @"),
            "notes_again": again.count("[^") // 2, "diff": diff}


def main() -> None:
    os.environ.setdefault("ANTHOLOGY_TODAY", time.strftime("%Y-%m-%d"))
    runs = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            runs.append(one_run(Path(folder)))
    first = runs[0]
    print(first["submitted"])
    print(f"Markdown: {first['cites']} cited keys, {first['notes']} footnotes, "
          f"{first['works']} works in the chapter's bibliography")
    print(f"Re-import of the built .docx: {first['cites_again']} cited keys, "
          f"{first['notes_again']} footnotes")
    print(first["reimported"])
    print("Changed by the round trip:", first["diff"] or "nothing\n")
    for step in first["times"]:  # type: ignore[attr-defined]
        values = [r["times"][step] for r in runs]  # type: ignore[index]
        print(f"{step:<22} {statistics.median(values):6.2f} s")


if __name__ == "__main__":
    main()
