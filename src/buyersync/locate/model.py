"""The statistical half of the locator: character n-gram TF-IDF with linear classifiers.

Training (`buyersync model train`) uses scikit-learn; inference here needs only NumPy,
so the CLI starts fast. Character n-grams need no Chinese word segmentation. The artefact
is one .npz file shipped in the package and versioned by its `meta` record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from buyersync.method.stages import STAGES, Stage

NGRAM_RANGE = (1, 4)
COMPETITOR_CLASSES = ("true", "false", "null")
MODEL_FILE = "stage_model.npz"


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def ngrams(text: str) -> list[str]:
    """Character n-grams of the normalised text (a lone space is not a gram)."""
    t = normalise(text)
    lo, hi = NGRAM_RANGE
    out = [c for c in t if c != " "] if lo == 1 else []
    for n in range(max(lo, 2), hi + 1):
        out += [t[i : i + n] for i in range(len(t) - n + 1)]
    return out


@dataclass
class StageModel:
    vocab: dict[str, int]
    idf: np.ndarray          # (V,)
    stage_coef: np.ndarray   # (9, V)
    stage_bias: np.ndarray   # (9,)
    comp_coef: np.ndarray    # (3, V)
    comp_bias: np.ndarray    # (3,)
    meta: dict[str, Any]

    @property
    def terms(self) -> list[str]:
        """The vocabulary in index order (built once, on first use)."""
        cached: list[str] | None = self.__dict__.get("_terms")
        if cached is None:
            cached = sorted(self.vocab, key=self.vocab.__getitem__)
            self.__dict__["_terms"] = cached
        return cached

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's TF-IDF vector as (feature indices, l2-normalised weights)."""
        get = self.vocab.get
        ids = [j for j in map(get, ngrams(text)) if j is not None]
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx, counts = np.unique(np.array(ids, dtype=np.int64), return_counts=True)
        w = (1.0 + np.log(counts)) * self.idf[idx]
        norm = float(np.sqrt(w @ w)) or 1.0
        return idx, w / norm

    def predict(self, text: str) -> tuple[dict[Stage, float], dict[str, float]]:
        return self.predict_features(*self.features(text))

    def predict_features(self, idx: np.ndarray, w: np.ndarray
                         ) -> tuple[dict[Stage, float], dict[str, float]]:
        stage = _softmax(self.stage_coef[:, idx] @ w + self.stage_bias)
        comp = _softmax(self.comp_coef[:, idx] @ w + self.comp_bias)
        return (dict(zip(STAGES, stage.tolist(), strict=True)),
                dict(zip(COMPETITOR_CLASSES, comp.tolist(), strict=True)))

    def save(self, path: Path) -> None:
        terms = self.terms
        np.savez_compressed(
            path, vocab=np.array("\n".join(terms)), idf=self.idf.astype(np.float32),
            stage_coef=self.stage_coef.astype(np.float32),
            stage_bias=self.stage_bias.astype(np.float32),
            comp_coef=self.comp_coef.astype(np.float32),
            comp_bias=self.comp_bias.astype(np.float32),
            meta=np.array(json.dumps(self.meta, ensure_ascii=False)))

    @classmethod
    def load(cls, path: Path | Any) -> StageModel:
        with np.load(path, allow_pickle=False) as z:
            terms = str(z["vocab"]).split("\n")
            return cls(
                vocab={t: i for i, t in enumerate(terms)},
                idf=z["idf"].astype(np.float64),
                stage_coef=z["stage_coef"].astype(np.float64),
                stage_bias=z["stage_bias"].astype(np.float64),
                comp_coef=z["comp_coef"].astype(np.float64),
                comp_bias=z["comp_bias"].astype(np.float64),
                meta=json.loads(str(z["meta"])))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    out: np.ndarray = e / e.sum()
    return out


@cache
def shipped_model() -> StageModel | None:
    """The model shipped in the package, or None when it has not been trained yet."""
    ref = resources.files("buyersync.locate").joinpath("data", MODEL_FILE)
    if not ref.is_file():
        return None
    with resources.as_file(ref) as path:
        return StageModel.load(path)
