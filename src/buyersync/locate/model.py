"""The statistical half of the locator: character n-gram TF-IDF with linear classifiers.

Training (`buyersync model train`) uses scikit-learn; inference here needs only NumPy,
so the CLI starts fast. Character n-grams need no Chinese word segmentation. The artefact
is one .npz file shipped in the package and versioned by its `meta` record.
"""

from __future__ import annotations

import json
import math
from collections import Counter
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
    """Character n-grams of the normalised text; grams that are only white space are dropped."""
    t = normalise(text)
    out: list[str] = []
    lo, hi = NGRAM_RANGE
    size = len(t)
    for n in range(lo, hi + 1):
        for i in range(size - n + 1):
            g = t[i : i + n]
            if not g.isspace():
                out.append(g)
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
        counts = Counter(g for g in ngrams(text) if g in self.vocab)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter((self.vocab[g] for g in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64,
                         count=len(counts))
        w = tf * self.idf[idx]
        norm = float(np.sqrt(w @ w)) or 1.0
        return idx, w / norm

    def predict(self, text: str) -> tuple[dict[Stage, float], dict[str, float]]:
        idx, w = self.features(text)
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
