"""`buyersync tender` as a user runs it: the CONTRACT object, the human view, letters,
datasheets, attaching to a saved deal, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from buyersync.tender.model import FlagKind
from tests.tender_docs import EN_CLEAN, EN_EXPECTED, EN_TENDER, ZH_CLEAN, ZH_EXPECTED, ZH_TENDER, docx_bytes

EXE = [sys.executable, "-m", "buyersync.cli"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "LANG": "C.UTF-8", "TZ": "UTC", **(env or {})})


def tender_file(tmp_path: Path, items: list[tuple[str, object]], name: str) -> str:
    p = tmp_path / name
    p.write_bytes(docx_bytes(items))
    return str(p)


def flagged(report: dict, fragment: str) -> set[str]:
    ids = {c["id"] for c in report["clauses"] if fragment in c["text"]}
    return {f["kind"] for f in report["flags"] if f["clause"] in ids}


def test_the_json_object_has_the_contract_fields_and_flags_the_restrictive_clauses(tmp_path: Path) -> None:
    done = run("tender", tender_file(tmp_path, ZH_TENDER, "监护设备.docx"), "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) >= {"clauses", "flags", "bid_period_days", "summary"}
    assert all(set(c) >= {"id", "location", "text"} for c in report["clauses"])
    ids = {c["id"] for c in report["clauses"]}
    kinds = {k.value for k in FlagKind}
    for f in report["flags"]:
        assert set(f) >= {"clause", "kind", "rule", "citation", "why", "question", "severity"}
        assert f["clause"] in ids and f["kind"] in kinds and f["severity"] in ("high", "medium", "low")
        assert f["citation"] and f["question"]
    for fragment, kind in ZH_EXPECTED.items():
        assert kind in flagged(report, fragment), fragment
    for fragment in ZH_CLEAN:
        assert flagged(report, fragment) == set(), fragment
    assert report["bid_period_days"] == 11
    assert "short_period" in {f["kind"] for f in report["flags"]}
    assert report["summary"]["competitor_led"] is True
    assert report["summary"]["jurisdiction"] == "cn_bid"  # no sign of government procurement in it
    assert "《招标投标法实施条例》第三十二条" in json.dumps(report, ensure_ascii=False)


def test_an_english_tender_cites_the_far_and_asks_in_english(tmp_path: Path) -> None:
    done = run("tender", tender_file(tmp_path, EN_TENDER, "rfp.docx"), "--format", "json")
    report = json.loads(done.stdout)
    for fragment, kind in EN_EXPECTED.items():
        assert kind in flagged(report, fragment), fragment
    for fragment in EN_CLEAN:
        assert flagged(report, fragment) == set(), fragment
    brand = next(f for f in report["flags"] if f["kind"] == "brand_named")
    assert "FAR 11.104" in brand["citation"] and brand["question"].startswith("Clause")
    assert report["bid_period_days"] == 43 and "short_period" not in {f["kind"] for f in report["flags"]}


def test_the_human_view_shows_the_headline_and_each_flag_with_its_location(tmp_path: Path) -> None:
    done = run("tender", tender_file(tmp_path, ZH_TENDER, "t.docx"))
    assert done.returncode == 0, done.stderr
    assert "发现" in done.stdout and "表1第2行" in done.stdout and "飞利浦" in done.stdout


def test_letters_are_written_as_markdown_and_word(tmp_path: Path) -> None:
    out = tmp_path / "letters"
    done = run("tender", tender_file(tmp_path, ZH_TENDER, "t.docx"), "--letters", str(out), "--format", "json")
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    assert len([n for n in names if n.endswith(".docx")]) == 3 and len([n for n in names if n.endswith(".md")]) == 3
    challenge = next(p for p in out.iterdir() if p.name.endswith("challenge.md")).read_text("utf-8")
    assert "质疑函" in challenge and "飞利浦" in challenge and "请求" in challenge
    exchange = next(p for p in out.iterdir() if p.name.endswith("exchange_conditions.md")).read_text("utf-8")
    assert "条款" in exchange and "表1第2行" in exchange


def test_a_datasheet_whose_figures_match_names_the_likely_author(tmp_path: Path) -> None:
    ours = tmp_path / "ours.txt"
    ours.write_text("OurMed M9 监护仪\n重量：4.10 kg\n电池容量：5200 mAh\n", encoding="utf-8")
    theirs = tmp_path / "theirs.md"
    theirs.write_text("# IntelliVue X47 patient monitor\n\n| Weight | 3.47 ± 0.02 kg |\n| Battery | 4850 mAh |\n",
                      encoding="utf-8")
    done = run("tender", tender_file(tmp_path, ZH_TENDER, "t.docx"), "--datasheet", str(ours),
               "--datasheet", str(theirs), "--format", "json")
    report = json.loads(done.stdout)
    author = report["summary"]["likely_author"]
    assert author and "IntelliVue X47" in author["product"] and author["matched"] == 2
    spec = next(f for f in report["flags"] if f["rule"] == "datasheet-match")
    assert spec["severity"] == "high" and "IntelliVue X47" in spec["why"]


def test_attaching_to_a_saved_deal_adds_the_check_as_evidence(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ws.db'}"
    deal = tmp_path / "deal.yaml"
    deal.write_text("name: 监护设备\ncustomer: 某市人民医院\n", encoding="utf-8")
    made = json.loads(run("deals", "import", str(deal), "--db", db, "--format", "json").stdout)
    done = run("tender", tender_file(tmp_path, ZH_TENDER, "t.docx"), "--deal", made[0]["id"], "--db", db,
               "--format", "json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(run("deals", "show", made[0]["id"], "--db", db, "--format", "json").stdout)
    kept = [e for e in shown["evidence"] if (e.get("source") or "").startswith("tender:")]
    assert kept and "size_threshold" in kept[0]["text"]
    assert shown["drivers"].get("measures") == "competitor"  # the specs were written by someone else


def test_a_bad_file_exits_2_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04garbage")
    for path in (str(broken), str(tmp_path / "missing.pdf")):
        done = run("tender", path, "--format", "json")
        assert done.returncode == 2 and done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
