"""`buyersync analyze` starts fast: it builds one command's parser, reads no settings
library when no BUYERSYNC_* variable is set, and imports nothing it does not use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from buyersync.cli import app, app_for
from buyersync.cli import common as cli_common
from buyersync.config import Settings

DEMO = Path(__file__).resolve().parents[2] / "src" / "buyersync" / "demo" / "surprise-tender.yaml"


@pytest.mark.parametrize("env", [{}, {"LANG": "zh_CN.UTF-8"}, {"lang": "zh_TW"}, {"LANG": "C.UTF-8"},
                                 {"LANG": "en_GB.UTF-8", "lang": "zh"},
                                 {"BUYERSYNC_LANG": "zh", "LANG": "en_US"},
                                 {"BUYERSYNC_DATE_ORDER": "dmy", "BUYERSYNC_DEBUG": "1"},
                                 {"buyersync_debug": "yes"},
                                 {"BUYERSYNC_PRIORS": "priors.yaml"}])
def test_the_quick_settings_agree_with_the_settings_class(monkeypatch, env):
    _environment(monkeypatch, env)
    full = Settings()
    try:
        assert cli_common.cli_lang() == full.ui_lang
        assert cli_common.cli_date_order() == full.date_order
        assert cli_common.cli_debug() == full.debug
        assert cli_common.cli_priors() == full.priors
    finally:
        cli_common.cli_settings.cache_clear()


def _environment(monkeypatch, env: dict[str, str]) -> None:
    import os

    for key in list(os.environ):
        if key.lower() == "lang" or key.upper().startswith("BUYERSYNC_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    cli_common.cli_settings.cache_clear()


@pytest.mark.parametrize(("env", "lang"), [
    ({"BUYERSYNC_STALLED_DAYS": "not a number", "LANG": "zh_CN", "BUYERSYNC_PRIORS": "p.yaml"}, "zh"),
    ({"BUYERSYNC_STALLED_DAYS": "0", "BUYERSYNC_LANG": "en", "LANG": "zh_CN"}, "en")])
def test_an_unusable_setting_is_refused_naming_its_variable_never_replaced(monkeypatch, env, lang):
    from buyersync.errors import BadInput

    _environment(monkeypatch, env)
    try:
        for read in (cli_common.cli_settings, cli_common.cli_priors, cli_common.cli_date_order):
            with pytest.raises(BadInput) as refused:
                read()
            line = refused.value.render(cli_common.cli_lang())
            assert "BUYERSYNC_STALLED_DAYS" in line and "\n" not in line
            assert env["BUYERSYNC_STALLED_DAYS"] in line
        # the line itself is worded in the language the environment asks for
        assert cli_common.cli_lang() == lang and cli_common.cli_debug() is False
    finally:
        cli_common.cli_settings.cache_clear()


def test_a_command_line_builds_only_its_command():
    one = app_for(["analyze", "x.yaml"])
    assert [c.callback.__name__ for c in one.registered_commands if c.callback] == ["analyze"]
    assert not one.registered_groups
    assert [g.name for g in app_for(["model", "info"]).registered_groups] == ["model"]
    assert app_for(["--help"]) is app and app_for([]) is app and app_for(["no-such"]) is app


def test_analyze_imports_no_pydantic_no_typer_no_numpy_no_web_no_database():
    code = ("import sys, runpy; sys.argv = ['buyersync', 'analyze', sys.argv[1], '--format', 'json'];"
            "import buyersync.cli as c\n"
            "try:\n    c.main()\nexcept SystemExit:\n    pass\n"
            "heavy = ['pydantic', 'pydantic_core', 'pydantic_settings', 'typer', 'click', 'numpy',"
            " 'scipy', 'fastapi', 'sqlalchemy', 'sklearn', 'httpx']\n"
            "sys.stderr.write(' '.join(m for m in heavy if m in sys.modules))")
    env = {k: v for k, v in __import__("os").environ.items() if not k.upper().startswith("BUYERSYNC_")}
    done = subprocess.run([sys.executable, "-c", code, str(DEMO)], capture_output=True, text=True,
                          env=env, check=True)
    assert '"stage"' in done.stdout
    assert done.stderr.strip() == ""


@pytest.mark.parametrize(("args", "parsed"), [
    (["analyze", "d.yaml"], ("d.yaml", "human", None)),
    (["analyze", "d.yaml", "--format", "json"], ("d.yaml", "json", None)),
    (["analyze", "-f", "json", "--lang", "zh", "-"], ("-", "json", "zh")),
    (["analyze", "--lang", "en", "d.json", "-f", "human"], ("d.json", "human", "en")),
])
def test_a_plain_analyze_line_is_parsed_without_typer(args, parsed):
    from buyersync.cli.quick import parse

    assert parse(args) == parsed


@pytest.mark.parametrize("args", [
    [], ["analyze"], ["locate", "x"], ["analyze", "--help"], ["analyze", "d.yaml", "--format=json"],
    ["analyze", "d.yaml", "--format", "xml"], ["analyze", "d.yaml", "-f", "json", "-f", "human"],
    ["analyze", "d.yaml", "e.yaml"], ["analyze", "d.yaml", "--lang"], ["analyze", "d.yaml", "--lang", "fr"],
    ["analyze", "--", "d.yaml"], ["analyze", "d.yaml", "--db", "x"], ["analyze", "-x"],
])
def test_any_other_line_is_left_to_typer(args):
    from buyersync.cli.quick import parse

    assert parse(args) is None


@pytest.mark.parametrize(("quick", "typed"), [
    (["--format", "json"], ["--format=json"]),
    (["-f", "human", "--lang", "zh"], ["-fhuman", "--lang=zh"]),
])
def test_the_plain_line_prints_what_typer_prints(quick, typed):
    """The same command spelled so that the quick parser passes it on to Typer."""
    base = [sys.executable, "-m", "buyersync.cli", "analyze", str(DEMO)]
    by_quick = subprocess.run(base + quick, capture_output=True, text=True, check=True)
    by_typer = subprocess.run(base + typed, capture_output=True, text=True, check=True)
    assert by_quick.stdout == by_typer.stdout and by_quick.stdout.strip()


def test_the_plain_jsonl_locate_line_prints_what_typer_prints():
    """`locate --format jsonl` runs without Typer; `--format=jsonl` goes through Typer: the
    same lines out, the same report of a bad line, the same exit status."""
    from buyersync.cli.quick import _JSONL

    lines = "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                    for i, t in enumerate(["BAFO due Friday; net-60 terms.", "下周三开标，请准时。"]))
    base = [sys.executable, "-m", "buyersync.cli"]
    for src, code in ((lines, 0), (lines + '{"id": 9}\n', 2)):
        by_typer = subprocess.run([*base, "locate", "--format=jsonl"], input=src, capture_output=True,
                                  text=True, check=False)
        for quick in _JSONL:
            by_quick = subprocess.run([*base, *quick], input=src, capture_output=True, text=True,
                                      check=False)
            assert (by_quick.returncode, by_quick.stdout, by_quick.stderr) == \
                (by_typer.returncode, by_typer.stdout, by_typer.stderr)
            assert by_quick.returncode == code and by_quick.stdout.count("\n") == src.count("\n")
