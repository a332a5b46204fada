"""`facts.has` answers a process's first questions with plain `in` tests and later ones with
a compiled pattern: both must say the same of every text."""

from __future__ import annotations

import pytest

from buyersync.locate.training import load_rows
from buyersync.method import facts
from buyersync.method import knowledge as kb


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    texts = [row["text"] for row in load_rows([])][::7]
    return [s for t in texts for s in facts.sentences(t)] + ["", "ÉTÉ", "İstanbul", "招标"]


def test_plain_tests_and_the_compiled_pattern_agree_on_every_kind(monkeypatch, sentences):
    kinds = list(kb.facts_file())
    assert len(kinds) > 10
    for kind in kinds:
        if not isinstance(kb.facts_file()[kind], dict):
            continue
        monkeypatch.setattr(facts, "_searched", {})  # a fresh process: plain tests first
        plain = [facts.has(s, kind) for s in sentences[: facts._PLAIN_SEARCHES]]
        assert facts._searched[kind] == facts._PLAIN_SEARCHES
        compiled = [facts.has(s, kind) for s in sentences[: facts._PLAIN_SEARCHES]]
        assert plain == compiled, kind
        matcher = facts._matcher(kind)
        assert [facts.has(s, kind) for s in sentences] == \
            [matcher is not None and matcher.search(s.lower()) is not None for s in sentences]
        # every cue is found by both: in a sentence of its own, in upper case
        for cue in facts._cue_set(kind)[:5]:
            said = f"they said: {cue.upper()} yesterday"
            if said.lower() != f"they said: {cue} yesterday":
                continue  # a cue whose upper case does not lower back (ß, İ)
            monkeypatch.setattr(facts, "_searched", {})
            assert facts.has(said, kind)
            monkeypatch.setattr(facts, "_searched", {kind: facts._PLAIN_SEARCHES})
            assert facts.has(said, kind)
