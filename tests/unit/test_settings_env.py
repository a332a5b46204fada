"""`config.Settings` is the only reader of the environment; the method takes the priors
file as an argument and the services word a bad one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import buyersync
from buyersync.config import Settings
from buyersync.errors import BadInput
from buyersync.method import knowledge as kb
from buyersync.services.analysis import load_priors

PACKAGE = Path(buyersync.__file__).parent
OVERRIDE = "win_probability:\n  solution: {following: 0.61, pull_back: 0.62, in_step: 0.63}\n"


def _reads_environment(tree: ast.AST) -> list[int]:
    """Lines that touch os.environ, os.getenv or os.putenv (by attribute or by name)."""
    names = {"environ", "getenv", "putenv", "environb", "getenvb"}
    found = []
    for node in ast.walk(tree):
        attribute = isinstance(node, ast.Attribute) and node.attr in names
        imported = isinstance(node, ast.ImportFrom) and node.module == "os" and any(
            a.name in names for a in node.names)
        if attribute or imported:
            found.append(node.lineno)
    return found


def test_no_module_but_config_reads_the_environment():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in ("config.py", "quickenv.py"):  # Settings, and its cold-start shortcut
            continue
        lines = _reads_environment(ast.parse(path.read_text("utf-8")))
        if lines:
            offenders[rel] = lines
    assert not offenders, f"read the environment through config.Settings: {offenders}"


def test_the_scan_sees_each_way_of_reading_the_environment():
    for source in ("import os\nos.environ.get('X')", "import os\nos.getenv('X')",
                   "from os import environ\nenviron['X']", "from os import getenv"):
        assert _reads_environment(ast.parse(source)), source
    assert not _reads_environment(ast.parse("settings.environment = 1"))


def test_the_method_ignores_the_environment_and_reads_the_file_it_is_given(tmp_path, monkeypatch):
    override = tmp_path / "priors.yaml"
    override.write_text(OVERRIDE, "utf-8")
    monkeypatch.setenv("BUYERSYNC_PRIORS", str(override))
    shipped = kb.priors()
    assert shipped["win_probability"]["solution"]["in_step"] != 0.63
    laid = kb.priors(override)
    assert laid["win_probability"]["solution"]["in_step"] == 0.63
    assert laid["win_probability"]["value"] == shipped["win_probability"]["value"]


def test_settings_read_the_priors_file_and_the_language_from_the_environment(tmp_path, monkeypatch):
    override = tmp_path / "priors.yaml"
    override.write_text(OVERRIDE, "utf-8")
    monkeypatch.setenv("BUYERSYNC_PRIORS", str(override))
    monkeypatch.setenv("BUYERSYNC_LANG", "zh")
    settings = Settings()
    assert settings.priors == override and settings.ui_lang == "zh"
    assert load_priors(settings.priors)["win_probability"]["solution"]["in_step"] == 0.63
    monkeypatch.delenv("BUYERSYNC_LANG")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert Settings().ui_lang == "en"


def test_a_changed_priors_file_is_read_again(tmp_path):
    override = tmp_path / "priors.yaml"
    override.write_text(OVERRIDE, "utf-8")
    assert load_priors(override)["win_probability"]["solution"]["in_step"] == 0.63
    override.write_text(OVERRIDE.replace("0.63", "0.64"), "utf-8")
    import os

    stat = override.stat()
    os.utime(override, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_priors(override)["win_probability"]["solution"]["in_step"] == 0.64


@pytest.mark.parametrize(("content", "key"), [
    (None, "not_found"),
    ("- a list\n- not a mapping\n", "priors_file"),
    ("win_probability: [unclosed\n", "priors_file"),
])
def test_a_bad_priors_file_is_one_bad_input_naming_it(tmp_path, content, key):
    path = tmp_path / "priors.yaml"
    if content is not None:
        path.write_text(content, "utf-8")
    with pytest.raises(BadInput) as caught:
        load_priors(path)
    assert caught.value.key == key
    assert "BUYERSYNC_PRIORS" in str(caught.value) and str(path) in str(caught.value)
    assert "\n" not in caught.value.render("zh")
