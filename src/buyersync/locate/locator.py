"""The locator: one piece of evidence → a Location (stage, scores, competitor_led, signals).

It joins the two halves. The trained n-gram model gives a probability per stage; the
curated lexicon multiplies in its evidence (exp(gamma × weight) for each matched phrase),
so a trainer's phrase can correct the model and every decision can quote the words that
drove it. Without a trained model the lexicon decides alone.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from buyersync.locate.clean import Message, split_message
from buyersync.locate.lexicon import (
    COMPETITOR_LED,
    NOT_LED,
    Headings,
    Hit,
    Lexicon,
    Modifiers,
    default_headings,
    default_lexicon,
    default_modifiers,
    lower_case,
)
from buyersync.locate.reading import Reading, read_stage_phrases
from buyersync.locate.tables import COMPETITOR_CLASSES, Features, ScoringModel, ShippedModel, normalise, shipped_tables
from buyersync.method.stages import STAGES, Stage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from buyersync.locate.model import StageModel
    from buyersync.method.model import Location

MAX_LOCATE_CHARS = 20_000  # a tender can be long; the opening carries its type
_STAGE_KEYS = frozenset(s.value for s in STAGES)
_STAGE_INDEX = {s.value: i for i, s in enumerate(STAGES)}
LED_WITHOUT_CUE = 0.42  # the model's own probability needed to call a text competitor-led with no cue


class Locator:
    def __init__(self, lexicon: Lexicon, model: ScoringModel | None, gamma: float = 0.35,
                 comp_gamma: float = 0.8, null_bias: float = 0.0,
                 headings: Headings | None = None, modifiers: Modifiers | None = None,
                 temperature: float = 1.0, sure_at: float = 0.0) -> None:
        self.lexicon = lexicon
        self.model = model
        self.gamma = gamma
        self.comp_gamma = comp_gamma
        self.null_bias = null_bias
        self.headings = headings
        self.modifiers = modifiers
        self.temperature = temperature  # calibration: scores are raw^(1/T), renormalised
        self.sure_at = sure_at          # below this confidence the answer is `uncertain`
        self.led_without_cue = LED_WITHOUT_CUE

    def locate(self, text: str) -> Location:
        asks: list[_SpanAsk] = []
        weighed = self._judge(split_message(text[:MAX_LOCATE_CHARS]), None, asks)
        self._quote_model(asks)
        return _location(self._finish([weighed])[0])

    def locate_many(self, texts: list[str]) -> list[Location]:
        """`locate` for a batch of texts: the same answers, with the model run once for all."""
        return [_location(j) for j in self.judge_many(texts)]

    def judge_many(self, texts: list[str]) -> list[Judged]:
        """`locate_many` as plain tuples (no validated objects): the streaming path's form."""
        messages = [split_message(t[:MAX_LOCATE_CHARS]) for t in texts]
        asks: list[_SpanAsk] = []  # texts whose signals quote the model: ranked all at once
        if self.model is None:
            return self._finish([self._judge(m, None, asks) for m in messages])
        stage, comp, feats = self.model.score_many([m.body for m in messages])
        weighed = [self._judge(m, (s, c, f), asks)
                   for m, s, c, f in zip(messages, stage, comp, feats, strict=True)]
        self._quote_model(asks)
        return self._finish(weighed)

    def _finish(self, weighed: list[_Weighed]) -> list[Judged]:
        """Round the scores of many texts at once, and say which answers are in doubt."""
        rounded = _rounded_many([w[1] for w in weighed])
        sure_at = self.sure_at
        return [(stage, r, competitor_led, signals, r[best] < sure_at)
                for (stage, _, competitor_led, signals, best), r in zip(weighed, rounded, strict=True)]

    def _judge(self, message: Message,
               predicted: tuple[list[float], list[float], Features] | None,
               asks: list[_SpanAsk]) -> _Weighed:
        """Stage, scores, competitor verdict, signals and the best stage's index for one message.

        Scores are kept as lists in STAGES order: a dict keyed by the Stage enum costs a
        Python-level hash on every access, and this runs once for every located text. When
        the signals must quote the model, the text joins `asks`, and `_quote_model` fills
        its signals in, for all such texts of a batch at once.
        """
        text = message.body
        lowered = lower_case(text)  # one lower-cased copy for every lexicon's search
        hits = self.lexicon.find(text, lowered)
        heading = self.headings.find(text, lowered) if self.headings is not None else None
        if message.history and heading is None and not any(h.label in _STAGE_KEYS for h in hits):
            # the newest reply says nothing about the stage: read it with the thread below it
            text = f"{text}\n{message.history}"
            lowered = lower_case(text)
            hits = self.lexicon.find(text, lowered)
            heading = self.headings.find(text, lowered) if self.headings is not None else None
            predicted = None
        features = None
        if predicted is not None:
            probs, comp, features = predicted
        elif self.model is not None:
            features = self.model.features(text)
            by_stage, by_class = self.model.predict_features(*features)
            probs = [by_stage[s] for s in STAGES]
            comp = [by_class[c] for c in COMPETITOR_CLASSES]
        else:
            probs = [1 / len(STAGES)] * len(STAGES)
            comp = [0.2, 0.1, 0.7]
        retold = (self.headings.retells or {}).get(heading.label, frozenset()) \
            if heading is not None and self.headings is not None else frozenset()
        reading = read_stage_phrases(text, hits, self.modifiers, retold, lowered)
        gamma, log = self.gamma, math.log
        # log(max(p, 1e-300)) + min(gamma × r, 30), without two builtin calls per stage
        log_raw = [log(1e-300 if p < 1e-300 else p) + (30.0 if (g := gamma * r) > 30.0 else g)
                   for p, r in zip(probs, reading.scores.values(), strict=True)]
        if heading is not None and self.headings is not None:
            hits.append(heading)
            log_raw[_STAGE_INDEX[heading.label]] += self.headings.weight
        top = max(log_raw)
        temperature, exp = self.temperature, math.exp
        raw = [exp((v - top) / temperature) for v in log_raw]
        total = sum(raw)
        scores = [r / total for r in raw]
        best = scores.index(max(scores))
        stage = STAGES[best]

        led = sum(h.weight for h in hits if h.label == COMPETITOR_LED)
        not_led = sum(h.weight for h in hits if h.label == NOT_LED)
        odds_true = comp[0] * math.exp(self.comp_gamma * led)
        odds_false = comp[1] * math.exp(self.comp_gamma * not_led)
        odds_null = comp[2] * math.exp(self.null_bias)
        # the largest odds; on a tie the first of true, false, null
        verdict = "true" if odds_true >= odds_false and odds_true >= odds_null \
            else "false" if odds_false >= odds_null else "null"
        if verdict == "true" and led <= 0 and comp[0] < self.led_without_cue:
            # a rival named, a price mentioned, a customer's own doubt: the model alone is not
            # enough to say a competitor shaped the stage; a cue showing its hand is needed
            verdict = "false" if odds_false > odds_null else "null"
        competitor_led = None if verdict == "null" else verdict == "true"
        return (stage, scores, competitor_led,
                self._signals(text, stage, hits, reading, competitor_led, features, asks), best)

    def _signals(self, text: str, stage: Stage, hits: list[Hit], reading: Reading,
                 competitor_led: bool | None, features: Features | None,
                 asks: list[_SpanAsk]) -> list[tuple[str, Stage | None, str]]:
        # the decisive sentence's phrases first, then the rest
        mine = sorted((p for p in reading.phrases if p.stage is stage and p.weight > 0),
                      key=lambda p: -p.salience)
        out: list[tuple[str, Stage | None, str]] = [(p.text, stage, "stage") for p in mine]
        key = stage.value
        out += [(h.text, stage, "stage") for h in hits
                if h.label == key and h.start < len(text) and h not in reading.hits]
        cues: list[tuple[str, Stage | None, str]] = []
        if competitor_led is not None:
            label = COMPETITOR_LED if competitor_led else NOT_LED
            cues = [(h.text, None, label) for h in hits if h.label == label]
        if not out and features is not None and len(features[0]):
            # no phrase for its stage: the model's words are quoted, with the other texts' (later)
            asks.append((cues, text, stage, features))
            return cues
        return _first_six(out + cues)

    def _quote_model(self, asks: list[_SpanAsk]) -> None:
        """Put in front of each asking text's signals (its competitor cues) the stretches of
        its text whose n-grams pushed hardest toward its stage, verbatim; the features of all
        the texts are ranked in one go."""
        if not asks:
            return
        assert self.model is not None
        ranked = self.model.top_features_many([(stage, *f) for _, _, stage, f in asks], _TOP * 3)
        terms = self.model.terms
        for (signals, text, stage, _), top in zip(asks, ranked, strict=True):
            quoted: list[tuple[str, Stage | None, str]] = [
                (span, stage, "stage") for span in _model_spans(text, top, terms)]
            signals[:] = _first_six(quoted + signals)


_TOP = 8  # model spans looked for in a text (of which up to 3 are quoted)


def _first_six(out: list[tuple[str, Stage | None, str]]) -> list[tuple[str, Stage | None, str]]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for s in out:
        if (s[0], s[2]) not in seen:
            seen.add((s[0], s[2]))
            unique.append(s)
    return unique[:6]


def _model_spans(text: str, ranked: list[tuple[float, int]], terms: Sequence[str]) -> list[str]:
    """The stretches of text whose n-grams pushed hardest toward the stage, verbatim: `ranked`
    are the text's features that push hardest, as (weight, feature), largest first."""
    top = _TOP
    lowered = text.lower()
    spans: list[tuple[int, int]] = []
    for weight, j in ranked:
        if weight <= 0:
            break
        gram = terms[j]
        if len(gram.strip()) < 2:
            continue
        at = lowered.find(gram)
        if at >= 0:
            spans.append((at, at + len(gram)))
        if len(spans) >= top:
            break
    spans = [_whole_words(text, a, b) for a, b in spans]
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    merged.sort(key=lambda ab: ab[0] - ab[1])
    out = []
    for a, b in merged:
        span = text[a:b].strip()
        # four Latin letters or one Chinese character: a stretch worth quoting
        if span and (_FOUR_LATIN.search(span) or _CJK.search(span)) \
                and span.lower() not in _STOPWORDS:
            out.append(span)
            if len(out) == 3:
                break
    return out


_STOPWORDS = {"the", "that", "this", "they", "them", "their", "with", "from", "have", "what",
              "will", "would", "there", "about", "which", "said", "says"}


_FOUR_LATIN = re.compile(r"[A-Za-z](?:[^A-Za-z]*[A-Za-z]){3}")
# method.textlang.is_cjk, for a whole span: the one range U+3400-U+9FFF less the gap between
# its two blocks (two ranges in one class cost a start-up ~9 ms to compile; a test compares)
_CJK = re.compile("[\u3400-\u9fff](?<![\u4dc0-\u4dff])")


def _whole_words(text: str, a: int, b: int) -> tuple[int, int]:
    """Widen a span that cuts through a Latin word to the whole word; CJK spans stay as they are."""
    if a > 0 and text[a].isascii():
        while a > 0 and text[a - 1].isascii() and text[a - 1].isalnum():
            a -= 1
    if text[b - 1].isascii():
        while b < len(text) and text[b].isascii() and text[b].isalnum():
            b += 1
    return a, b


def _rounded(scores: list[float]) -> list[float]:
    """Scores to 4 places that still sum to 1: the rounding error goes to the largest."""
    out = [round(v, 4) for v in scores]
    top = out.index(max(out))
    out[top] = round(out[top] + 1.0 - sum(out), 4)
    return out


def _rounded_many(rows: list[list[float]]) -> list[list[float]]:
    """`_rounded` for many rows: `round(v, 4)` of every score in one set of array operations.

    round(v, 4) is the double nearest to v·10⁴ rounded to an integer n, over 10⁴; the
    product y = v·10⁴ in floating point is within 10⁻¹² of the exact one, so unless y is
    within 10⁻⁶ of a half, n = floor(y + ½) and n / 10⁴ (a correctly rounded division) is
    the same double. Rows with such a near-half (or a negative or odd value) are rounded by
    `round` itself. The correction of the largest score stays in Python: `sum` is Python's.
    """
    if len(rows) < 32:  # a deal's few texts: not worth NumPy's import
        return [_rounded(row) for row in rows]
    import numpy as np

    a = np.array(rows, dtype=np.float64)
    y = a * 10000.0
    out: list[list[float]] = (np.floor(y + 0.5) / 10000.0).tolist()
    odd = (np.abs(y - np.floor(y) - 0.5) < 1e-6) | np.signbit(a) | ~np.isfinite(a) | (a > 1.0)
    for i in np.flatnonzero(odd.any(axis=1)).tolist():
        out[i] = [round(v, 4) for v in rows[i]]
    for row in out:
        top = row.index(max(row))
        row[top] = round(row[top] + 1.0 - sum(row), 4)
    return out


# (stage, scores rounded to 4 places in STAGES order, competitor_led,
#  signals as (text, stage or None, kind), uncertain)
Judged = tuple[Stage, list[float], bool | None, list[tuple[str, Stage | None, str]], bool]
# the same before rounding: (stage, scores, competitor_led, signals, index of the best stage)
_Weighed = tuple[Stage, list[float], bool | None, list[tuple[str, Stage | None, str]], int]
# a text whose signals quote the model: (its signals so far, to be completed in place, its
# text, its stage, its features)
_SpanAsk = tuple[list[tuple[str, Stage | None, str]], str, Stage, Features]


def _location(j: Judged) -> Location:
    from buyersync.method.model import Location, Signal  # pydantic: not for the JSON Lines stream

    stage, rounded, competitor_led, signals, uncertain = j
    # built without re-validation: every field is made here from checked values
    return Location.model_construct(
        stage=stage, confidence=rounded[STAGES.index(stage)],
        scores=dict(zip(STAGES, rounded, strict=True)), competitor_led=competitor_led,
        signals=[Signal.model_construct(text=t, stage=s, kind=k) for t, s, k in signals],
        uncertain=uncertain)


@cache
def default_locator() -> Locator:
    tables = shipped_tables()  # a process's first texts are scored without importing NumPy
    model: ScoringModel | None = ShippedModel(tables, _numpy_model) if tables else _numpy_model()
    meta = model.meta if model else {}
    headings = default_headings()
    if "heading_weight" in meta:
        headings = replace(headings, weight=float(meta["heading_weight"]))
    return Locator(default_lexicon(), model, gamma=float(meta.get("gamma", 1.0)),
                   null_bias=float(meta.get("null_bias", 0.0)), headings=headings,
                   modifiers=default_modifiers(),
                   temperature=float(meta.get("temperature", 1.0)),
                   sure_at=float(meta.get("sure_at", 0.0)))


def _numpy_model() -> StageModel | None:
    from buyersync.locate.model import shipped_model

    return shipped_model()


def locate(text: str) -> Location:
    """Where this piece of evidence puts the customer."""
    return default_locator().locate(text)


__all__ = ["Judged", "Locator", "default_locator", "locate", "normalise"]
