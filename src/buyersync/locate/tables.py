"""The shipped model read with the standard library alone, for the first texts of a process.

Importing NumPy (and starting its BLAS threads) costs more than the whole of scoring the
few evidence texts of one deal, so a process starts with `ModelTables`: the arrays of
`stage_model.npz` mapped from the file (`mmap`) and read as typed memoryviews, a text scored
in plain Python. Past `FEW` texts, or for a batch, `ShippedModel` hands the work to the
NumPy model (`model.StageModel`), which is far faster per text.

Both give the same numbers: they share the arithmetic below. Every product is the IEEE
double product of the same two numbers; every sum runs in feature order, one term after
the other (NumPy's `cumsum` adds that way, never in SIMD-reordered pairs as `@` and `sum`
may); logarithms and exponentials are the C library's (`math`). A test holds the two equal
over the training texts.
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import mmap
import re
import struct
import sys
import zipfile
from array import array
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol, overload

from buyersync.datafile import derived, package_file
from buyersync.method.stages import STAGES, Stage

MODEL_FILE = "stage_model.npz"
COMPETITOR_CLASSES = ("true", "false", "null")
FEW = 64  # texts a process scores with the tables before it loads the NumPy model
_MASK = (1 << 64) - 1
_P = 1_000_003
_K1 = 0x9E3779B97F4A7C15
_K2 = 0xBF58476D1CE4E5B9
_SALT = [(n * _K1) & _MASK for n in range(5)]
WORD_MAX = 20  # longer Latin-script runs (codes, links, hashes) are no word features
# a Latin-script word: a whole run of letters, digits, apostrophes and hyphens that starts
# with a letter (the class must match model._WORDISH)
_WORD = re.compile("(?<![a-z0-9'\u2019-])[a-z][a-z0-9'\u2019-]{2,}")
# NumPy's names of the element types the model file uses → the struct codes of memoryview.cast
_CODES = {"<f4": "f", "<f8": "d", "<u8": "Q", "<i4": "i", "<i8": "q", "|u1": "B", "<u4": "I"}

Features = tuple[Any, Any]  # (feature indices in ascending order, their TF-IDF weights)


class ScoringModel(Protocol):
    """What the locator asks of a model (`StageModel`, `ModelTables`, `ShippedModel`)."""

    meta: dict[str, Any]

    @property
    def terms(self) -> Sequence[str]: ...

    def features(self, text: str) -> Features: ...

    def predict_features(self, idx: Any, w: Any) -> tuple[dict[Stage, float], dict[str, float]]: ...

    def score_many(self, texts: list[str]) -> tuple[list[list[float]], list[list[float]],
                                                    list[Features]]: ...

    def top_features(self, stage: Stage, idx: Any, w: Any, k: int) -> list[tuple[float, int]]: ...

    def top_features_many(self, asks: list[tuple[Stage, Any, Any]], k: int
                          ) -> list[list[tuple[float, int]]]: ...


# -- the arithmetic both models share ------------------------------------------------------

def normalise(text: str) -> str:
    return " ".join(text.replace("\x00", " ").lower().split())


def tfidf(counts: Sequence[int], idf: Sequence[float]) -> list[float]:
    """The l2-normalised TF-IDF weights of features seen `counts` times: (1 + ln count) × idf."""
    w = [(1.0 + math.log(c)) * f for c, f in zip(counts, idf, strict=True)]
    norm = math.sqrt(running_sum([x * x for x in w])) or 1.0
    return [x / norm for x in w]


def running_sum(terms: Sequence[float]) -> float:
    """The terms added one after the other, as NumPy's `cumsum` adds them (`sum` may not:
    newer Pythons compensate it)."""
    total = terms[0] if terms else 0.0
    for x in terms[1:]:
        total += x
    return total


def linear_softmax(w: Sequence[float], rows: Sequence[Sequence[float]],
                   bias: Sequence[float]) -> list[float]:
    """softmax(w · rows + bias), each class's sum running in feature order."""
    return softmax([running_sum([x * row[k] for x, row in zip(w, rows, strict=True)]) + b
                    for k, b in enumerate(bias)])


def softmax(z: Sequence[float]) -> list[float]:
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = running_sum(e)
    return [v / total for v in e]


def ranked(weights: Sequence[float], idx: Sequence[int], k: int) -> list[tuple[float, int]]:
    """The `k` largest (weight, feature) pairs, largest first; equal weights in feature order."""
    order = sorted(range(len(weights)), key=lambda i: (-weights[i], idx[i]))[:k]
    return [(weights[i], idx[i]) for i in order]


class Vocabulary(Sequence[str]):
    """The model's terms, one per line of a UTF-8 buffer, decoded one at a time: a start-up
    quotes a few of ~110,000, and splitting them all costs ~20 ms. Where each line starts is
    kept beside the model file (`datafile.derived`), found once per model."""

    def __init__(self, data: Any, path: Path | None) -> None:
        self._data = data

        def starts() -> bytes:
            ends = [len(t) + 1 for t in bytes(data).split(b"\n")]
            return array("I", [0, *itertools.accumulate(ends)]).tobytes()

        found = derived(path, data, starts) if path is not None else starts()
        self._starts = memoryview(found).cast("I")

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        starts = self._starts
        if i < 0:
            i += len(self)
        return bytes(self._data[starts[i] : starts[i + 1] - 1]).decode("utf-8")


# -- the tables ------------------------------------------------------------------------------

class ModelTables:
    """The arrays of a model file, read in place; a text scored in plain Python."""

    def __init__(self, arrays: dict[str, tuple[Any, tuple[int, ...]]]) -> None:
        self._arrays = arrays
        self.idf = arrays["idf"][0]
        self.stage_coef = arrays["stage_coef"][0]
        self.comp_coef = arrays["comp_coef"][0]
        self.stage_bias = arrays["stage_bias"][0].tolist()
        self.comp_bias = arrays["comp_bias"][0].tolist()
        self.keys = arrays["table_keys"][0]
        self.values = arrays["table_values"][0]
        self._width = (arrays["stage_coef"][1][1], arrays["comp_coef"][1][1])
        self.meta: dict[str, Any] = json.loads(arrays["meta"][0].tobytes().decode("utf-8"))
        self._terms: Vocabulary | None = None
        self._path: Path | None = None

    @classmethod
    def open(cls, path: Path) -> ModelTables | None:
        """The model file's tables, or None when the file is not one these can read (an older
        layout, big-endian machine): the NumPy model reads those."""
        if sys.byteorder != "little":
            return None
        try:
            tables = cls(_npz_arrays(path))
            tables._path = path
            return tables
        except (KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile, SyntaxError):
            return None

    @property
    def terms(self) -> Vocabulary:
        """The vocabulary, read on first use (only quoting a model span needs it)."""
        if self._terms is None:
            self._terms = Vocabulary(self._arrays["vocab"][0], self._path)
        return self._terms

    def features(self, text: str) -> Features:
        counts: dict[int, int] = {}
        keys, values = self.keys, self.values
        mask = len(keys) - 1
        for h in _gram_hashes(normalise(text)):
            slot = h & mask
            while (found := values[slot]) >= 0:
                if keys[slot] == h:
                    counts[found] = counts.get(found, 0) + 1
                    break
                slot = (slot + 1) & mask
        idx = sorted(counts)
        idf = self.idf
        return idx, tfidf([counts[i] for i in idx], [idf[i] for i in idx])

    def predict_features(self, idx: Any, w: Any) -> tuple[dict[Stage, float], dict[str, float]]:
        stage = linear_softmax(w, self._rows(self.stage_coef, self._width[0], idx), self.stage_bias)
        comp = linear_softmax(w, self._rows(self.comp_coef, self._width[1], idx), self.comp_bias)
        return dict(zip(STAGES, stage, strict=True)), dict(zip(COMPETITOR_CLASSES, comp, strict=True))

    def score_many(self, texts: list[str]) -> tuple[list[list[float]], list[list[float]],
                                                    list[Features]]:
        feats = [self.features(t) for t in texts]
        scored = [self.predict_features(*f) for f in feats]
        return [list(s.values()) for s, _ in scored], [list(c.values()) for _, c in scored], feats

    def top_features(self, stage: Stage, idx: Any, w: Any, k: int) -> list[tuple[float, int]]:
        col, width = STAGES.index(stage), self._width[0]
        coef = self.stage_coef
        return ranked([coef[i * width + col] * x for i, x in zip(idx, w, strict=True)], idx, k)

    def top_features_many(self, asks: list[tuple[Stage, Any, Any]], k: int
                          ) -> list[list[tuple[float, int]]]:
        return [self.top_features(stage, idx, w, k) for stage, idx, w in asks]

    @staticmethod
    def _rows(coef: Any, width: int, idx: Sequence[int]) -> list[list[float]]:
        return [coef[i * width : (i + 1) * width].tolist() for i in idx]


class ShippedModel:
    """The shipped model as the locator holds it: the tables for a process's first few
    texts, the NumPy model (loaded then, once) for batches and for everything after."""

    def __init__(self, tables: ModelTables, load: Callable[[], ScoringModel | None]) -> None:
        self.tables = tables
        self.meta = tables.meta
        self._load = load
        self._full: ScoringModel | None = None
        self._scored = 0

    @property
    def terms(self) -> Sequence[str]:
        # the NumPy model's terms once it is loaded: a list (the tables' decode a term per access,
        # which a long stream quoting model spans would pay again and again)
        return self._full.terms if self._full is not None else self.tables.terms

    def full(self) -> ScoringModel:
        if self._full is None:
            self._full = self._load()
            assert self._full is not None, "the model file went away"
        return self._full

    def _few(self, n: int) -> bool:
        if self._full is None and self._scored + n <= FEW:
            self._scored += n
            return True
        return False

    def features(self, text: str) -> Features:
        return self.tables.features(text) if self._few(1) else self.full().features(text)

    def predict_features(self, idx: Any, w: Any) -> tuple[dict[Stage, float], dict[str, float]]:
        model = self.tables if isinstance(idx, list) else self.full()
        return model.predict_features(idx, w)

    def score_many(self, texts: list[str]) -> tuple[list[list[float]], list[list[float]],
                                                    list[Features]]:
        if self._few(len(texts)):
            return self.tables.score_many(texts)
        return self.full().score_many(texts)

    def top_features(self, stage: Stage, idx: Any, w: Any, k: int) -> list[tuple[float, int]]:
        model = self.tables if isinstance(idx, list) else self.full()
        return model.top_features(stage, idx, w, k)

    def top_features_many(self, asks: list[tuple[Stage, Any, Any]], k: int
                          ) -> list[list[tuple[float, int]]]:
        tabled = [isinstance(idx, list) for _, idx, _ in asks]
        if not any(tabled):
            return self.full().top_features_many(asks, k)
        return [self.top_features(*ask, k) for ask in asks]


def word_spans(t: str) -> list[tuple[int, int]]:
    """The word features of normalised text `t`, as spans: each Latin-script word of 3 to
    WORD_MAX characters, then each two such words one space apart. Character grams alone
    cut English into pieces that many words share; a word and a word pair carry what the
    writer meant whichever way the note is phrased. A word term is the span with a NUL in
    front (normalised text has none), so it is no character gram."""
    words = [m.span() for m in _WORD.finditer(t) if m.end() - m.start() <= WORD_MAX]
    pairs = [(a, d) for (a, b), (c, d) in zip(words, words[1:], strict=False) if c == b + 1 and t[b] == " "]
    return words + pairs


def _gram_hashes(t: str) -> list[int]:
    """`model.gram_hashes` in plain Python: 64-bit hashes of the character 1- to 4-grams,
    then of the word terms (`word_spans`): a word's hash is its characters' polynomial hash
    salted by its length plus one (the term's leading NUL adds nothing to the polynomial)."""
    codes = [ord(c) for c in t]
    out: list[int] = []
    h = codes
    for n in range(1, 5):
        if n > 1:
            h = [(a * _P + b) & _MASK for a, b in zip(h, codes[n - 1 :], strict=False)]
            grams = h
        else:
            grams = [a for a, c in zip(h, codes, strict=True) if c != 32]
        salt = _SALT[n]
        for g in grams:
            g = ((g ^ salt) * _K2) & _MASK
            out.append(g ^ (g >> 31))
    for a, b in word_spans(t):
        g = 0
        for c in codes[a:b]:
            g = (g * _P + c) & _MASK
        g = ((g ^ ((b - a + 1) * _K1 & _MASK)) * _K2) & _MASK
        out.append(g ^ (g >> 31))
    return out


def _npz_arrays(path: Path) -> dict[str, tuple[Any, tuple[int, ...]]]:
    """Each array of an uncompressed .npz as (a flat typed view of the mapped file, shape)."""
    with path.open("rb") as fh:
        data = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
    out = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
                raise ValueError(info.filename)  # caught by `open`: the NumPy model reads it
            at = info.header_offset
            name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
            start = at + 30 + name_len + extra_len
            out[info.filename[:-4]] = _npy(data[start : start + info.file_size])
    return out


def _npy(member: memoryview) -> tuple[Any, tuple[int, ...]]:
    if member[:6].tobytes() != b"\x93NUMPY":
        raise ValueError(member[:6].tobytes())
    size, head = (2, 8) if member[6] == 1 else (4, 8)
    (length,) = struct.unpack_from("<H" if size == 2 else "<I", member, head)
    header = ast.literal_eval(member[head + size : head + size + length].tobytes().decode("latin1"))
    if header["fortran_order"]:
        raise ValueError(header)
    shape = tuple(header["shape"])
    body: Any = member[head + size + length :]  # typed views: memoryview's stubs want a literal code
    return body.cast(_CODES[header["descr"]]), shape


@cache
def shipped_tables() -> ModelTables | None:
    """The shipped model's tables, or None when there is no model or they cannot be read."""
    path = package_file("buyersync.locate", "data", MODEL_FILE)
    return ModelTables.open(path) if path.is_file() else None
