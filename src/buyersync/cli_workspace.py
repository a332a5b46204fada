"""The workspace commands of `buyersync` (registered on the main app by cli.py).

Keep imports inside the command functions: this module is imported on every CLI start.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
