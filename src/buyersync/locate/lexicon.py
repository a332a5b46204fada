"""The curated signal lexicon (method/data/signals.yaml) compiled into one fast matcher.

Each phrase carries a stage (or a competitor cue) and a weight. Matching is literal and
case-insensitive, leftmost-longest and non-overlapping (an Aho-Corasick automaton, so a
thousand phrases cost one pass over the text); the matched spans are quoted back to the
seller as the signals. The automaton is ahocorasick_rs (Rust): its leftmost-longest search
is exact where pyahocorasick's `iter_long` can miss a match, and a call costs a quarter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from buyersync.datafile import load_yaml, package_file
from buyersync.method import knowledge as kb
from buyersync.method.stages import STAGES, Stage

COMPETITOR_LED = "competitor_led"
NOT_LED = "not_led"
_CLAUSE_END = re.compile(r"[。！？!?；;\n，,：:|]|\.\s")
_SURROGATE = re.compile("[\ud800-\udfff]")
NEUTRAL = "neutral"  # a longer word that hides a stage phrase (技术标准 ⊃ 技术标): counts for nothing


class Hit(NamedTuple):
    """A matched phrase (a tuple: made for every match of every text, so it must be cheap)."""

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
            if key and key not in self._label and "\x00" not in key:
                self._label[key] = (label, weight)
        import ahocorasick_rs

        self._automaton: Any = None
        self._found = list(self._label.values())  # (label, weight) by pattern index
        if self._label:
            self._automaton = ahocorasick_rs.AhoCorasick(
                list(self._label), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)

    def __len__(self) -> int:
        return len(self._label)

    def find(self, text: str, lowered: str | None = None) -> list[Hit]:
        """The phrases in `text`; `lowered` is `lower_case(text)` when the caller has it."""
        if self._automaton is None:
            return []
        if lowered is None:
            lowered = lower_case(text)
        try:
            matches = self._automaton.find_matches_as_indexes(lowered)
        except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form: a NUL (in no phrase)
            matches = self._automaton.find_matches_as_indexes(_SURROGATE.sub("\x00", lowered))
        found = self._found
        return [Hit(start, end, text[start:end], *found[i]) for i, start, end in matches]

    def stage_scores(self, hits: list[Hit]) -> dict[Stage, float]:
        scores = dict.fromkeys(STAGES, 0.0)
        for h in hits:
            if h.label in scores:
                scores[Stage(h.label)] += h.weight
        return scores


def lower_case(text: str) -> str:
    """The text in lower case, one character for one (so that positions stay)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters lower-case to two characters
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered


@dataclass(frozen=True)
class Headings:
    """Document types named at the top of a text (method/data/headings.yaml)."""

    lexicon: Lexicon
    window: int
    weight: float
    retells: dict[str, frozenset[str]] | None = None  # heading stage → body stages that do not count
    patterns: tuple[tuple[re.Pattern[str], str], ...] = ()  # openings known by their shape
    not_yet: Lexicon | None = None  # cues that make a named document one still to come
    shapes: tuple[tuple[re.Pattern[str], str], ...] = ()  # records known by their fields, anywhere
    shape_window: int = 0
    type_field: re.Pattern[str] | None = None  # a notice's own type field ("Notice Type: Award")
    field_types: Lexicon | None = None  # bare values of that field ("award", "sources sought")
    # strings, lower-cased, one of which every match of `type_field` contains (" type", 公告类型):
    # a text without any in its first `shape_window` characters is not searched (most texts)
    type_field_needs: tuple[str, ...] = ()

    def find(self, text: str, lowered: str | None = None) -> Hit | None:
        """The document type the opening of `text` names; `lowered` is `lower_case(text)`
        when the caller has it."""
        if self.type_field is not None and (declared := self._declared(text, lowered)) is not None:
            return declared
        head = text[: self.window]
        # the opening's own lower case: a final sigma (Σ → ς) reads the letters after it
        low = lowered[: self.window] if lowered is not None and "Σ" not in head else lower_case(head)
        hits = self.lexicon.find(head, low)
        if hits and self.not_yet is not None:
            # "客户计划下个月发布招标公告", "will issue an invitation to tender": not in hand yet
            cues = [c for c in self.not_yet.find(head, low) if c.label == "before"]
            hits = [h for h in hits if not any(
                c.end <= h.start and not _CLAUSE_END.search(text, c.end, h.start) for c in cues)]
        if hits:
            return max(hits, key=lambda h: (h.end - h.start, -h.start))
        for pattern, stage in self.patterns:
            if (m := pattern.match(text, 0, self.window)) is not None and m.end() > m.start():
                return Hit(m.start(), m.end(), m.group(0), stage, 1.0)
        if self.shapes and ("|" in text[: self.shape_window] or "\n" in text[: self.shape_window]):
            for pattern, stage in self.shapes:
                if (m := pattern.search(text, 0, self.shape_window)) is not None:
                    return Hit(m.start(), m.end(), m.group(0), stage, 1.0)
        return None

    def _declared(self, text: str, lowered: str | None = None) -> Hit | None:
        """The type a notice declares in its own field, read as a heading: it decides over a
        phrase such as "Solicitation Number", which every notice of a series carries."""
        assert self.type_field is not None
        if self.type_field_needs:
            # the field's pattern, an alternation, is tried at every position it is searched
            # from: only where its words occur (`lower_case` keeps positions, so the window's
            # lower case is that of the text's window)
            low = lowered[: self.shape_window] if lowered is not None else lower_case(text[: self.shape_window])
            if not any(word in low for word in self.type_field_needs):
                return None
        m = self.type_field.search(text, 0, self.shape_window)
        if m is None:
            return None
        at, value = m.start(1), m.group(1)
        for lexicon in (self.lexicon, self.field_types):
            hits = [h for h in lexicon.find(value) if h.start == 0] if lexicon is not None else []
            if hits:
                h = max(hits, key=lambda h: h.end)
                return Hit(at, at + h.end, text[at : at + h.end], h.label, 1.0)
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
    shapes = tuple((re.compile(str(p)), Stage(stage).value)
                   for stage, ps in (data.get("shapes") or {}).items() for p in ps)
    field = data.get("type_field")
    needs = tuple(str(w).lower() for w in data.get("type_field_needs") or ())
    types = [(str(p), stage, 1.0) for stage, ps in (data.get("field_types") or {}).items()
             if Stage(stage) for p in ps]
    return Headings(Lexicon(entries), int(data["window"]), float(data["weight"]), retells, patterns,
                    default_modifiers().cues, shapes, int(data.get("shape_window", 0)),
                    re.compile(str(field), re.IGNORECASE) if field else None,
                    Lexicon(types) if types else None, needs)


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
    topics: Lexicon | None = None  # stage work named plainly (需求调研): counts only when a cue modifies it
    not_for_topics: frozenset[str] = frozenset()  # cues too plain to modify a topic ("not ")


@cache
def default_modifiers() -> Modifiers:
    data = kb.signals().get("modifiers") or {}

    more = _cue_data()  # locate/data/cues.yaml adds to the lists
    cues = Lexicon([(str(p), key, 1.0) for key in ("before", "after", "hedge")
                    for source in (data, more)
                    for phrases in (source.get(key) or {}).values() for p in phrases or []])
    return Modifiers(cues, float(data.get("shift", 1.0)),
                     float(data.get("against", 0.5)), float(data.get("hedge_share", 0.5)),
                     frozenset(str(p).lower() for phrases in (data.get("far_after") or {}).values()
                               for p in phrases or []),
                     default_topics(),
                     frozenset(str(p).lower() for phrases in (more.get("not_for_topics") or {}).values()
                               for p in phrases or []))


@cache
def _cue_data() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(package_file("buyersync.locate", "data", "cues.yaml"))
    return data


@cache
def default_topics() -> Lexicon:
    """locate/data/cues.yaml `topics`: a stage's work named without saying it is under way."""
    data = _cue_data()
    weight = float(data.get("topic_weight", 2.0))
    return Lexicon([(str(p), Stage(stage).value, weight)
                    for stage, langs in (data.get("topics") or {}).items()
                    for phrases in (langs or {}).values() for p in phrases or []])
