"""Training the stage model (`buyersync model train`): scikit-learn on character n-grams
and, for Latin-script text, words and word pairs (`model.ngrams`).

Reads labelled JSON Lines ({"text", "stage", "competitor_led"}), reports stratified
k-fold cross-validated figures for the model joined with the lexicon (never figures on
text the model trained on), picks the lexicon weight by that cross-validation, then fits
on everything and writes one .npz artefact with its model card data in `meta`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from buyersync.errors import BadInput
from buyersync.locate.clean import split_message
from buyersync.locate.corpus import read_labelled
from buyersync.locate.lexicon import default_headings, default_lexicon, default_modifiers
from buyersync.locate.locator import MAX_LOCATE_CHARS, Locator
from buyersync.locate.model import COMPETITOR_CLASSES, MODEL_FILE, NGRAM_RANGE, StageModel, ngrams
from buyersync.locate.tables import WORD_MAX
from buyersync.method.stages import STAGES, Stage
from buyersync.text import t

GAMMAS = (0.0, 0.15, 0.3, 0.5, 0.8, 1.2)
HEADING_WEIGHTS = (2.0, 4.0, 6.0, 8.0, 12.0)
BLENDS = (0.0, 0.3, 0.5)   # share of complement naive Bayes in the stage model
NB_ALPHA = 0.3
NULL_BIASES = (0.0, -0.25, -0.5, -0.75, -1.0, -1.5)
C_STAGE = 20.0
C_COMP = 10.0
MIN_DF = 2


def default_training_dir() -> Path:
    # src/buyersync/locate/training.py → repo root / data / training
    return Path(__file__).resolve().parents[3] / "data" / "training"


def load_rows(paths: Sequence[Path]) -> list[dict[str, Any]]:
    files: list[Path] = []
    for p in paths or [default_training_dir()]:
        if p.is_dir():
            files += sorted(p.glob("*.jsonl"))
        elif p.is_file():
            files.append(p)
        else:
            raise BadInput("not_found", where=str(p))
    rows = []
    for f in files:
        for row in read_labelled(f):
            row["_source"] = f.name
            if row.get("stage") not in {s.value for s in STAGES}:
                raise BadInput("training_stage", where=str(f), got=repr(row.get("stage"))[:40])
            rows.append(row)
    if len(rows) < 50:
        raise BadInput("training_too_few", where=", ".join(map(str, files)) or "-", n=len(rows), need=50)
    return rows


def model_text(text: str) -> str:
    """What the locator hands the model for this text: the newest message, cleaned."""
    return split_message(text[:MAX_LOCATE_CHARS]).body


def comp_label(value: Any) -> str:
    return "null" if value is None else ("true" if value else "false")


@dataclass
class Parts:
    """What one fit learns; `assemble` turns it into a model for a given blend."""

    terms: list[str]
    idf: np.ndarray
    lr_coef: np.ndarray
    lr_bias: np.ndarray
    nb_coef: np.ndarray
    comp_coef: np.ndarray
    comp_bias: np.ndarray


def fit_parts(rows: Sequence[dict[str, Any]]) -> Parts:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import ComplementNB

    texts = [model_text(r["text"]) for r in rows]
    vec = TfidfVectorizer(analyzer=ngrams, sublinear_tf=True, min_df=MIN_DF, norm="l2",
                          dtype=np.float64)
    x = vec.fit_transform(texts)
    y = [STAGES.index(Stage(r["stage"])) for r in rows]
    stage_clf = LogisticRegression(C=C_STAGE, max_iter=3000).fit(x, y)
    nb = ComplementNB(alpha=NB_ALPHA).fit(x, y)
    comp_clf = LogisticRegression(C=C_COMP, max_iter=3000, class_weight="balanced")
    comp_clf.fit(x, [COMPETITOR_CLASSES.index(comp_label(r.get("competitor_led"))) for r in rows])
    terms = [""] * len(vec.vocabulary_)
    for term, i in vec.vocabulary_.items():
        terms[int(i)] = str(term)
    nb_coef = np.zeros((x.shape[1], len(STAGES)))
    for row, cls in zip(nb.feature_log_prob_, nb.classes_, strict=True):
        nb_coef[:, int(cls)] = row
    return Parts(terms, vec.idf_.astype(np.float64), _full_rows(stage_clf, len(STAGES)),
                 _full_bias(stage_clf, len(STAGES)), nb_coef,
                 _full_rows(comp_clf, len(COMPETITOR_CLASSES)),
                 _full_bias(comp_clf, len(COMPETITOR_CLASSES)))


def assemble(parts: Parts, blend: float, meta: dict[str, Any] | None = None) -> StageModel:
    """One linear model: the weighted geometric mean of the logistic regression's and the
    complement naive Bayes' stage probabilities is a softmax over the blended weights."""
    return StageModel(
        terms=parts.terms, idf=parts.idf,
        stage_coef=(1 - blend) * parts.lr_coef + blend * parts.nb_coef,
        stage_bias=(1 - blend) * parts.lr_bias,
        comp_coef=parts.comp_coef, comp_bias=parts.comp_bias, meta=meta or {})


def fit(rows: Sequence[dict[str, Any]], meta: dict[str, Any] | None = None,
        blend: float = 0.0) -> StageModel:
    return assemble(fit_parts(rows), blend, meta)


def _full_rows(clf: Any, k: int) -> np.ndarray:
    """The classifier's weights as (features, classes), with a zero column for absent classes."""
    coef = np.zeros((clf.coef_.shape[1], k))
    for row, cls in zip(clf.coef_, clf.classes_, strict=True):
        coef[:, int(cls)] = row
    return coef


def _full_bias(clf: Any, k: int) -> np.ndarray:
    bias = np.full(k, -30.0)  # a class absent from training can never win
    for b, cls in zip(clf.intercept_, clf.classes_, strict=True):
        bias[int(cls)] = b
    return bias


def cross_validate(rows: Sequence[dict[str, Any]], folds: int, seed: int = 7) -> dict[str, Any]:
    """k-fold figures; every text is scored by a model that never saw it (nor its file).

    The locator's two free settings are chosen here, on held-out folds only: the lexicon
    weight (best exact stage accuracy) and the bias toward "says nothing" for
    competitor_led (best balanced accuracy over true / false / null, since missing a
    competitor's hand costs a seller as much as seeing one that is not there).
    """
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    y = [r["stage"] for r in rows]
    held_out: dict[float, dict[str, Any]] = {b: {} for b in BLENDS}
    groups = [r.get("_source", "") for r in rows]
    if folds < 0 or folds >= len(set(groups)):
        folds = len(set(groups))  # leave one source out
    if len(set(groups)) >= folds:
        # Whole files are held out: each was written separately, so a fold measures how the
        # model does on text in a style it has not seen, which is what a user's notes are.
        splits = GroupKFold(n_splits=folds).split(np.zeros(len(rows)), y, groups)
        split_by = "source"
    else:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(
            np.zeros(len(rows)), y)
        split_by = "stratified"
    for train_idx, test_idx in splits:
        parts = fit_parts([rows[i] for i in train_idx])
        for b in BLENDS:
            model = assemble(parts, b)
            for i in test_idx:
                for text in _asked(rows[i]["text"]):
                    held_out[b][text] = model.predict(text)
    figures: dict[str, Any] = {}
    for b in BLENDS:
        for g in GAMMAS:
            locator = Locator(default_lexicon(), _Replay(held_out[b]), gamma=g,
                              headings=default_headings(), modifiers=default_modifiers())
            preds = [locator.locate(r["text"]) for r in rows]
            figures[f"{b}/{g}"] = _figures(rows, [(p.stage, p.competitor_led) for p in preds])
    best_key = max(figures, key=lambda k: (figures[k]["exact"], figures[k]["within_one"]))
    blend, gamma = (float(v) for v in best_key.split("/"))
    frozen = held_out[blend]
    by_heading: dict[str, Any] = {}
    base = default_headings()
    for hw in HEADING_WEIGHTS:
        locator = Locator(default_lexicon(), _Replay(frozen), gamma=gamma,
                          headings=replace(base, weight=hw),
                          modifiers=default_modifiers())
        preds = [locator.locate(r["text"]) for r in rows]
        by_heading[str(hw)] = _figures(rows, [(p.stage, p.competitor_led) for p in preds])
    # Reported, not chosen: the project's notices are too regular for cross-validation to
    # tell what a heading is worth on real ones, so the weight stays the one headings.yaml sets.
    heading_weight = base.weight
    headings = base
    by_bias: dict[str, float] = {}
    for b in NULL_BIASES:
        locator = Locator(default_lexicon(), _Replay(frozen), gamma=gamma, null_bias=b,
                          headings=headings, modifiers=default_modifiers())
        verdicts = [locator.locate(r["text"]).competitor_led for r in rows]
        by_bias[str(b)] = _balanced_accuracy(rows, verdicts)
    null_bias = max(NULL_BIASES, key=lambda b: by_bias[str(b)])
    locator = Locator(default_lexicon(), _Replay(frozen), gamma=gamma, null_bias=null_bias,
                      headings=headings, modifiers=default_modifiers())
    located = [locator.locate(r["text"]) for r in rows]
    best = _figures(rows, [(p.stage, p.competitor_led) for p in located])
    best["competitor_led_balanced"] = round(by_bias[str(null_bias)], 4)
    best["competitor_led_precision"], best["competitor_led_recall"] = _led_precision_recall(
        rows, [p.competitor_led for p in located])
    calibration = calibrate(rows, located)
    return {"folds": folds, "split": split_by, "by_blend_and_gamma": figures, "by_heading_weight": by_heading,
            "by_null_bias": by_bias, "blend": blend, "gamma": gamma,
            "heading_weight": heading_weight, "null_bias": null_bias, "best": best,
            "calibration": calibration, "temperature": calibration["temperature"],
            "sure_at": calibration["sure_at"]}


def _asked(text: str) -> list[str]:
    """The texts the locator may hand the model for `text`: the newest message, and that
    message with the thread below it (when the newest says nothing about the stage)."""
    message = split_message(text[:MAX_LOCATE_CHARS])
    return [message.body, f"{message.body}\n{message.history}"] if message.history else [message.body]


TEMPERATURES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0)
SURE_TARGET = 0.92         # what the locator is sure of must be right this often, pooled held out
SURE_SOURCE_TARGET = 0.90  # and this often in each held-out source file large enough to judge alone
SURE_MIN_TEXTS = 100       # a source file with fewer held-out texts is judged only in the pool
SURE_BAND = 0.10           # the texts just above the threshold (this much confidence) …
SURE_BAND_TARGET = 0.70    # … must be right this often: sure is never a near coin flip


def _temper(scores: dict[Stage, float], temp: float) -> np.ndarray:
    p = np.array([max(scores[s], 1e-12) for s in STAGES]) ** (1.0 / temp)
    out: np.ndarray = p / p.sum()
    return out


def calibrate(rows: Sequence[dict[str, Any]], located: Sequence[Any]) -> dict[str, Any]:
    """Temperature for the scores (least held-out log loss), and the confidence below which
    the locator says it is uncertain (`sure_threshold`, on the tempered held-out
    confidences). Reports reliability tables and calibration error."""
    truth = np.array([STAGES.index(Stage(r["stage"])) for r in rows])

    def nll(temp: float) -> float:
        probs = np.array([_temper(loc.scores, temp) for loc in located])
        return float(-np.mean(np.log(probs[np.arange(len(truth)), truth] + 1e-12)))

    before = np.array([_temper(loc.scores, 1.0) for loc in located])
    temperature = min(TEMPERATURES, key=nll)
    after = np.array([_temper(loc.scores, temperature) for loc in located])
    ece_after, table = _ece(after, truth)
    sure = sure_threshold(after.max(axis=1), after.argmax(axis=1) == truth,
                          [str(r.get("_source", "")) for r in rows])
    return {"temperature": temperature,
            "log_loss_before": round(_nll(before, truth), 4), "log_loss_after": round(_nll(after, truth), 4),
            "ece_before": _ece(before, truth)[0], "ece_after": ece_after, "reliability": table, **sure}


def sure_threshold(confidence: np.ndarray, right: np.ndarray, sources: Sequence[str],
                   target: float = SURE_TARGET,
                   source_target: float = SURE_SOURCE_TARGET,
                   band_target: float = SURE_BAND_TARGET) -> dict[str, Any]:
    """The `uncertain` threshold, chosen on held-out predictions: the lowest confidence (in
    steps of 0.01, so the most texts are sure) at which the texts at or above it, pooled over
    every held-out fold, are right at least `target` of the time, and each source file with
    at least SURE_MIN_TEXTS held-out texts at least `source_target` of the time. A small file
    judged alone would set the threshold by a handful of hard texts (one wrong in twenty is
    already 95%) and leave the locator sure of little; it counts in the pool. The pooled
    figure alone would let many right texts far above the threshold carry a band of near
    coin flips just above it (a reply with no stage in it at 33%): the held-out texts
    within SURE_BAND of the least confident sure one must be right at least `band_target`
    of the time."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(right, dtype=bool)
    names = np.asarray(list(sources))
    groups = [names == g for g in sorted(set(sources)) if (names == g).sum() >= SURE_MIN_TEXTS]
    chosen = 1.0
    for step in range(100):
        at = step / 100
        sure = conf >= at - 1e-9
        if not sure.any():
            break
        if ok[sure].mean() < target:
            continue
        band = sure & (conf < conf[sure].min() + SURE_BAND)  # the least sure of the sure
        if ok[band].mean() < band_target:
            continue
        if all(not (sure & g).any() or ok[sure & g].mean() >= source_target for g in groups):
            chosen = at
            break
    sure = conf >= chosen - 1e-9
    per_source = {g: round(float(ok[sure & (names == g)].mean()), 4) if (sure & (names == g)).any()
                  else None for g in sorted(set(sources))}
    return {"sure_at": chosen, "sure_target": target, "sure_source_target": source_target,
            "sure_min_texts": SURE_MIN_TEXTS, "sure_band": SURE_BAND, "sure_band_target": band_target,
            "sure_coverage": round(float(sure.mean()), 4) if len(conf) else None,
            "sure_accuracy": round(float(ok[sure].mean()), 4) if sure.any() else None,
            "sure_by_source": per_source}


def _nll(probs: np.ndarray, truth: np.ndarray) -> float:
    return float(-np.mean(np.log(probs[np.arange(len(truth)), truth] + 1e-12)))


def _ece(probs: np.ndarray, truth: np.ndarray, bins: int = 10) -> tuple[float, list[dict[str, Any]]]:
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == truth
    table, ece = [], 0.0
    for k in range(bins):
        lo, hi = k / bins, (k + 1) / bins
        sel = (conf > lo) & (conf <= hi) if k else (conf >= lo) & (conf <= hi)
        if not sel.any():
            continue
        gap = abs(float(right[sel].mean()) - float(conf[sel].mean()))
        ece += gap * sel.sum() / len(conf)
        table.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(sel.sum()),
                      "confidence": round(float(conf[sel].mean()), 4),
                      "accuracy": round(float(right[sel].mean()), 4)})
    return round(ece, 4), table


def _led_precision_recall(rows: Sequence[dict[str, Any]], preds: Sequence[bool | None]
                          ) -> tuple[float | None, float | None]:
    said = [i for i, p in enumerate(preds) if p is True]
    truly = [i for i, r in enumerate(rows) if r.get("competitor_led") is True]
    precision = sum(rows[i].get("competitor_led") is True for i in said) / len(said) if said else None
    recall = sum(preds[i] is True for i in truly) / len(truly) if truly else None
    return (None if precision is None else round(precision, 4),
            None if recall is None else round(recall, 4))


class _Replay(StageModel):
    """Plays back held-out predictions in order, so settings can be compared without refitting."""

    def __init__(self, predictions: dict[str, tuple[dict[Stage, float], dict[str, float]]]) -> None:
        self._predictions = predictions
        self._asked = ""
        self.meta = {}
        self.terms = []

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        self._asked = text
        return np.zeros(0, dtype=np.int64), np.zeros(0)

    def predict_features(self, idx: np.ndarray, w: np.ndarray
                         ) -> tuple[dict[Stage, float], dict[str, float]]:
        return self._predictions[self._asked]


def _balanced_accuracy(rows: Sequence[dict[str, Any]], preds: Sequence[bool | None]) -> float:
    per_class = []
    for label in (True, False, None):
        idx = [i for i, r in enumerate(rows) if r.get("competitor_led") is label]
        if idx:
            per_class.append(sum(preds[i] is label for i in idx) / len(idx))
    return sum(per_class) / len(per_class)


def _figures(rows: Sequence[dict[str, Any]], preds: Sequence[tuple[Stage, bool | None]]
             ) -> dict[str, Any]:
    n = len(rows)
    exact = sum(p[0].value == r["stage"] for r, p in zip(rows, preds, strict=True))
    near = sum(abs(p[0].rank - Stage(r["stage"]).rank) <= 1
               for r, p in zip(rows, preds, strict=True))
    labelled = [(r, p) for r, p in zip(rows, preds, strict=True)
                if r.get("competitor_led") is not None]
    comp = sum(p[1] == r["competitor_led"] for r, p in labelled)
    recall = {}
    for s in STAGES:
        idx = [i for i, r in enumerate(rows) if r["stage"] == s.value]
        recall[s.value] = round(sum(preds[i][0] is s for i in idx) / len(idx), 4) if idx else None
    return {"n": n, "exact": round(exact / n, 4), "within_one": round(near / n, 4),
            "competitor_led": round(comp / len(labelled), 4) if labelled else None,
            "recall": recall}


def data_fingerprint(rows: Sequence[dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(json.dumps([r["text"], r["stage"], r.get("competitor_led")],
                            ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def train_command(paths: Sequence[Path], out: Path | None, folds: int, lang: str = "en", *,
                  say: Callable[[str], object] = print,
                  busy: Callable[[str], AbstractContextManager[Any]] | None = None) -> None:
    """Train, report and save the model. `say` prints a line and `busy(label)` shows a
    long step: the entry point draws them (the CLI with Rich on standard error)."""
    def waiting(label: str) -> AbstractContextManager[Any]:
        return busy(label) if busy is not None else nullcontext()

    rows = load_rows(paths)
    say(t("model.training_on", lang, n=len(rows)))
    cv: dict[str, Any] | None = None
    gamma, null_bias, heading_weight, blend = 0.3, 0.0, default_headings().weight, 0.0
    temperature, sure_at = 1.0, 0.0
    if folds != 0:
        with waiting(t("model.cross_validating", lang)):
            cv = cross_validate(rows, folds)
        gamma = float(cv["gamma"])
        null_bias = float(cv["null_bias"])
        temperature, sure_at = float(cv["temperature"]), float(cv["sure_at"])
        heading_weight = float(cv["heading_weight"])
        blend = float(cv["blend"])
        best = cv["best"]
        cal = cv["calibration"]
        say(t("model.cv_result", lang, blend=blend, gamma=gamma, exact=f"{best['exact']:.1%}",
                        within=f"{best['within_one']:.1%}", led=f"{best['competitor_led']:.1%}",
                        null_bias=null_bias, temperature=temperature, sure_at=f"{sure_at:.0%}",
                        coverage=f"{cal['sure_coverage']:.0%}", accuracy=f"{cal['sure_accuracy']:.1%}"))
    fingerprint = data_fingerprint(rows)
    meta = {
        "version": f"{dt.date.today():%Y.%m.%d}-{fingerprint[:8]}",
        "trained_on": {"texts": len(rows), "fingerprint": fingerprint,
                       "stages": {s.value: sum(r["stage"] == s.value for r in rows)
                                  for s in STAGES}},
        "features": {"analyzer": "char n-grams", "words": "latin_word_pairs",
                     "ngram_range": list(NGRAM_RANGE), "word_chars": [3, WORD_MAX],
                     "min_df": MIN_DF, "tf": "sublinear", "norm": "l2"},
        "classifiers": {"stage": f"LogisticRegression(C={C_STAGE}) + "
                                 f"ComplementNB(alpha={NB_ALPHA})",
                        "competitor_led": f"LogisticRegression(C={C_COMP}, balanced)"},
        "gamma": gamma,
        "null_bias": null_bias,
        "heading_weight": heading_weight,
        "blend": blend,
        "temperature": temperature,
        "sure_at": sure_at,
        "cross_validation": cv,
    }
    with waiting(t("model.fitting", lang)):
        model = fit(rows, meta, blend)
    target = out or Path(str(resources.files("buyersync.locate").joinpath("data", MODEL_FILE)))
    target.parent.mkdir(parents=True, exist_ok=True)
    model.save(target)
    say(t("model.saved", lang, version=meta["version"], features=len(model.terms), target=target))
