"""The model file and the batch path: what `model train` writes loads back the same, and
`locate --format jsonl` answers exactly what one-by-one location answers."""

from __future__ import annotations

import numpy as np

from buyersync.locate import default_locator
from buyersync.locate.model import StageModel, term_hashes

TEXTS = ["收到招标代理发来的招标文件，下周三开标。", "x", "a\x00b", "BAFO due Friday; net-60 terms.",
         "The CFO asked for the payback period before the board meets.",
         "Not sure why, but the night shift keeps scrapping more parts than the day shift.",
         "中标候选人公示\n第一中标候选人：某某公司。" * 20, "   ", "ééé İstanbul ǅ"]


def small_model() -> StageModel:
    rng = np.random.default_rng(7)
    terms = ["招", "招标", "标公告", " rf", "rfp ", "p", "bafo", "cfo", "the", "下周", "开标"]
    return StageModel(terms=terms, idf=rng.uniform(1, 3, len(terms)),
                      stage_coef=rng.normal(size=(len(terms), 9)), stage_bias=rng.normal(size=9),
                      comp_coef=rng.normal(size=(len(terms), 3)), comp_bias=rng.normal(size=3),
                      meta={"version": "test", "名": "模型"})


def test_the_saved_model_loads_with_its_hash_table_and_scores_the_same(tmp_path):
    model = small_model()
    model.save(tmp_path / "m.npz")
    back = StageModel.load(tmp_path / "m.npz")
    assert back.terms == model.terms and back.meta == model.meta
    with np.load(tmp_path / "m.npz") as z:
        assert {"table_keys", "table_values"} <= set(z.files)  # shipped, not rebuilt at start-up
    for text in TEXTS:
        idx, w = back.features(text)
        assert list(idx) == list(model.features(text)[0])
        stage, comp = back.predict(text)
        # the file holds float32 weights: the same answer to float32 precision
        assert np.allclose(list(stage.values()), list(model.predict(text)[0].values()), atol=1e-5)
        assert np.allclose(list(comp.values()), list(model.predict(text)[1].values()), atol=1e-5)


def test_the_shipped_table_finds_every_term_and_nothing_else():
    model = default_locator().model
    assert model is not None
    found = model._table.lookup(term_hashes(model.terms))
    assert list(found) == list(range(len(model.terms)))
    assert (model._table.lookup(np.arange(1, 1000, dtype=np.uint64) * np.uint64(7919)) == -1).all()


def test_batch_features_and_scores_equal_one_text_at_a_time():
    model = small_model()
    batch = model.predict_many(TEXTS)
    for text, (stage, comp, (idx, w)) in zip(TEXTS, batch, strict=True):
        one_idx, one_w = model.features(text)
        assert list(idx) == list(one_idx) and np.allclose(w, one_w, rtol=0, atol=1e-15)
        one_stage, one_comp = model.predict(text)
        assert np.allclose(list(stage.values()), list(one_stage.values()), rtol=0, atol=1e-12)
        assert np.allclose(list(comp.values()), list(one_comp.values()), rtol=0, atol=1e-12)
