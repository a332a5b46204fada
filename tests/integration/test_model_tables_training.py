"""Over every training text, the model read with the standard library (how `analyze` starts)
gives exactly the NumPy model's features, scores and model spans: all the locator asks of
a model, so a process answers the same whichever it starts with."""

from __future__ import annotations

from buyersync.locate.model import shipped_model
from buyersync.locate.tables import shipped_tables
from buyersync.locate.training import load_rows
from buyersync.method.stages import STAGES


def test_every_training_text_scores_the_same_with_the_tables_and_with_numpy():
    full, table = shipped_model(), shipped_tables()
    assert full is not None and table is not None
    texts = [row["text"] for row in load_rows([])]
    assert len(texts) > 1000
    for text in texts:
        idx, w = full.features(text)
        t_idx, t_w = table.features(text)
        assert t_idx == idx.tolist() and t_w == w.tolist(), text
        assert table.predict_features(t_idx, t_w) == full.predict_features(idx, w), text
        stage = max(STAGES, key=table.predict_features(t_idx, t_w)[0].__getitem__)
        assert table.top_features(stage, t_idx, t_w, 24) == full.top_features(stage, idx, w, 24), text

