"""The tender package sits at the locate/ floor: it may use method/ and the shared typed
errors and text (the basement), never services/, the store, the web or the CLI."""

from __future__ import annotations

from tests.unit.test_architecture import PACKAGE, imports

ALLOWED = ("buyersync.tender", "buyersync.method", "buyersync.errors", "buyersync.text")


def test_the_tender_package_imports_only_the_floors_below_it() -> None:
    for path in (PACKAGE / "tender").glob("*.py"):
        for name in imports(path):
            if name.startswith("buyersync"):
                assert name.startswith(ALLOWED), f"tender/{path.name} imports {name}"
            assert not name.startswith(("sqlalchemy", "fastapi", "typer", "rich", "starlette")), name
