"""What start-up reads cheaply reads the same: the model's vocabulary one term at a time, and
the Chinese-character pattern written as one range less a gap."""

from __future__ import annotations

import pytest

from buyersync.locate import locator
from buyersync.locate.tables import Vocabulary, shipped_tables
from buyersync.method.textlang import is_cjk


def test_the_cjk_pattern_matches_exactly_the_characters_is_cjk_names():
    for code in [*range(0x10000), 0x20000, 0x2A6DF, 0x10FFFF]:
        ch = chr(code)
        assert (locator._CJK.search(ch) is not None) == is_cjk(ch), hex(code)
    assert locator._CJK.search("ab ䷀ cd") is None and locator._CJK.search("ab ䷀ 采") is not None


def test_the_vocabulary_read_term_by_term_equals_the_whole_split():
    tables = shipped_tables()
    if tables is None:
        pytest.skip("no shipped model")
    whole = bytes(tables._arrays["vocab"][0]).decode("utf-8").split("\n")
    terms = tables.terms
    assert len(terms) == len(whole) > 1000
    assert list(terms) == whole
    assert terms[-1] == whole[-1] and terms[3:7] == whole[3:7]


def test_a_vocabulary_without_a_file_to_keep_its_index_beside_still_reads(tmp_path):
    data = "a\n采购\n\nlast".encode()
    terms = Vocabulary(memoryview(data), None)
    assert list(terms) == ["a", "采购", "", "last"]
    kept = Vocabulary(memoryview(data), tmp_path / "model.npz")
    again = Vocabulary(memoryview(data), tmp_path / "model.npz")  # read from the kept index
    assert list(kept) == list(again) == ["a", "采购", "", "last"]
    assert any((tmp_path / "__pycache__").iterdir())
