"""The check runs below the outputs: `anthology check` loads no module of outputs/. The
imports as written are held to the layers by tests/test_architecture.py; this runs the check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_a_check_loads_no_output(small_book: Path) -> None:
    """Run, not only read: `anthology check` loads no module of outputs/."""
    script = ("import sys\n"
              "from anthology.cli import cli\n"
              "try:\n"
              f"    cli(['--book', {str(small_book)!r}, 'check', '-q'])\n"
              "except SystemExit:\n"
              "    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith('anthology.outputs')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines()[-1] == "[]"
