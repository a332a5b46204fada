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
    return " ".join(text.replace("\x00", " ").lower().split())


def ngrams(text: str) -> list[str]:
    """Character n-grams of the normalised text (a lone space is not a gram)."""
    t = normalise(text)
    lo, hi = NGRAM_RANGE
    out = [c for c in t if c != " "] if lo == 1 else []
    for n in range(max(lo, 2), hi + 1):
        out += [t[i : i + n] for i in range(len(t) - n + 1)]
    return out


_P = np.uint64(1_000_003)
_K1 = 0x9E3779B97F4A7C15
_K2 = np.uint64(0xBF58476D1CE4E5B9)
_S31 = np.uint64(31)


def _mix(h: np.ndarray, n: int) -> np.ndarray:
    """Scatter a polynomial hash of an n-gram so that grams of different lengths differ."""
    salt = np.uint64((n * _K1) & 0xFFFF_FFFF_FFFF_FFFF)  # Python ints: no overflow warning
    h = (h ^ salt) * _K2
    out: np.ndarray = h ^ (h >> _S31)
    return out


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def gram_hashes(text: str) -> np.ndarray:
    """64-bit hashes of every n-gram `ngrams(text)` yields, computed in bulk with NumPy."""
    c = _codes(normalise(text))
    lo, hi = NGRAM_RANGE
    parts = []
    h = c
    for n in range(1, hi + 1):
        if n > 1:
            h = h[:-1] * _P + c[n - 1 :]
        if n >= lo and len(h):
            parts.append(_mix(h[c[: len(h)] != 32] if n == 1 else h, n))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def term_hashes(terms: list[str]) -> np.ndarray:
    """The same hashes for whole terms (the model's vocabulary), in bulk."""
    lengths = np.fromiter((len(t) for t in terms), dtype=np.int64, count=len(terms))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    c = _codes("".join(terms))
    h = np.zeros(len(terms), dtype=np.uint64)
    for j in range(int(lengths.max()) if len(terms) else 0):
        live = lengths > j
        h[live] = h[live] * _P + c[starts[live] + j]
    out = np.zeros(len(terms), dtype=np.uint64)
    for n in np.unique(lengths):
        sel = lengths == n
        out[sel] = _mix(h[sel], int(n))
    return out


@dataclass
class StageModel:
    terms: list[str]         # the vocabulary, in feature order
    idf: np.ndarray          # (V,)
    stage_coef: np.ndarray   # (V, 9): one row per feature, so a text's rows gather contiguously
    stage_bias: np.ndarray   # (9,)
    comp_coef: np.ndarray    # (V, 3)
    comp_bias: np.ndarray    # (3,)
    meta: dict[str, Any]

    def __post_init__(self) -> None:
        hashes = term_hashes(self.terms)
        self._order = np.argsort(hashes)
        self._sorted = hashes[self._order]
        self._table = _HashTable(hashes)

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's TF-IDF vector as (feature indices, l2-normalised weights)."""
        hs = gram_hashes(text)
        if not len(hs) or not len(self._sorted):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        hs.sort()  # sorted keys let the binary search start where the last one ended
        pos = np.searchsorted(self._sorted, hs)
        pos[pos == len(self._sorted)] = 0
        found = self._sorted[pos] == hs
        if not found.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx, counts = np.unique(self._order[pos[found]], return_counts=True)
        w = (1.0 + np.log(counts)) * self.idf[idx]
        norm = float(np.sqrt(w @ w)) or 1.0
        return idx, w / norm

    def features_many(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """`features` for many texts in one set of array operations (batch location).

        Short texts cost more in NumPy call overhead than in arithmetic, so a batch hashes
        all texts at once: they are joined by a separator no gram may cross.
        """
        if not texts or not len(self._sorted):
            return [(np.zeros(0, dtype=np.int64), np.zeros(0)) for _ in texts]
        c = _codes("\x00".join(normalise(t) for t in texts))
        sep = c == 0
        seps_before = np.concatenate([[0], np.cumsum(sep)])  # separators in c[:i]
        hashes, docs = [], []
        h = c
        for n in range(1, NGRAM_RANGE[1] + 1):
            if n > 1:
                h = h[:-1] * _P + c[n - 1 :]
            if n < NGRAM_RANGE[0] or not len(h):
                continue
            start = np.arange(len(h))
            ok = seps_before[start + n] == seps_before[start]  # no separator inside the gram
            if n == 1:
                ok &= c != 32
            hashes.append(_mix(h[ok], n))
            docs.append(seps_before[start[ok]])
        hs = np.concatenate(hashes)
        doc = np.concatenate(docs)
        index = self._table.lookup(hs)
        found = index >= 0
        feature = index[found]
        key = doc[found].astype(np.int64) * len(self.terms) + feature
        keys, counts = np.unique(key, return_counts=True)
        key_doc, key_feature = np.divmod(keys, len(self.terms))
        w = (1.0 + np.log(counts)) * self.idf[key_feature]
        norms = np.sqrt(np.bincount(key_doc, weights=w * w, minlength=len(texts)))
        w = w / np.where(norms > 0, norms, 1.0)[key_doc]
        bounds = np.searchsorted(key_doc, np.arange(len(texts) + 1))
        return [(key_feature[a:b], w[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def predict_many(self, texts: list[str]) -> list[tuple[dict[Stage, float], dict[str, float],
                                                           tuple[np.ndarray, np.ndarray]]]:
        """`predict` for many texts, scored in one matrix pass; also returns each text's features."""
        feats = self.features_many(texts)
        if not feats:
            return []
        idx = np.concatenate([f[0] for f in feats])
        w = np.concatenate([f[1] for f in feats])
        bounds = np.concatenate([[0], np.cumsum([len(f[0]) for f in feats])])
        out = []
        scored = []
        for coef, bias in ((self.stage_coef, self.stage_bias), (self.comp_coef, self.comp_bias)):
            # per-text sums of the rows, as differences of one running sum (texts are contiguous)
            run = np.concatenate([np.zeros((1, coef.shape[1])),
                                  np.cumsum(w[:, None] * coef[idx], axis=0)])
            z = run[bounds[1:]] - run[bounds[:-1]] + bias
            z = np.exp(z - z.max(axis=1, keepdims=True))
            scored.append((z / z.sum(axis=1, keepdims=True)).tolist())
        for i, f in enumerate(feats):
            out.append((dict(zip(STAGES, scored[0][i], strict=True)),
                        dict(zip(COMPETITOR_CLASSES, scored[1][i], strict=True)), f))
        return out

    def predict(self, text: str) -> tuple[dict[Stage, float], dict[str, float]]:
        return self.predict_features(*self.features(text))

    def predict_features(self, idx: np.ndarray, w: np.ndarray
                         ) -> tuple[dict[Stage, float], dict[str, float]]:
        stage = _softmax(w @ self.stage_coef[idx] + self.stage_bias)
        comp = _softmax(w @ self.comp_coef[idx] + self.comp_bias)
        return (dict(zip(STAGES, stage.tolist(), strict=True)),
                dict(zip(COMPETITOR_CLASSES, comp.tolist(), strict=True)))

    def stage_weights(self, stage: Stage, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
        """How much each of a text's features pushes toward `stage`."""
        out: np.ndarray = self.stage_coef[idx, STAGES.index(stage)] * w
        return out

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path, vocab=np.array("\n".join(self.terms)), idf=self.idf.astype(np.float32),
            stage_coef=self.stage_coef.astype(np.float32),
            stage_bias=self.stage_bias.astype(np.float32),
            comp_coef=self.comp_coef.astype(np.float32),
            comp_bias=self.comp_bias.astype(np.float32),
            meta=np.array(json.dumps(self.meta, ensure_ascii=False)))

    @classmethod
    def load(cls, path: Path | Any) -> StageModel:
        with np.load(path, allow_pickle=False) as z:
            return cls(
                terms=str(z["vocab"]).split("\n"),
                idf=z["idf"].astype(np.float64),
                stage_coef=np.ascontiguousarray(z["stage_coef"], dtype=np.float64),
                stage_bias=z["stage_bias"].astype(np.float64),
                comp_coef=np.ascontiguousarray(z["comp_coef"], dtype=np.float64),
                comp_bias=z["comp_bias"].astype(np.float64),
                meta=json.loads(str(z["meta"])))


class _HashTable:
    """Open-addressing table from 64-bit gram hashes to feature indices, probed in bulk.

    At a load factor under 1/4 almost every lookup ends at its first or second slot, which
    makes it several times faster than a binary search over the sorted vocabulary.
    """

    def __init__(self, hashes: np.ndarray) -> None:
        size = 1 << max(4, int(len(hashes) * 4).bit_length())
        self._mask = np.uint64(size - 1)
        self._keys = np.zeros(size, dtype=np.uint64)
        self._vals = np.full(size, -1, dtype=np.int64)
        todo = np.arange(len(hashes))
        slot = (hashes & self._mask).astype(np.int64)
        while len(todo):
            free = self._vals[slot] < 0
            cand, cand_slot = todo[free], slot[free]
            _, first = np.unique(cand_slot, return_index=True)
            self._keys[cand_slot[first]] = hashes[cand[first]]
            self._vals[cand_slot[first]] = cand[first]
            placed = np.zeros(len(todo), dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            todo, slot = todo[~placed], (slot[~placed] + 1) & (size - 1)

    def lookup(self, hs: np.ndarray) -> np.ndarray:
        out = np.full(len(hs), -1, dtype=np.int64)
        active = np.arange(len(hs))
        slot = (hs & self._mask).astype(np.int64)
        size = len(self._keys)
        while len(active):
            vals = self._vals[slot]
            hit = (vals >= 0) & (self._keys[slot] == hs[active])
            out[active[hit]] = vals[hit]
            go_on = (vals >= 0) & ~hit  # occupied by another key: probe the next slot
            active, slot = active[go_on], (slot[go_on] + 1) & (size - 1)
        return out


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
