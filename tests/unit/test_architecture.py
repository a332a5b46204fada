"""The floors hold: every module's imports of the project are checked against one table,
the one docs/architecture.md draws (a room may import the rooms listed for it and itself,
nothing else), and frameworks stay out of the floors that must not know them."""

from __future__ import annotations

import ast
from pathlib import Path

import buyersync

PACKAGE = Path(buyersync.__file__).parent
FRAMEWORKS = ("sqlalchemy", "fastapi", "typer", "rich", "starlette", "uvicorn", "alembic")

BASEMENT = {"text", "errors", "config"}
BELOW_SERVICES = BASEMENT | {"method", "locate", "learning", "tender", "store", "imports"}
BELOW_ENTRY = BELOW_SERVICES | {"services"}

#: room → the rooms of the project it may import (docs/architecture.md). `store.records`
#: names one module: the records the CRM importer hands to whoever saves them.
ALLOWED: dict[str, set[str]] = {
    "datafile": set(),  # the package's YAML files through a compiled copy (basement)
    "text": {"datafile"},
    "errors": {"text"},
    "config": {"text"},
    "quickenv": set(),  # the environment for the CLI's cold start, beside config.py
    "method": {"datafile"},
    "locate": {"method", "text", "errors", "datafile"},
    "learning": {"method"},
    "tender": {"method", "text", "errors"},
    "store": {"locate", "method", "text", "errors", "config"},
    "imports": {"locate", "method", "text", "errors", "config", "store.records"},
    "services": BELOW_SERVICES,
    "mcp": BELOW_ENTRY,
    "web": BELOW_ENTRY | {"mcp"},  # the assistant's endpoint is mounted at /mcp
    "cli": BELOW_ENTRY | {"quickenv", "web", "mcp"},  # serve and mcp start them
    "__main__": {"cli"},
}
#: rooms that must not know a framework (SQLAlchemy, FastAPI, Typer, Rich, …)
NO_FRAMEWORKS = {"text", "errors", "config", "method", "locate", "learning", "tender",
                 "imports", "services"}
NO_FRAMEWORKS_EXCEPT = {"services": {"sqlalchemy"}, "imports": set()}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: a relative import"
            names.add(node.module)
    return names


def room_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if room_of(p) != "__init__"]


def test_every_room_is_in_the_table():
    assert {room_of(p) for p in modules()} <= set(ALLOWED), \
        f"add the new room to ALLOWED and docs/architecture.md: {set(map(room_of, modules())) - set(ALLOWED)}"


def test_every_module_imports_only_the_rooms_its_floor_allows():
    wrong = []
    for path in modules():
        room = room_of(path)
        allowed = ALLOWED[room] | {room}
        for name in imports(path):
            if not name.startswith("buyersync."):
                continue
            target = name.split(".")[1]
            dotted = ".".join(name.split(".")[1:3])
            if target not in allowed and dotted not in allowed:
                wrong.append(f"{path.relative_to(PACKAGE)} ({room}) imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_lower_floors_know_no_framework():
    wrong = []
    for path in modules():
        room = room_of(path)
        if room not in NO_FRAMEWORKS:
            continue
        allowed = NO_FRAMEWORKS_EXCEPT.get(room, set())
        for name in imports(path):
            top = name.split(".")[0]
            if top in FRAMEWORKS and top not in allowed:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_table_catches_a_floor_broken_on_purpose(tmp_path):
    # the checks above fail for the reason their names give: a method module that
    # imports the store, and a service that draws a Rich bar
    bad = tmp_path / "bad.py"
    bad.write_text("from buyersync.store import db\nimport rich.progress\n", "utf-8")
    names = imports(bad)
    assert "buyersync.store" in names and "store" not in ALLOWED["method"]
    assert "rich.progress" in names and "services" in NO_FRAMEWORKS
