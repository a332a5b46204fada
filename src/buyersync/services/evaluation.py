"""Scoring the locator on a labelled folder: accuracy, within one stage, per-stage precision and
recall, the confusion matrix and competitor_led accuracy. Streams the files line by line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from buyersync.errors import BadInput
from buyersync.locate.corpus import read_labelled
from buyersync.method.stages import STAGES, Stage
from buyersync.text import Words


def evidence_files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise BadInput("not_found", where=str(folder))
    files = sorted(folder.glob("*evidence*.jsonl")) + sorted(folder.glob("real/*.jsonl"))
    if not files:
        raise BadInput("field", where=str(folder), field="(folder)",
                       detail=Words("detail.nothing_to_score"))
    return files


def score(rows: Iterable[dict[str, Any]], predict: Any) -> dict[str, Any]:
    """`predict(text)` returns (stage, competitor_led). Rows carry `stage` or `stage_ok`."""
    n = exact = near = comp_n = comp_ok = 0
    confusion = {s: dict.fromkeys(STAGES, 0) for s in STAGES}
    for row in rows:
        got, led = predict(row["text"])
        ok = row.get("stage_ok")
        want = Stage(got if ok and got in ok else (ok[0] if ok else row["stage"]))
        n += 1
        confusion[want][got] += 1
        exact += got == want
        near += abs(got.rank - want.rank) <= 1
        if row.get("competitor_led") is not None:
            comp_n += 1
            comp_ok += led == row["competitor_led"]
    per_stage = {}
    for s in STAGES:
        tp = confusion[s][s]
        support = sum(confusion[s].values())
        predicted = sum(confusion[w][s] for w in STAGES)
        per_stage[s.value] = {"precision": tp / predicted if predicted else None,
                              "recall": tp / support if support else None, "n": support}
    return {
        "n": n, "exact": exact / n if n else 0.0, "within_one": near / n if n else 0.0,
        "competitor_led": comp_ok / comp_n if comp_n else None,
        "per_stage": per_stage,
        "confusion": {w.value: {g.value: c for g, c in row.items() if c}
                      for w, row in confusion.items()},
    }


def evaluate_folder(folder: Path) -> dict[str, Any]:
    from buyersync.locate import default_locator

    locator = default_locator()

    def predict(text: str) -> tuple[Stage, bool | None]:
        loc = locator.locate(text)
        return loc.stage, loc.competitor_led

    return {p.name if p.parent == folder else f"{p.parent.name}/{p.name}":
            score(read_labelled(p), predict) for p in evidence_files(folder)}
