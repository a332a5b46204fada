"""The helper for what tests need from the machine: skip on a laptop, fail in CI."""

from __future__ import annotations

import pytest

from tests.required import missing, need_module


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_a_missing_module_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="no_such_module_for_buyersync"):
        need_module("no_such_module_for_buyersync")
    with pytest.raises(pytest.fail.Exception, match="no chromium"):
        missing("no chromium")


@pytest.mark.parametrize("value", [None, "", "0", "false"])
def test_a_missing_module_skips_outside_ci(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match="no_such_module_for_buyersync"):
        need_module("no_such_module_for_buyersync")
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        missing("no chromium")


def test_a_present_module_is_returned(monkeypatch):
    monkeypatch.setenv("CI", "1")
    assert need_module("json").dumps([]) == "[]"
