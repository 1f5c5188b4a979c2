"""What each speed patch of WeasyPrint and pydyf gains, in CPU seconds of a build.

    nice python benchmarks/patches.py [--chapters 20] [--words 7500] [--entries 800]
                                      [--runs 3] [--first-run 1] [--log FILE]
    python benchmarks/patches.py --report FILE

Generates the book with benchmarks/generate.py into a temporary folder, then, in each run, for
every setting of the switch (every patch on; every patch off; each patch off alone, through
`ANTHOLOGY_PATCHES=without:NAME`) builds the PDF cold (build/ removed) and then the release
(the pandoc products cached), each a fresh `anthology build --quiet` process. A build is
measured by the CPU time (user + system) of its process and all its children, which on a shared
machine says more than its wall time: what the others run slows a build down but does not add to
its CPU time. The settings take turns within each run, so that a change in the machine's load
falls on all of them. Prints, for each setting, the median CPU seconds, and for each patch what
turning it off costs (the median over the runs of the difference from every patch on, in that
run, interpolated at the time each build ran: the load of a shared machine drifts) in CPU
seconds and as a share of the build with every patch on; and whether every setting made the
same PDF bytes as every patch on.

On a machine shared with others, the runs can be made at once by separate processes, each
with its own book: `--runs 1 --first-run N --log FILE` for N = 1, 2, 3, then `--report FILE`
reads what they measured. Each run takes the settings in another order (rotated by its number).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate_book, size_options

ANTHOLOGY = Path(sys.executable).parent / "anthology"
EPOCH = "1798761600"


def build(book: Path, setting: str, release: bool) -> tuple[float, float, str]:
    """CPU seconds, wall seconds and the PDF's SHA-256 of one build with `setting`."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "ANTHOLOGY_PATCHES": setting}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [str(ANTHOLOGY), "build", "--quiet", "pdf", *(["--release"] if release else [])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=book, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} ({setting}) failed:\n"
                         f"{done.stderr.decode(errors='replace')[-2000:]}")
    pdf = max((book / "build").glob("*.pdf"), key=lambda path: path.stat().st_mtime_ns)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall, hashlib.sha256(pdf.read_bytes()).hexdigest()


def main() -> None:
    """Generate the book, build it with every setting, print the table."""
    from anthology.engines.weasyprint.patches import NAMES

    parser = size_options(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--first-run", type=int, default=1, help="the first run's number")
    parser.add_argument("--log", type=Path, help="a file to add each measurement to (JSON)")
    parser.add_argument("--report", type=Path, help="print the table of a log, measure nothing")
    parser.add_argument("--settings", help="only these settings, in this order, separated by "
                        "';' (a setting may hold commas)")
    parser.add_argument("--no-warm-up", action="store_true",
                        help="no untimed first build (another process has made one)")
    parser.add_argument("--release-only", action="store_true",
                        help="only release builds, from the first build's cache")
    args = parser.parse_args()
    settings = ["on", "off", *(f"without:{name}" for name in NAMES)]
    lines: list[dict[str, object]] = []
    if args.report:
        lines = [json.loads(line) for line in args.report.read_text().splitlines() if line]
        report(settings, lines)
        return
    with tempfile.TemporaryDirectory() as folder:
        book = generate_book(Path(folder) / "book", args.chapters, args.words, args.entries)
        subprocess.run(["git", "init", "-q", str(book)], check=True)
        if not args.no_warm_up:  # pandoc's and Python's first-run costs, not timed
            build(book, "on", release=False)
        for number in range(args.first_run, args.first_run + args.runs):
            turn = number % len(settings)
            order = args.settings.split(";") if args.settings else settings[turn:] + settings[:turn]
            for setting in order:
                if not args.release_only:
                    shutil.rmtree(book / "build", ignore_errors=True)
                for kind in ("release",) if args.release_only else ("cold", "release"):
                    seconds, wall, sha = build(book, setting, release=kind == "release")
                    line = {"run": number, "setting": setting, "build": kind, "cpu": seconds,
                            "wall": wall, "sha256": sha, "ended": time.time()}
                    lines.append(line)
                    print(json.dumps(line), file=sys.stderr, flush=True)
                    if args.log:
                        with args.log.open("a", encoding="utf-8") as log:
                            log.write(json.dumps(line) + "\n")
    report(settings, lines)


def report(settings: list[str], lines: list[dict[str, Any]]) -> None:
    """The table: each setting's CPU seconds, and what each patch gains: each build's
    difference from the builds with every patch on, of the same kind, interpolated at the time
    it ran (the machine's load drifts), then the median of the runs."""
    def middle(line: dict[str, Any]) -> float:
        return float(line.get("ended", 0.0)) - float(line["wall"]) / 2

    def baseline(line: dict[str, Any]) -> float:
        ons = sorted((middle(on), on["cpu"]) for on in lines
                     if on["setting"] == "on" and on["build"] == line["build"]
                     and ("ended" in line or on["run"] == line["run"]))
        at = middle(line)
        before, after = [p for p in ons if p[0] <= at], [p for p in ons if p[0] > at]
        if not before or not after:
            return float((before or after)[-1 if before else 0][1])
        (t0, c0), (t1, c1) = before[-1], after[0]
        return float(c0 + (c1 - c0) * (at - t0) / (t1 - t0)) if t1 > t0 else float(c0)

    digests: dict[tuple[str, str], set[str]] = {}
    for line in lines:
        digests.setdefault((line["setting"], line["build"]), set()).add(line["sha256"])
    print("| setting | cold CPU-s | cold gain | release CPU-s | release gain | same PDF |")
    print("| --- | --- | --- | --- | --- | --- |")
    for setting in settings:
        cells = []
        for kind in ("cold", "release"):
            measured = [line for line in lines if line["setting"] == setting
                        and line["build"] == kind and any(
                            on["setting"] == "on" and on["build"] == kind for on in lines)]
            if not measured:
                cells += ["-", "-"]
                continue
            saved = [line["cpu"] - baseline(line) for line in measured]
            share = [line["cpu"] / baseline(line) - 1 for line in measured]
            cells += [f"{statistics.median(line['cpu'] for line in measured):.1f}",
                      "-" if setting == "on" else f"{statistics.median(saved):+.2f} s "
                      f"({statistics.median(share):+.1%}; {len(measured)} runs)"]
        kinds = [kind for kind in ("cold", "release") if (setting, kind) in digests]
        same = all(digests[(setting, kind)] == digests.get(("on", kind)) for kind in kinds)
        print(f"| {setting} | {' | '.join(cells)} | "
              f"{'-' if not kinds else 'yes' if same else 'NO'} |")


if __name__ == "__main__":
    main()
