"""Real public notices (../shared/corpus/real, when present): every one is read, and the
red flags stay rare on notices that are mostly ordinary (a guard against false alarms)."""

from __future__ import annotations

import json
from pathlib import Path

from buyersync.tender import check, read_bytes


def test_real_notices_are_read_and_few_of_them_raise_a_flag(corpus: Path) -> None:
    lines = (corpus / "real" / "notices.jsonl").read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    flagged = 0
    for row in rows:
        report = check(read_bytes(row["text"].encode("utf-8"), f"{row['id']}.txt"))
        assert report.clauses, row["id"]
        flagged += bool(report.flags)
    assert flagged <= len(rows) * 0.1, f"{flagged} of {len(rows)} notices flagged"
