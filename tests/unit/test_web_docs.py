"""Every web command, option and setting is documented in docs/web.md."""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path
from typing import Any

import typer.main

import buyersync
from buyersync.cli import app
from buyersync.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(buyersync.__file__).parent
DOC = (ROOT / "docs" / "web.md").read_text("utf-8")


def _command(*path: str) -> Any:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


def test_every_option_of_the_web_commands_is_documented():
    for path in (("serve",), ("users", "add"), ("users", "list"), ("users", "remove"),
                 ("users", "password"), ("tokens", "create"), ("tokens", "list"),
                 ("tokens", "revoke")):
        assert f"`{' '.join(path)} " in DOC, f"{' '.join(path)} is not in docs/web.md"
        for param in _command(*path).params:
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in DOC, f"{' '.join(path)} {opt} is not in docs/web.md"


def _settings_read_by(package: str) -> set[str]:
    """The Settings fields the modules of `package` read: `settings.FIELD` directly, or a
    property or method of Settings (`settings.embedded`, `settings.database_url()`) and
    the fields that one reads in turn."""
    fields = set(Settings.model_fields)

    def reads(name: str) -> set[str]:
        if name in fields:
            return {name}
        member = getattr(Settings, name, None)
        function = member.fget if isinstance(member, property) else member
        if function is None or not callable(function):
            return set()
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        return {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name) and n.value.id == "self" and n.attr in fields}

    found: set[str] = set()
    for path in (PACKAGE / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Attribute) and \
                    ast.unparse(node.value).rsplit(".", 1)[-1] in ("settings", "_settings"):
                found |= reads(node.attr)
    return found


def test_every_setting_the_web_app_reads_is_documented():
    read = _settings_read_by("web")
    assert {"team", "secret_key", "db", "max_body_bytes", "allowed_hosts"} <= read, read
    missing = sorted(f"BUYERSYNC_{name.upper()}" for name in read
                     if f"`BUYERSYNC_{name.upper()}`" not in DOC)
    assert not missing, f"read by web/ but not in docs/web.md: {missing}"


def test_every_setting_is_documented_somewhere():
    docs = "".join(p.read_text("utf-8") for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    missing = sorted(n for n in (f"BUYERSYNC_{f.upper()}" for f in Settings.model_fields)
                     if f"`{n}`" not in docs)
    assert not missing, f"settings in no document: {missing}"
