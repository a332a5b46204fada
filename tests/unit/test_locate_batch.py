"""The model file and the batch path: what `model train` writes loads back the same, and
`locate --format jsonl` answers exactly what one-by-one location answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from buyersync.locate.model import SPARSE_FROM, StageModel, shipped_model, term_hashes

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
    model = shipped_model()
    assert model is not None
    found = model._table.lookup(term_hashes(model.terms))
    assert list(found) == list(range(len(model.terms)))
    assert (model._table.lookup(np.arange(1, 1000, dtype=np.uint64) * np.uint64(7919)) == -1).all()


# a few texts one by one; many in one sparse product, with one-character grams found by
# direct index, or (a character past U+FFFF in the batch) by the hash table
@pytest.mark.parametrize(("copies", "extra"), [(1, []), (5, []), (5, ["\U0001f600 p 招"])])
def test_batch_features_and_scores_equal_one_text_at_a_time(copies, extra):
    model = small_model()
    texts = TEXTS * copies + extra
    assert (len(texts) >= SPARSE_FROM) == (copies > 1)
    batch = model.predict_many(texts)
    for text, (stage, comp, (idx, w)) in zip(texts, batch, strict=True):
        one_idx, one_w = model.features(text)
        assert list(idx) == list(one_idx) and np.allclose(w, one_w, rtol=0, atol=1e-15)
        one_stage, one_comp = model.predict(text)
        assert np.allclose(list(stage.values()), list(one_stage.values()), rtol=0, atol=1e-12)
        assert np.allclose(list(comp.values()), list(one_comp.values()), rtol=0, atol=1e-12)


def test_the_jsonl_stream_writes_byte_for_byte_what_json_dumps_writes_of_each_location():
    import io
    import json

    from buyersync.locate import locate
    from buyersync.services.batch import _location_row, locate_stream

    texts = [*TEXTS[:7], 'He said "BAFO\\" by\tFriday\x01\x1f\x7f\u2028 — 好的', "下周开标\r\n请准时"]
    ids = [1, "a\"b", None, 2.5, True, {"k": [1, "二"]}, -7, 10**30, "id\u2029"]
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in zip(ids, texts, strict=True)]
    out = io.StringIO()
    assert locate_stream(io.StringIO("\n".join(lines) + "\n"), out) == []
    expected = "".join(json.dumps(_location_row(i, locate(t)), ensure_ascii=False) + "\n"
                       for i, t in zip(ids, texts, strict=True))
    assert out.getvalue() == expected


def test_strings_are_escaped_as_the_standard_library_escapes_them():
    from buyersync.services.batch import _string

    every = "".join(chr(c) for c in range(0x3000)) + "\U0001f600\ud800x"  # a lone surrogate too
    assert _string(every) == json.dumps(every, ensure_ascii=False)


def test_a_line_orjson_refuses_gets_the_standard_parser_answer_and_message():
    import io
    import json

    from buyersync.services.batch import locate_stream

    src = io.StringIO('{"id": NaN, "text": "BAFO due"}\n{"id": 1, "text": "\\ud800 x"}\n{"id": 2,\n')
    out = io.StringIO()
    failed = locate_stream(src, out)
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert rows[0]["stage"] and rows[1]["stage"]
    try:
        json.loads('{"id": 2,\n')
    except ValueError as e:
        assert failed == [(3, str(e))] and rows[2]["error"] == str(e)


def test_scores_rounded_in_bulk_are_the_doubles_round_gives():
    from buyersync.locate.locator import _rounded_many

    rng = np.random.default_rng(3)
    rows = (rng.dirichlet(np.full(9, 0.3), size=3_000)).tolist()
    # exact halves and their neighbours, where a shortcut would round the other way
    halves = [(n + 0.5) / 1e4 for n in rng.integers(0, 10_000, size=1_000).tolist()]
    rows += [[h, float(np.nextafter(h, 0)), float(np.nextafter(h, 1)), 0.0, 1.0, 5e-05,
              0.00015, 0.99995, 0.123456] for h in halves]

    def one_by_one(scores: list[float]) -> list[float]:
        out = [round(v, 4) for v in scores]
        top = out.index(max(out))
        out[top] = round(out[top] + 1.0 - sum(out), 4)
        return out

    bulk = _rounded_many(rows)
    assert [[v.hex() for v in r] for r in bulk] == [[v.hex() for v in one_by_one(r)] for r in rows]


def test_the_kernel_loaded_alone_scores_a_batch_exactly_as_scipy_sparse_does(monkeypatch):
    from buyersync.locate import model as model_module

    model = shipped_model()
    assert model is not None and model_module._csr_kernel() is not None
    texts = [*TEXTS, *(json.loads(line)["text"] for line in _training_lines(200))]
    kernel = model.score_many(texts)
    monkeypatch.setattr(model_module, "_csr_kernel", lambda: None)  # `scipy.sparse` itself
    public = model.score_many(texts)
    assert [[v.hex() for v in row] for part in kernel[:2] for row in part] == \
        [[v.hex() for v in row] for part in public[:2] for row in part]


def test_locating_a_batch_does_not_import_scipy_sparse():
    import subprocess
    import sys

    code = ("import io, sys; from buyersync.services.batch import locate_stream; "
            "lines = ''.join('{\"id\": %d, \"text\": \"BAFO due Friday, net-60 terms\"}\\n' % i for i in range(300)); "
            "out = io.StringIO(); locate_stream(io.StringIO(lines), out); "
            "print(out.getvalue().count('\\n'), 'scipy.sparse' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.split() == ["300", "False"]


def _training_lines(n: int) -> list[str]:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "data" / "training"
    out: list[str] = []
    for f in sorted(folder.glob("*.jsonl")):
        out += [line for line in f.read_text(encoding="utf-8").splitlines() if line.strip()][: n // 4]
    return out[:n]
