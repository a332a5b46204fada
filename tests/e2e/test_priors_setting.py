"""BUYERSYNC_PRIORS reaches every analysis through Settings: the terminal's `analyze`, a
workspace's saved deals and the web's quick analysis; a bad file is one line, exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from buyersync.config import Settings
from buyersync.method.model import Deal
from buyersync.method.stages import Lang
from buyersync.services.deals import DealService
from buyersync.web.app import create_app

EXE = [sys.executable, "-m", "buyersync.cli"]
OVERRIDE = "win_probability:\n  solution: {following: 0.61, pull_back: 0.62, in_step: 0.63}\n"
DEAL = "name: Priors check\nlang: en\nstage: solution\n"
OURS = {0.61, 0.62, 0.63}


def _analyze(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    deal = tmp_path / "deal.yaml"
    deal.write_text(DEAL, "utf-8")
    return subprocess.run([*EXE, "analyze", str(deal), "--format", "json"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env})


def test_the_terminal_analysis_uses_the_priors_file_the_environment_names(tmp_path):
    priors = tmp_path / "priors.yaml"
    priors.write_text(OVERRIDE, "utf-8")
    plain = _analyze(tmp_path)
    laid = _analyze(tmp_path, BUYERSYNC_PRIORS=str(priors))
    assert plain.returncode == laid.returncode == 0, (plain.stderr, laid.stderr)
    assert json.loads(plain.stdout)["tradeoff"]["win_probability"] not in OURS
    assert json.loads(laid.stdout)["tradeoff"]["win_probability"] in OURS


def test_a_bad_priors_file_is_one_line_in_the_users_language_and_exit_2(tmp_path):
    bad = tmp_path / "priors.yaml"
    bad.write_text("- not\n- a mapping\n", "utf-8")
    done = _analyze(tmp_path, BUYERSYNC_PRIORS=str(bad), BUYERSYNC_LANG="zh")
    assert done.returncode == 2 and not done.stdout
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "BUYERSYNC_PRIORS" in done.stderr and "先验" in done.stderr


def test_a_workspace_and_the_web_analyse_with_the_settings_priors(tmp_path):
    priors = tmp_path / "priors.yaml"
    priors.write_text(OVERRIDE, "utf-8")
    settings = Settings(db=f"sqlite:///{tmp_path / 'w.sqlite3'}", priors=priors,
                        allowed_hosts="testserver")
    with DealService(settings=settings) as service:
        deal_id = service.create(Deal.model_validate({"name": "Saved", "lang": "en",
                                                      "stage": "solution"}))
        assert service.get(deal_id).analysis.tradeoff.win_probability in OURS
        # a changed file is never served from the analysis cache
        priors.write_text(OVERRIDE.replace("0.6", "0.7"), "utf-8")
        stat = priors.stat()
        os.utime(priors, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        assert service.get(deal_id).analysis.tradeoff.win_probability in {0.71, 0.72, 0.73}
        priors.write_text(OVERRIDE, "utf-8")
        os.utime(priors, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2 * 10**9))
        with TestClient(create_app(settings, deals=service)) as client:
            quick = client.post("/api/v1/analyze", json={"name": "Quick", "lang": "en",
                                                         "stage": "solution"})
            assert quick.status_code == 200
            assert quick.json()["tradeoff"]["win_probability"] in OURS
            # the deal room in the other language: the same service, planned in Chinese
            other = client.app.state.ctx.deals.get(deal_id, lang=Lang.zh)  # type: ignore[attr-defined]
            assert other.analysis.lang is Lang.zh
            assert other.analysis.tradeoff.win_probability in OURS
