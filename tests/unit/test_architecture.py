"""The method is the ground floor: it imports nothing of the project outside itself."""

from __future__ import annotations

import ast
from pathlib import Path

import buyersync

PACKAGE = Path(buyersync.__file__).parent
FORBIDDEN = ("sqlalchemy", "fastapi", "typer", "rich", "starlette", "uvicorn", "alembic")


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_method_imports_only_itself_and_plain_libraries():
    for path in (PACKAGE / "method").glob("*.py"):
        for name in imports(path):
            if name.startswith("buyersync"):
                assert name.startswith("buyersync.method"), f"{path.name} imports {name}"
            assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


def test_nothing_imports_an_entry_point():
    entry_points = ("buyersync.cli", "buyersync.web", "buyersync.mcp")
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("cli", "web", "mcp", "__main__.py"):
            continue
        for name in imports(path):
            assert not name.startswith(entry_points), f"{rel} imports {name}"


def test_learning_is_pure_statistics_on_rows():
    for path in (PACKAGE / "learning").glob("*.py"):
        for name in imports(path):
            if name.startswith("buyersync"):
                assert name.startswith(("buyersync.method", "buyersync.learning")), \
                    f"learning/{path.name} imports {name}"
            assert not name.startswith(FORBIDDEN), f"learning/{path.name} imports {name}"
