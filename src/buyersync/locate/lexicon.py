"""The curated signal lexicon (method/data/signals.yaml) compiled into one fast matcher.

Each phrase carries a stage (or a competitor cue) and a weight. Matching is literal and
case-insensitive, leftmost-longest and non-overlapping (an Aho-Corasick automaton, so a
thousand phrases cost one pass over the text); the matched spans are quoted back to the
seller as the signals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from buyersync.method import knowledge as kb
from buyersync.method.stages import STAGES, Stage

COMPETITOR_LED = "competitor_led"
NOT_LED = "not_led"
NEUTRAL = "neutral"  # a longer word that hides a stage phrase (技术标准 ⊃ 技术标): counts for nothing


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    text: str
    label: str  # a stage key, COMPETITOR_LED or NOT_LED
    weight: float


class Lexicon:
    def __init__(self, entries: list[tuple[str, str, float]]) -> None:
        self._label: dict[str, tuple[str, float]] = {}
        for phrase, label, weight in entries:
            key = phrase.lower()
            if key and key not in self._label:
                self._label[key] = (label, weight)
        import ahocorasick

        self._automaton: Any = None
        if self._label:
            automaton = ahocorasick.Automaton()
            for key, (label, weight) in self._label.items():
                automaton.add_word(key, (len(key), label, weight))
            automaton.make_automaton()
            self._automaton = automaton

    def __len__(self) -> int:
        return len(self._label)

    def find(self, text: str) -> list[Hit]:
        if self._automaton is None:
            return []
        lowered = text.lower()
        if len(lowered) != len(text):  # a few letters lower-case to two characters
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        hits = []
        for end, (size, label, weight) in self._automaton.iter_long(lowered):
            start = end + 1 - size
            hits.append(Hit(start, end + 1, text[start : end + 1], label, weight))
        return hits

    def stage_scores(self, hits: list[Hit]) -> dict[Stage, float]:
        scores = dict.fromkeys(STAGES, 0.0)
        for h in hits:
            if h.label in scores:
                scores[Stage(h.label)] += h.weight
        return scores


@dataclass(frozen=True)
class Headings:
    """Document types named at the top of a text (method/data/headings.yaml)."""

    lexicon: Lexicon
    window: int
    weight: float
    retells: dict[str, frozenset[str]] | None = None  # heading stage → body stages that do not count
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()  # openings known by their shape

    def find(self, text: str) -> Hit | None:
        hits = self.lexicon.find(text[: self.window])
        if hits:
            return max(hits, key=lambda h: (h.end - h.start, -h.start))
        for pattern, stage in self.patterns:
            if (m := pattern.match(text, 0, self.window)) is not None and m.end() > m.start():
                return Hit(m.start(), m.end(), m.group(0), stage, 1.0)
        return None


@cache
def default_headings() -> Headings:
    data = kb.headings()
    entries = [(str(p), stage, 1.0)
               for stage, langs in data["stages"].items() if Stage(stage)
               for phrases in langs.values() for p in phrases]
    retells = {str(k): frozenset(Stage(v).value for v in vs)
               for k, vs in (data.get("retells") or {}).items()}
    patterns = tuple((re.compile(str(p)), Stage(stage).value)
                     for stage, ps in (data.get("patterns") or {}).items() for p in ps)
    return Headings(Lexicon(entries), int(data["window"]), float(data["weight"]), retells, patterns)


@cache
def default_lexicon() -> Lexicon:
    data = kb.signals()
    entries: list[tuple[str, str, float]] = []
    for stage, langs in (data.get("stages") or {}).items():
        Stage(stage)  # an unknown key in the file is a bug in the file: fail loudly
        for phrases in (langs or {}).values():
            for p in phrases or []:
                entries.append((str(p["text"]), stage, float(p.get("weight", 1.0))))
    comp = data.get("competitor") or {}
    for key, label in (("led", COMPETITOR_LED), ("not_led", NOT_LED)):
        for phrases in (comp.get(key) or {}).values():
            for p in phrases or []:
                text = p["text"] if isinstance(p, dict) else p
                weight = float(p.get("weight", 1.0)) if isinstance(p, dict) else 1.0
                entries.append((str(text), label, weight))
    for phrases in (data.get("neutral") or {}).values():
        entries += [(str(p), NEUTRAL, 0.0) for p in phrases or []]
    return Lexicon(entries)


@dataclass(frozen=True)
class Modifiers:
    """Cues that a stage phrase is negated, on hold, still to come, or hedged (signals.yaml)."""

    cues: Lexicon  # labels: "before", "after", "hedge" (one pass finds all three)
    shift: float
    against: float
    hedge_share: float
    far_after: frozenset[str] = frozenset()  # `after` cues that reach past a comma


@cache
def default_modifiers() -> Modifiers:
    data = kb.signals().get("modifiers") or {}

    cues = Lexicon([(str(p), key, 1.0) for key in ("before", "after", "hedge")
                    for phrases in (data.get(key) or {}).values() for p in phrases or []])
    return Modifiers(cues, float(data.get("shift", 1.0)),
                     float(data.get("against", 0.5)), float(data.get("hedge_share", 0.5)),
                     frozenset(str(p).lower() for phrases in (data.get("far_after") or {}).values()
                               for p in phrases or []))
