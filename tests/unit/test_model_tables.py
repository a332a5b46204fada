"""The model read with the standard library (locate/tables.py) answers exactly what the
NumPy model answers, so a process may start with either; and `analyze` starts without NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from buyersync.locate import tables
from buyersync.locate.model import StageModel, gram_hashes, shipped_model
from buyersync.locate.tables import ModelTables, ShippedModel, shipped_tables
from buyersync.method.stages import STAGES

TEXTS = ["收到招标代理发来的招标文件，下周三开标。", "x", "", "a\x00b", "BAFO due Friday; net-60 terms.",
         "The CFO asked for the payback period before the board meets.", "   ",
         "中标候选人公示\n第一中标候选人：某某公司。" * 20, "ééé İstanbul ǅ \U0001f600 rfp  RFP", "招标招标招标"]


def small_model() -> StageModel:
    rng = np.random.default_rng(11)
    terms = ["招", "招标", "标公告", " rf", "rfp ", "p", "bafo", "cfo", "the", "下周", "开标", "é", "\U0001f600"]
    coef = rng.normal(size=(len(terms), 9)).astype(np.float32)
    coef[1] = coef[0]  # equal weights: the order among them is part of the answer
    return StageModel(terms=terms, idf=rng.uniform(1, 3, len(terms)).astype(np.float32).astype(np.float64),
                      stage_coef=coef, stage_bias=rng.normal(size=9).astype(np.float32).astype(np.float64),
                      comp_coef=rng.normal(size=(len(terms), 3)).astype(np.float32),
                      comp_bias=rng.normal(size=3).astype(np.float32).astype(np.float64),
                      meta={"version": "test", "名": "模型"})


def assert_same_answers(full: StageModel, table: ModelTables, texts: list[str]) -> None:
    for text in texts:
        idx, w = full.features(text)
        t_idx, t_w = table.features(text)
        assert t_idx == idx.tolist() and t_w == w.tolist(), text  # exactly, not approximately
        assert table.predict_features(t_idx, t_w) == full.predict_features(idx, w), text
        for stage in STAGES:
            assert table.top_features(stage, t_idx, t_w, 24) == full.top_features(stage, idx, w, 24)


def test_the_tables_of_a_saved_model_answer_exactly_what_the_numpy_model_answers(tmp_path):
    small_model().save(tmp_path / "m.npz")
    full = StageModel.load(tmp_path / "m.npz")
    table = ModelTables.open(tmp_path / "m.npz")
    assert table is not None
    assert list(table.terms) == full.terms and table.meta == full.meta
    assert_same_answers(full, table, TEXTS)


def test_the_plain_python_hashes_are_numpys():
    for text in TEXTS:
        assert sorted(tables._gram_hashes(tables.normalise(text))) == sorted(gram_hashes(text).tolist())


def test_equal_weights_are_ranked_in_feature_order():
    model = small_model()
    idx, w = model.features("招标")  # 招 and 招标: the same coefficients, counts and idf differ
    ranked = model.top_features(STAGES[0], idx, w, 5)
    assert [weight for weight, _ in ranked] == sorted((weight for weight, _ in ranked), reverse=True)
    same = tables.ranked([0.5, 0.5, 0.7, 0.5], [9, 3, 4, 1], 3)
    assert same == [(0.7, 4), (0.5, 1), (0.5, 3)]


@pytest.mark.parametrize("padded", [True, False])  # the few near the top sorted, or all
@pytest.mark.parametrize("k", [1, 2, 5, 24])
def test_features_ranked_for_many_texts_at_once_are_those_ranked_one_text_at_a_time(k, padded, monkeypatch):
    if not padded:
        monkeypatch.setattr("buyersync.locate.model._PADDED", 0)
    for model in (small_model(), shipped_model()):
        assert model is not None
        asks = [(STAGES[i % len(STAGES)], *model.features(text))
                for i, text in enumerate([*TEXTS, *TEXTS[::-1]])]
        asks = [ask for ask in asks if len(ask[1])]
        assert model.top_features_many(asks, k) == [model.top_features(*ask, k) for ask in asks]
    # equal weights, wherever the cut falls: small_model's first two terms share their
    # coefficients, and here their TF-IDF weights too
    model = small_model()
    idx, w = np.arange(len(model.terms)), np.full(len(model.terms), 0.25)
    assert all(model.stage_weights(stage, idx, w)[0] == model.stage_weights(stage, idx, w)[1] for stage in STAGES)
    for cut in range(1, len(idx) + 1):
        one = [model.top_features(stage, idx, w, cut) for stage in STAGES]
        assert model.top_features_many([(stage, idx, w) for stage in STAGES], cut) == one


def test_the_shipped_tables_answer_as_the_shipped_model_does():
    full, table = shipped_model(), shipped_tables()
    assert full is not None and table is not None
    assert table.meta == full.meta and len(table.terms) == len(full.terms)
    assert_same_answers(full, table, TEXTS)


def test_a_file_in_an_older_layout_is_left_to_numpy(tmp_path):
    model = small_model()
    np.savez(tmp_path / "old.npz", vocab=np.array("\n".join(model.terms)), idf=model.idf,
             stage_coef=model.stage_coef, stage_bias=model.stage_bias, comp_coef=model.comp_coef,
             comp_bias=model.comp_bias, meta=np.array("{}"))  # no hash table, text as a NumPy string
    assert ModelTables.open(tmp_path / "old.npz") is None
    assert StageModel.load(tmp_path / "old.npz").terms == model.terms
    np.savez_compressed(tmp_path / "packed.npz", x=np.zeros(3))
    assert ModelTables.open(tmp_path / "packed.npz") is None


@pytest.mark.parametrize("batch", [1, 40])
def test_the_shipped_model_switches_to_numpy_past_a_few_texts_with_the_same_answers(tmp_path, batch):
    small_model().save(tmp_path / "m.npz")
    loads = []

    def load() -> StageModel:
        loads.append(1)
        return StageModel.load(tmp_path / "m.npz")

    table = ModelTables.open(tmp_path / "m.npz")
    assert table is not None
    model = ShippedModel(table, load)
    vocabulary = model.terms  # the tables' (decoded a term at a time) until NumPy's is loaded
    assert vocabulary is table.terms
    reference = load().score_many(TEXTS)  # NumPy, one by one (fewer than SPARSE_FROM texts)
    loads.clear()
    texts = (TEXTS * 20)[: tables.FEW + 5]
    answers = []
    for i in range(0, len(texts), batch):
        stage, comp, _ = model.score_many(texts[i : i + batch])
        answers += list(zip(stage, comp, strict=True))
        assert bool(loads) == (i + batch > tables.FEW)  # loaded once the tables' share is spent
    by_text = {t: (s, c) for t, s, c in zip(TEXTS, *reference[:2], strict=True)}
    if batch == 1:  # the tables and NumPy's one-by-one path: exactly equal
        assert answers == [by_text[t] for t in texts]
    else:  # a batch of 32 or more is one sparse product: equal to rounding
        for (s, c), t in zip(answers, texts, strict=True):
            assert np.allclose(s, by_text[t][0], rtol=0, atol=1e-12)
            assert np.allclose(c, by_text[t][1], rtol=0, atol=1e-12)
    assert len(loads) == 1
    # then the NumPy model's list: the same terms, without a decode per term quoted
    assert isinstance(model.terms, list) and model.terms == list(vocabulary)


def test_the_fast_order_by_text_then_weight_is_the_stable_sort():
    from buyersync.locate.model import _by_text_then_weight

    rng = np.random.default_rng(5)
    for texts in (1, 2, 7, 60):
        lengths = rng.integers(0, 40, size=texts)
        # few distinct values: many ties, within a text and across texts; 0.0 and -0.0 alike
        row = rng.choice([0.5, -0.25, 0.0, -0.0, 1e-300, 3.0], size=int(lengths.sum()))
        stable = np.lexsort((-row, np.repeat(np.arange(texts), lengths)))
        assert _by_text_then_weight(row, lengths).tolist() == stable.tolist()
