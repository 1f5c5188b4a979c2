"""Commands of this group are registered in anthology.cli."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
