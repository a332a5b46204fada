"""The package's YAML files read through their compiled copies: the same data as parsing
the file, and never an old copy once the file has changed."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest
import yaml

import buyersync
from buyersync.datafile import compiled_path, load_yaml

PACKAGE = Path(buyersync.__file__).parent
DATA_FILES = sorted(p for p in PACKAGE.rglob("*.yaml")
                    if "demo" not in p.parts and "maps" not in p.parts)


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_data_file_reads_as_the_yaml_parser_reads_it(path):
    expected = yaml.safe_load(path.read_text("utf-8"))
    assert load_yaml(path) == expected  # the first read may write the copy
    assert load_yaml(path) == expected  # the second reads it


def test_the_copy_is_what_a_second_read_returns(tmp_path):
    path = tmp_path / "signals.yaml"
    path.write_text("stages:\n  problem: [a, b]\n", "utf-8")
    load_yaml(path)
    copy = compiled_path(path, path.read_bytes())
    assert marshal.loads(copy.read_bytes()) == {"stages": {"problem": ["a", "b"]}}
    copy.write_bytes(marshal.dumps({"from": "the copy"}))
    assert load_yaml(path) == {"from": "the copy"}


def test_an_edited_file_is_parsed_again_and_its_old_copy_dropped(tmp_path):
    path = tmp_path / "signals.yaml"
    path.write_text("weight: 1.0\n", "utf-8")
    assert load_yaml(path) == {"weight": 1.0}
    old = compiled_path(path, path.read_bytes())
    assert old.is_file()
    path.write_text("weight: 2.5\n", "utf-8")  # same size, same second: only the content differs
    assert load_yaml(path) == {"weight": 2.5}
    assert not old.exists()
    assert [p.name for p in old.parent.iterdir()] == [compiled_path(path, path.read_bytes()).name]


def test_a_damaged_copy_is_parsed_around_and_replaced(tmp_path):
    path = tmp_path / "cues.yaml"
    path.write_text("before: {zh: [尚未]}\n", "utf-8")
    copy = compiled_path(path, path.read_bytes())
    copy.parent.mkdir()
    copy.write_bytes(b"\xff\x00 not marshal")
    assert load_yaml(path) == {"before": {"zh": ["尚未"]}}
    assert marshal.loads(copy.read_bytes()) == {"before": {"zh": ["尚未"]}}


def test_a_folder_that_cannot_hold_copies_still_reads(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("a: [1, 2]\n", "utf-8")
    (tmp_path / "__pycache__").write_text("a file where the folder would go", "utf-8")
    assert load_yaml(path) == {"a": [1, 2]}
    assert load_yaml(path) == {"a": [1, 2]}


def test_data_marshal_cannot_hold_is_parsed_each_time(tmp_path):
    import datetime as dt

    path = tmp_path / "dated.yaml"
    path.write_text("when: 2026-03-01\n", "utf-8")
    assert load_yaml(path) == {"when": dt.date(2026, 3, 1)}
    assert not compiled_path(path, path.read_bytes()).exists()
