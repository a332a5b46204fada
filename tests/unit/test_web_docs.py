"""Every web command, option and setting is documented in docs/web.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main

from buyersync.cli import app

DOC = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text("utf-8")


def _command(*path: str) -> Any:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def test_every_option_of_the_web_commands_is_documented():
    for path in (("serve",), ("users", "add"), ("tokens", "create"), ("tokens", "list"),
                 ("tokens", "revoke")):
        assert f"`{' '.join(path)} " in DOC, f"{' '.join(path)} is not in docs/web.md"
        for param in _command(*path).params:
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in DOC, f"{' '.join(path)} {opt} is not in docs/web.md"


def test_every_setting_the_web_app_reads_is_documented():
    for name in ("BUYERSYNC_DB", "BUYERSYNC_TEAM", "BUYERSYNC_SECRET_KEY",
                 "BUYERSYNC_STALLED_DAYS"):
        assert f"`{name}`" in DOC
