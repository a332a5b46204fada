"""The statistical half of the locator: TF-IDF over character n-grams (and, for Latin-script
text, words and word pairs) with linear classifiers.

Training (`buyersync model train`) uses scikit-learn; inference here needs only NumPy,
so the CLI starts fast. Character n-grams need no Chinese word segmentation. The artefact
is one uncompressed .npz file shipped in the package and versioned by its `meta` record;
it carries the hash table from gram hashes to features ready-made, so that loading the
model is a copy, not a computation. Batches are scored with one sparse product: SciPy's
compiled CSR kernel, loaded on its own (`_csr_product`), or `scipy.sparse` itself.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from buyersync.datafile import package_file
from buyersync.locate import tables
from buyersync.locate.tables import softmax
from buyersync.method.stages import STAGES, Stage

NGRAM_RANGE = (1, 4)
COMPETITOR_CLASSES = tables.COMPETITOR_CLASSES
MODEL_FILE = tables.MODEL_FILE
normalise = tables.normalise
SPARSE_FROM = 32  # batches this large are scored with one sparse product (SciPy)
_DIRECT = 0x10000  # one-character grams below this code point are found by direct index
_STAGE_COLUMN = {s: j for j, s in enumerate(STAGES)}
_PADDED = 1 << 21  # cells of the padded matrix top_features_many may make (16 MiB)


def ngrams(text: str) -> list[str]:
    """Character n-grams of the normalised text (a lone space is not a gram), then its word
    terms (`tables.word_spans`: Latin-script words and word pairs, each behind a NUL)."""
    t = normalise(text)
    lo, hi = NGRAM_RANGE
    out = [c for c in t if c != " "] if lo == 1 else []
    for n in range(max(lo, 2), hi + 1):
        out += [t[i : i + n] for i in range(len(t) - n + 1)]
    return out + ["\x00" + t[a:b] for a, b in tables.word_spans(t)]


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
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


_PINV = pow(1_000_003, -1, 1 << 64)  # _P's inverse modulo 2**64 (_P is odd)
_WORDISH = np.zeros(0x201A + 1, dtype=bool)  # the characters of a word run (tables._WORD), by code
for _ch in "abcdefghijklmnopqrstuvwxyz0123456789'-\u2019":
    _WORDISH[ord(_ch)] = True
_POWERS: list[np.ndarray] = []  # [P^k, P^-k] for k < some length, grown on demand


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    if not _POWERS or len(_POWERS[0]) < n + 1:
        size = max(n + 1, 2 * len(_POWERS[0]) if _POWERS else 4096)
        up, down = np.ones(size, dtype=np.uint64), np.ones(size, dtype=np.uint64)
        up[1:] = np.cumprod(np.full(size - 1, _P, dtype=np.uint64))
        down[1:] = np.cumprod(np.full(size - 1, np.uint64(_PINV), dtype=np.uint64))
        _POWERS[:] = [up, down]
    return _POWERS[0], _POWERS[1]


def _word_hashes(c: np.ndarray, narrow: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of the word terms (`tables.word_spans`) of normalised text as codes `c`
    (and as `narrow` 32-bit codes, when the caller has them), and where each starts, in bulk.
    Word runs are where the word-character mask steps up and down (alternately); a span's
    polynomial hash comes from prefix sums: with G[k] = c[0]·P^(k-1) + … + c[k-1], the hash
    of c[a:b] is G[b] − G[a]·P^(b−a), all modulo 2**64, and G[k] = P^(k-1) · Σ c[j]·P^(−j)."""
    codes = narrow if narrow is not None else c.astype(np.uint32)
    w = _WORDISH.take(np.minimum(codes, np.uint32(len(_WORDISH) - 1)))
    steps = np.flatnonzero(np.diff(w.view(np.int8), prepend=np.int8(0), append=np.int8(0)))
    starts, ends = steps[::2], steps[1::2]
    length = ends - starts
    keep = (length >= 3) & (length <= tables.WORD_MAX)
    s, e = starts[keep], ends[keep]
    first = c.take(s)
    letter = (first >= 97) & (first <= 122)
    s, e = s[letter], e[letter]
    if not len(s):
        return np.zeros(0, dtype=np.uint64), s
    pair = (s[1:] == e[:-1] + 1) & (c.take(e[:-1]) == 32)
    s, e = np.concatenate([s, s[:-1][pair]]), np.concatenate([e, e[1:][pair]])
    last = int(e.max())  # no prefix sum is needed past the last word
    up, down = _powers(last)
    total = np.cumsum(c[:last] * down[:last])
    # G at the span ends (never 0) and starts (0 at the text's first character)
    g_end = up.take(e - 1) * total.take(e - 1)
    g_start = np.where(s > 0, up.take(s - 1) * total.take(s - 1), np.uint64(0))
    h = g_end - g_start * up.take(e - s)
    h = (h ^ ((e - s + 1).astype(np.uint64) * np.uint64(_K1))) * _K2
    out: np.ndarray = h ^ (h >> _S31)
    return out, s


def gram_hashes(text: str) -> np.ndarray:
    """64-bit hashes of every n-gram and word term `ngrams(text)` yields, in bulk with NumPy."""
    c = _codes(normalise(text))
    lo, hi = NGRAM_RANGE
    parts = []
    h = c
    for n in range(1, hi + 1):
        if n > 1:
            h = h[:-1] * _P + c[n - 1 :]
        if n >= lo and len(h):
            parts.append(_mix(h[c[: len(h)] != 32] if n == 1 else h, n))
    parts.append(_word_hashes(c)[0])
    return np.concatenate(parts)


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
    # the hash table from gram hashes to features (keys, values), as `save` writes it; built
    # from the terms when absent
    table: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._table = _HashTable(*self.table) if self.table is not None \
            else _HashTable.build(term_hashes(self.terms))
        self._joint: np.ndarray | None = None  # (V, 12) float64: both classifiers, for batches
        self._columns: dict[Stage, np.ndarray] | None = None
        self._direct: np.ndarray | None = None  # see _unigrams

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's TF-IDF vector as (feature indices, l2-normalised weights)."""
        index = self._table.lookup(gram_hashes(text))
        found = index[index >= 0]
        if not len(found):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx, counts = np.unique(found.astype(np.int64), return_counts=True)
        # the arithmetic of locate/tables.py, which scores a process's first texts without NumPy
        w = (1.0 + np.fromiter(map(math.log, counts.tolist()), np.float64, len(counts))) * self.idf[idx]
        norm = float(np.sqrt(np.cumsum(w * w)[-1])) or 1.0
        return idx, w / norm

    def _sparse(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The TF-IDF rows of many texts at once, in CSR form: (indptr, feature indices, weights).

        Short texts cost more in NumPy call overhead than in arithmetic, so a batch hashes
        all texts at once, joined by a NUL. A gram that crosses a NUL is no term of the
        vocabulary (normalised text has none), so every gram is simply looked up, except the
        4-grams that open with the NUL: one such is a word term ("\x00abc", `ngrams`).
        """
        narrow = np.frombuffer("\x00".join(map(normalise, texts)).encode("utf-32-le", "surrogatepass"),
                               dtype=np.uint32)
        c = narrow.astype(np.uint64)
        v = len(self.terms)
        # each (text, feature) pair is one integer key, text × V + feature: 32 bits when it fits
        kind = np.dtype(np.int64 if (len(texts) + 1) * v >= 1 << 32 else np.uint32)
        vk = np.array(v, dtype=kind)
        text_key = np.cumsum(narrow == 0, dtype=kind) * vk  # the key of each position's text
        keys = []
        h = c
        for n in range(1, NGRAM_RANGE[1] + 1):
            if n > 1:
                h = h[:-1] * _P + c[n - 1 :]
            if n < NGRAM_RANGE[0] or not len(h):
                continue
            if n == 1 and len(narrow) and int(narrow.max()) < _DIRECT:
                found = self._unigrams().take(narrow)  # one gather instead of a hash probe
            else:
                found = self._table.lookup(_mix(h, n))
            at = np.flatnonzero(found >= 0)
            if n == 4:  # a NUL and the next text's first three letters: a word term's hash
                at = at[narrow.take(at) != 0]
            keys.append(text_key.take(at) + found.take(at).astype(kind))
        words, word_at = _word_hashes(c, narrow)  # NUL-joined: no word runs across two texts
        found = self._table.lookup(words)
        at = np.flatnonzero(found >= 0)
        keys.append(text_key.take(word_at.take(at)) + found.take(at).astype(kind))
        # count each pair: sort the keys, then the runs of equal keys
        key = np.concatenate(keys) if keys else np.zeros(0, dtype=kind)
        key.sort()
        first = np.empty(len(key), dtype=bool)
        first[:1] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        at = np.flatnonzero(first)
        counts = np.diff(at, append=len(key))
        key = key.take(at)
        indptr = np.searchsorted(key, np.arange(len(texts) + 1, dtype=kind) * vk)
        key_doc = np.repeat(np.arange(len(texts)), np.diff(indptr))
        key_feature = (key - key_doc.astype(kind) * vk).astype(np.int64)
        w = (1.0 + np.log(counts)) * self.idf.take(key_feature)
        norms = np.sqrt(np.bincount(key_doc, weights=w * w, minlength=len(texts)))
        w = w / np.where(norms > 0, norms, 1.0)[key_doc]
        return indptr, key_feature, w

    def _unigrams(self) -> np.ndarray:
        """The feature of each one-character gram of the Basic Multilingual Plane, by code
        point: the hash table's own answers, looked up once."""
        if self._direct is None:
            self._direct = self._table.lookup(_mix(np.arange(_DIRECT, dtype=np.uint64), 1))
        return self._direct

    def features_many(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """`features` for many texts in one set of array operations (batch location)."""
        if not texts or not len(self.terms):
            return [(np.zeros(0, dtype=np.int64), np.zeros(0)) for _ in texts]
        indptr, feature, w = self._sparse(texts)
        bounds = indptr.tolist()
        return [(feature[a:b], w[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def predict_many(self, texts: list[str]) -> list[tuple[dict[Stage, float], dict[str, float],
                                                           tuple[np.ndarray, np.ndarray]]]:
        """`predict` for many texts, scored in one sparse product; also returns each text's features."""
        if not texts:
            return []
        stage, comp, feats = self.score_many(texts)
        return [(dict(zip(STAGES, s, strict=True)), dict(zip(COMPETITOR_CLASSES, k, strict=True)), f)
                for s, k, f in zip(stage, comp, feats, strict=True)]

    def score_many(self, texts: list[str]) -> tuple[list[list[float]], list[list[float]],
                                                    list[tuple[np.ndarray, np.ndarray]]]:
        """Stage and competitor probabilities (in STAGES and COMPETITOR_CLASSES order) and the
        features of many texts: the TF-IDF rows times both classifiers' weights, one CSR product."""
        if len(texts) < SPARSE_FROM:  # a deal's few items: skip SciPy's import, score one by one
            feats = [self.features(t) for t in texts]
            scored = [self.predict_features(*f) for f in feats]
            return ([list(s.values()) for s, _ in scored], [list(c.values()) for _, c in scored],
                    feats)
        if not len(self.terms):
            z = np.zeros((len(texts), len(STAGES) + len(COMPETITOR_CLASSES)))
            feats = [(np.zeros(0, dtype=np.int64), np.zeros(0)) for _ in texts]
        else:
            indptr, feature, w = self._sparse(texts)
            if self._joint is None:
                self._joint = np.hstack([self.stage_coef, self.comp_coef]).astype(np.float64)
            z = _csr_product(indptr, feature, w, self._joint)
            bounds = indptr.tolist()
            feats = [(feature[a:b], w[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        k = len(STAGES)
        out = []
        for part, bias in ((z[:, :k], self.stage_bias), (z[:, k:], self.comp_bias)):
            part = part + bias
            part = np.exp(part - part.max(axis=1, keepdims=True))
            out.append((part / part.sum(axis=1, keepdims=True)).tolist())
        return out[0], out[1], feats

    def predict(self, text: str) -> tuple[dict[Stage, float], dict[str, float]]:
        return self.predict_features(*self.features(text))

    def predict_features(self, idx: np.ndarray, w: np.ndarray
                         ) -> tuple[dict[Stage, float], dict[str, float]]:
        stage = _linear(w, self.stage_coef, idx, self.stage_bias)
        comp = _linear(w, self.comp_coef, idx, self.comp_bias)
        return (dict(zip(STAGES, stage, strict=True)),
                dict(zip(COMPETITOR_CLASSES, comp, strict=True)))

    def stage_weights(self, stage: Stage, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
        """How much each of a text's features pushes toward `stage`."""
        if self._columns is None:  # one contiguous column per stage: a 1-D gather is cheaper
            self._columns = {s: np.ascontiguousarray(self.stage_coef[:, j]) for j, s in enumerate(STAGES)}
        out: np.ndarray = self._columns[stage].take(idx) * w
        return out

    def top_features(self, stage: Stage, idx: np.ndarray, w: np.ndarray, k: int
                     ) -> list[tuple[float, int]]:
        """The `k` features that push hardest toward `stage`, as (weight, feature), largest
        first; equal weights in feature order (as `tables.ranked` orders them)."""
        row = self.stage_weights(stage, idx, w)
        # a text's features ascend, so a stable sort by weight leaves equal weights in
        # feature order (what lexsort by (weight, feature) gives, for less)
        if len(row) > k:  # only values up to the k-th largest can place, ties at the cut included
            cand = np.flatnonzero(row >= np.partition(row, len(row) - k)[len(row) - k])
            order = cand[(-row[cand]).argsort(kind="stable")][:k]
        else:
            order = (-row).argsort(kind="stable")
        return list(zip(row[order].tolist(), idx[order].tolist(), strict=True))

    def top_features_many(self, asks: list[tuple[Stage, np.ndarray, np.ndarray]], k: int
                          ) -> list[list[tuple[float, int]]]:
        """`top_features` of many texts, in one set of array operations: (stage, features) each."""
        if len(asks) < 2:
            return [self.top_features(stage, idx, w, k) for stage, idx, w in asks]
        lengths = np.fromiter((len(idx) for _, idx, _ in asks), dtype=np.intp, count=len(asks))
        idx = np.concatenate([a[1] for a in asks])
        width = self.stage_coef.shape[1]
        cell = idx * width + np.repeat(np.fromiter((_STAGE_COLUMN[a[0]] for a in asks), dtype=np.intp,
                                                   count=len(asks)), lengths)
        row = self.stage_coef.ravel().take(cell) * np.concatenate([a[2] for a in asks])
        text = np.repeat(np.arange(len(asks)), lengths)
        longer = lengths > k
        if longer.any() and len(asks) * int(lengths.max()) <= _PADDED:
            # only weights up to a text's k-th largest can place (ties at the cut included):
            # that k-th weight of every text at once, from a padded matrix, then sort the few
            starts = np.cumsum(lengths) - lengths
            padded = np.full((len(asks), int(lengths.max())), np.inf)
            padded[text, np.arange(len(row)) - starts[text]] = -row
            cut = -np.partition(padded, k - 1, axis=1)[:, k - 1]
            chosen = np.flatnonzero(~longer[text] | (row >= cut[text]))
            lengths = np.bincount(text[chosen], minlength=len(asks))
            order = chosen[_by_text_then_weight(row[chosen], lengths)]
        else:
            order = _by_text_then_weight(row, lengths)
        starts = np.cumsum(lengths) - lengths
        keep = order[np.arange(len(order)) - np.repeat(starts, lengths) < k]
        bounds = np.minimum(lengths, k).cumsum().tolist()
        weights, features = row[keep].tolist(), idx[keep].tolist()
        out, a = [], 0
        for b in bounds:
            out.append(list(zip(weights[a:b], features[a:b], strict=True)))
            a = b
        return out

    def save(self, path: Path) -> None:
        """One uncompressed .npz: loading it is a copy, with the hash table ready to use."""
        np.savez(
            path, vocab=np.frombuffer("\n".join(self.terms).encode("utf-8"), dtype=np.uint8),
            idf=self.idf.astype(np.float32),
            stage_coef=self.stage_coef.astype(np.float32),
            stage_bias=self.stage_bias.astype(np.float32),
            comp_coef=self.comp_coef.astype(np.float32),
            comp_bias=self.comp_bias.astype(np.float32),
            table_keys=self._table.keys, table_values=self._table.values,
            meta=np.frombuffer(json.dumps(self.meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8))

    @classmethod
    def load(cls, path: Path | Any) -> StageModel:
        """The model `save` wrote. The coefficients stay float32 (exact in float64 arithmetic)."""
        with np.load(path, allow_pickle=False) as z:
            table = (z["table_keys"], z["table_values"]) if "table_keys" in z.files else None
            return cls(
                terms=_text(z["vocab"]).split("\n"),
                idf=z["idf"].astype(np.float64),
                stage_coef=z["stage_coef"], stage_bias=z["stage_bias"].astype(np.float64),
                comp_coef=z["comp_coef"], comp_bias=z["comp_bias"].astype(np.float64),
                meta=json.loads(_text(z["meta"])), table=table)


def _text(a: np.ndarray) -> str:
    """A text stored as UTF-8 bytes (or, in older files, as a NumPy string)."""
    return a.tobytes().decode("utf-8") if a.dtype == np.uint8 else str(a)


class _HashTable:
    """Open-addressing table from 64-bit gram hashes to feature indices, probed in bulk.

    At a load factor under 1/4 almost every lookup ends at its first or second slot, which
    makes it several times faster than a binary search over the sorted vocabulary. `build`
    makes it from the vocabulary's hashes (at training); the model file ships it.
    """

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        self.keys = keys
        self.values = values
        self._mask = np.uint64(len(keys) - 1)

    @classmethod
    def build(cls, hashes: np.ndarray) -> _HashTable:
        size = 1 << max(4, int(len(hashes) * 4).bit_length())
        keys = np.zeros(size, dtype=np.uint64)
        values = np.full(size, -1, dtype=np.int32)
        todo = np.arange(len(hashes))
        slot = (hashes & np.uint64(size - 1)).astype(np.int64)
        while len(todo):
            free = values[slot] < 0
            cand, cand_slot = todo[free], slot[free]
            _, first = np.unique(cand_slot, return_index=True)
            keys[cand_slot[first]] = hashes[cand[first]]
            values[cand_slot[first]] = cand[first]
            placed = np.zeros(len(todo), dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            todo, slot = todo[~placed], (slot[~placed] + 1) & (size - 1)
        return cls(keys, values)

    def lookup(self, hs: np.ndarray) -> np.ndarray:
        """The feature index of each hash, -1 where it is no term."""
        keys, values = self.keys, self.values
        slot = np.bitwise_and(hs, self._mask).view(np.int64)  # below 2**63: the same numbers
        vals = values.take(slot)
        hit = keys.take(slot) == hs
        out: np.ndarray = np.where(hit, vals, -1).astype(values.dtype, copy=False)
        go_on = np.flatnonzero((vals >= 0) > hit)  # occupied by another key: probe further
        slot = slot[go_on]
        size = len(keys)
        while len(go_on):
            slot = (slot + 1) & (size - 1)
            vals = values[slot]
            hit = keys[slot] == hs[go_on]
            out[go_on[hit]] = vals[hit]
            keep = (vals >= 0) & ~hit
            go_on, slot = go_on[keep], slot[keep]
        return out


def _csr_product(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, dense: np.ndarray) -> np.ndarray:
    """The CSR matrix (indptr, indices, data) times `dense`: each row's sum runs over its
    entries in order, from zero (SciPy's `csr_matvecs`, the kernel of `csr_matrix @`)."""
    kernel = _csr_kernel()
    if kernel is None:
        from scipy.sparse import csr_matrix

        out: np.ndarray = csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, dense.shape[0])) @ dense
        return out
    z = np.zeros((len(indptr) - 1, dense.shape[1]))
    kernel(len(indptr) - 1, dense.shape[0], dense.shape[1], indptr, indices.astype(indptr.dtype, copy=False),
           data, np.ascontiguousarray(dense, dtype=np.float64).reshape(-1), z.reshape(-1))
    return z


@cache
def _csr_kernel() -> Any:
    """SciPy's compiled `csr_matvecs`, loaded from its extension module alone: importing
    `scipy.sparse` costs ~0.24 s of CPU (its array-API layer), a sizeable share of a process
    that locates a few thousand lines; this costs a millisecond. It must answer a small
    product exactly as `scipy.sparse` does, or it is not used (None: `scipy.sparse` then)."""
    import importlib.machinery
    import importlib.util

    try:
        spec = importlib.util.find_spec("scipy")
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations))) / "sparse"
        found = [folder / f"_sparsetools{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES]
        path = next((f for f in found if f.is_file()), None)
        if path is None:
            return None
        name = "scipy.sparse._sparsetools"
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        module_spec = importlib.util.spec_from_loader(name, loader)
        if module_spec is None:
            return None
        module = importlib.util.module_from_spec(module_spec)
        loader.exec_module(module)
        kernel = module.csr_matvecs
        # rows [1·a + 2·b, (empty), -1·c] of a 3 × 3 matrix times [[1, 10], [2, 20], [3, 30]]
        indptr, indices = np.array([0, 2, 2, 3]), np.array([0, 1, 2])
        data, dense = np.array([1.0, 2.0, -1.0]), np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])
        z = np.zeros((3, 2))
        kernel(3, 3, 2, indptr, indices, data, dense.reshape(-1), z.reshape(-1))
        return kernel if z.tolist() == [[5.0, 50.0], [0.0, 0.0], [-3.0, -30.0]] else None
    except Exception:  # another SciPy layout: the public path answers
        return None


def _by_text_then_weight(row: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The order of `row` (the weights of texts of `lengths` elements, one after the other)
    by text, then by weight, largest first, then by position: a stable sort, with NumPy's
    faster unstable sorts. Equal weights get one rank (0.0 and -0.0 too); rank and position
    then make every key distinct, so that an unstable sort of the keys has one answer."""
    n = len(row)
    texts = len(lengths)
    if n == 0 or texts * (n + 1) * n >= 1 << 62:  # keys past 64 bits: the plain stable sort
        return np.lexsort((-row, np.repeat(np.arange(texts), lengths)))
    neg = -row
    by_weight = np.argsort(neg)
    ordered = neg[by_weight]
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=change[1:])
    rank = np.empty(n, dtype=np.int64)
    rank[by_weight] = np.cumsum(change)
    text = np.repeat(np.arange(texts, dtype=np.int64), lengths)
    out: np.ndarray = np.argsort((text * (n + 1) + rank) * n + np.arange(n))
    return out


def _linear(w: np.ndarray, coef: np.ndarray, idx: np.ndarray, bias: np.ndarray) -> list[float]:
    """softmax(w · coef[idx] + bias) with the sums running in feature order (`cumsum`)."""
    if not len(idx):
        return softmax(bias.tolist())
    return softmax((np.cumsum(w[:, None] * coef[idx], axis=0)[-1] + bias).tolist())


@cache
def shipped_model() -> StageModel | None:
    """The model shipped in the package, or None when it has not been trained yet."""
    path = package_file("buyersync.locate", "data", MODEL_FILE)
    return StageModel.load(path) if path.is_file() else None
