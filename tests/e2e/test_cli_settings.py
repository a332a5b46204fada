"""A setting with a value the CLI cannot use is refused with one line naming the setting and
the values it takes (exit 2), never silently replaced."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = [sys.executable, "-m", "buyersync.cli"]
DEAL = "name: x\nevidence:\n  - {text: the customer sent the RFP, date: 02/04/2026}\n"


def run(tmp_path: Path, lang: str, order: str) -> subprocess.CompletedProcess[str]:
    deal = tmp_path / "deal.yaml"
    deal.write_text(DEAL, encoding="utf-8")
    env = {**os.environ, "BUYERSYNC_LANG": lang, "BUYERSYNC_DATE_ORDER": order, "COLUMNS": "200"}
    env.pop("BUYERSYNC_DB", None)
    return subprocess.run([*EXE, "analyze", str(deal), "--format", "json"], capture_output=True,
                          text=True, timeout=60, env=env)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_unknown_date_order_is_one_line_naming_the_setting(tmp_path: Path, lang: str) -> None:
    # an unusable environment falls back to the default settings, the language among them
    p = run(tmp_path, lang, "ymd")
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr
    for part in ("BUYERSYNC_DATE_ORDER", "mdy", "dmy", "ymd"):
        assert part in lines[0], lines[0]


@pytest.mark.parametrize("order", ["mdy", "dmy"])
def test_an_allowed_date_order_is_used(tmp_path: Path, order: str) -> None:
    p = run(tmp_path, "en", order)
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_bad_variable_is_refused_rather_than_every_setting_dropped(tmp_path: Path, lang: str) -> None:
    # before: a bad BUYERSYNC_STALLED_DAYS put every setting back to its default, so the
    # analysis silently ran without the BUYERSYNC_PRIORS the user had set
    priors = tmp_path / "priors.yaml"
    priors.write_text("{}\n", "utf-8")
    deal = tmp_path / "deal.yaml"
    deal.write_text(DEAL, encoding="utf-8")
    env = {**os.environ, "BUYERSYNC_LANG": lang, "BUYERSYNC_STALLED_DAYS": "three weeks",
           "BUYERSYNC_PRIORS": str(priors)}
    p = subprocess.run([*EXE, "analyze", str(deal), "--format", "json"], capture_output=True,
                       text=True, timeout=60, env=env)
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr
    assert "BUYERSYNC_STALLED_DAYS" in lines[0] and "three weeks" in lines[0]
    assert ("收到的是" if lang == "zh" else "got") in lines[0]
