"""What a test needs from the machine, in one place: on a developer's machine that lacks it
the test is skipped; in CI (the `CI` environment variable set, as every CI service sets it)
it fails, so that a green run can never hide that the browser or PostgreSQL tests did not
run. Use these instead of `pytest.importorskip` and `pytest.skip` for the real parts."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(reason: str) -> NoReturn:
    """Skip the test (or the module, when called at import) for `reason`; fail in CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set: what the tests need must be installed)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def need_module(name: str, reason: str | None = None) -> ModuleType:
    """`pytest.importorskip(name)`, except that in CI a missing module is a failure."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        missing(reason or f"{name} is not installed ({e})")
