"""Locating at scale on a Dask cluster of several worker processes on this machine gives
the lines `buyersync locate --format jsonl` gives, in the same order."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")

from buyersync.services import scale  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _sample(path: Path, n: int) -> str:
    """n lines of the project's training texts (Chinese and English), ids of several kinds,
    a blank line and two bad lines among them."""
    texts = [json.loads(line)["text"] for f in sorted((ROOT / "data" / "training").glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) > 100
    lines = []
    for i, text in zip(range(n), itertools.cycle(texts[::7]), strict=False):
        item_id: Any = i if i % 3 else f"m-{i}"
        lines.append(json.dumps({"id": item_id, "text": text}, ensure_ascii=False))
    lines[n // 3] = "{not json"
    lines[n // 2] = json.dumps({"id": "empty", "text": "  "})
    lines.insert(n // 4, "")
    body = "\n".join(lines) + "\n"
    path.write_text(body, encoding="utf-8")
    return body


def _cli(body: str) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "buyersync.cli", "locate", "--format", "jsonl"],
                          input=body, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "line" in done.stderr  # the bad lines are reported
    return [json.loads(x) for x in done.stdout.splitlines()]


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    local = scale.local_cluster(3)
    try:
        yield local
    finally:
        local.close()


def _model_loaded() -> int:
    from buyersync.locate.locator import default_locator

    return default_locator.cache_info().currsize


def test_a_bag_on_three_worker_processes_equals_the_cli(cluster, tmp_path):
    from distributed import Client

    body = _sample(tmp_path / "notes.jsonl", 900)
    bag = scale.read_lines([str(tmp_path / "notes.jsonl")], blocksize=12_000)
    assert bag.npartitions >= 6
    with Client(cluster) as client:
        located = scale.locate_bag(bag).compute()
        loaded = client.run(_model_loaded)
    assert [json.loads(x) for x in located] == _cli(body)
    assert len(loaded) == 3 and sum(loaded.values()) >= 2  # the work was spread out
    errors = [json.loads(x) for x in located if '"error"' in x]
    assert [e["id"] for e in errors] == [None, "empty"]


def test_locate_files_writes_in_input_order_with_few_partitions_in_flight(cluster, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    body = _sample(first, 400) + _sample(second, 300)
    out = io.StringIO()
    report = scale.locate_files([str(first), str(second)], out,
                                scheduler=cluster.scheduler_address, blocksize=6_000, window=2)
    assert report.workers == 3 and report.partitions >= 4
    assert report.lines == 700 and report.failed == 4  # blank lines give none
    assert [json.loads(x) for x in out.getvalue().splitlines()] == _cli(body)


def test_a_missing_input_is_bad_input(cluster, tmp_path):
    from buyersync.errors import BadInput

    with pytest.raises(BadInput, match="no such file"):
        scale.locate_files([str(tmp_path / "nope.jsonl")], io.StringIO(),
                           scheduler=cluster.scheduler_address)
