"""What may reach a terminal: text from git, YAML files and chapters, made harmless.

A commit's author name, a chapter title or a contributor's bio can hold escape sequences that a
terminal obeys: set the window title (`ESC ] 0`), make hidden links (`ESC ] 8`), write to the
clipboard (`ESC ] 52`), redraw the screen. Every control character but newline and tab is shown
as a visible `\\u001b`-style escape instead: its sequence is then plain text. The same form is a
valid escape inside a JSON string, so JSON output written through it keeps its exact values.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# What a long command says as it goes (one line at a time, for the terminal).
Progress = Callable[[str], None]

# C0 controls but tab and newline, DEL, and the C1 controls (8-bit CSI, OSC, DCS, ST...).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_for_terminal(text: str) -> str:
    """`text` with each control character (but newline and tab) shown as `\\u001b` etc."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
