"""Reading stage phrases in context: negation, hold, tense and hedging; one decisive sentence.

Rules, in the order they apply to each stage phrase the lexicon found:
1. A phrase inside a longer neutral word, or one an award notice merely retells, is skipped.
2. A `before` cue in front of it, or an `after` cue behind it, in the same clause (or a
   再 after a 先 earlier in the sentence) means the customer is not there yet: the phrase
   counts `against` × weight against its stage and `shift` × weight for the stage before.
   Its signal quotes the cue with the phrase ("not been involved yet").
3. A hedge in the same clause ("maybe", 可能) scales the phrase by `hedge_share`.
4. Phrases add up per sentence; a text's score for a stage is its best sentence plus a
   fraction (REST) of the others, so one decisive sentence outweighs many passing
   mentions in a long thread, and signals quote that sentence first.
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

from buyersync.locate.lexicon import Hit, Modifiers, lower_case
from buyersync.method.stages import STAGES, Stage

REST = 0.35  # how much sentences other than the best one add
# A sentence ends at a run of end marks, or at a full stop after a letter, digit, bracket or
# quote and before a space or the end; a clause also at commas and colons and before "but",
# 但(是), 不过, 然后. Each pattern opens with the one character class its ends can start
# with, so that the regex engine skips to those characters instead of trying every branch
# at every position (the same matches as the plain alternation, two to three times faster).
_SENTENCE = re.compile(r"[。！？!?；;\n.](?:(?<=\.)(?<=[A-Za-z0-9)\"'”]\.)(?:\s+|$)"
                       r"|(?<!\.)[。！？!?；;\n]*)")
_CLAUSE = re.compile(r"[。！？!?；;\n，,：:.\s但不然](?:(?<=\.)(?<=[A-Za-z0-9)\"'”]\.)(?:\s+|$)"
                     r"|(?<=[。！？!?；;\n，,：:])[。！？!?；;\n，,：:]*"
                     r"|(?<=\s)(?:but|however|and then)\s|(?<=但)(?:是)?|(?<=不)过|(?<=然)后)")
_KEYS = {s.value: s for s in STAGES}


class Phrase(NamedTuple):
    """A stage phrase as read (a tuple: one is made for most located texts)."""

    text: str          # verbatim span of the input
    stage: Stage       # the stage it counts for
    weight: float
    salience: float    # its sentence's score for that stage


class Reading(NamedTuple):
    scores: dict[Stage, float]
    phrases: list[Phrase]
    hits: list[Hit]  # the stage hits that were read


def _bounds(pattern: re.Pattern[str], text: str) -> list[int]:
    out = [0]
    out += [m.end() for m in pattern.finditer(text)]
    out.append(len(text) + 1)
    return out


def _span(bounds: list[int], at: int) -> tuple[int, int]:
    i = bisect.bisect_right(bounds, at) - 1
    return bounds[i], bounds[i + 1]


def read_stage_phrases(text: str, hits: list[Hit], modifiers: Modifiers | None,
                       retold: frozenset[str] = frozenset(), lowered: str | None = None) -> Reading:
    """The stage phrases of `text` (`hits`) read in context; `lowered` is `lower_case(text)`
    when the caller has it."""
    stage_hits = [h for h in hits if h.label in _KEYS and h.label not in retold]
    scores = dict.fromkeys(STAGES, 0.0)
    if modifiers is not None and lowered is None:
        lowered = lower_case(text)
    cues = modifiers.cues.find(text, lowered) if modifiers is not None else []
    then = "先" in text and "再" in text
    topics: list[Hit] = []
    if (cues or then) and modifiers is not None and modifiers.topics is not None:
        # a stage's work named plainly counts only if a cue modifies it (see below)
        topics = [g for g in modifiers.topics.find(text, lowered)
                  if _whole_word(text, g) and not any(h.start < g.end and g.start < h.end for h in hits)]
        if topics:
            stage_hits = sorted([*stage_hits, *topics], key=lambda h: h.start)
    if not stage_hits:
        return Reading(scores, [], [])
    if not cues and not then and len(stage_hits) == 1:  # the common case: one plain phrase
        h = stage_hits[0]
        scores[_KEYS[h.label]] = h.weight
        return Reading(scores, [Phrase(h.text, _KEYS[h.label], h.weight, h.weight)], stage_hits)
    whole = (0, len(text) + 1)
    sentences = _bounds(_SENTENCE, text) if len(stage_hits) > 1 or cues or then else list(whole)
    clauses = _bounds(_CLAUSE, text) if cues else list(whole)
    before = [c for c in cues if c.label == "before"]
    after = [c for c in cues if c.label == "after"]
    hedges = [c for c in cues if c.label == "hedge"]
    per_sentence: dict[int, dict[Stage, float]] = {}
    placed: list[tuple[int, Stage, float, str]] = []
    found: list[tuple[Hit, Hit | None, float]] = []
    # where the stage phrases that are no part of a cue start, in order (for `nxt` below)
    free = sorted(g.start for g in stage_hits if not _inside(g, cues)) if cues or then else []
    for h in stage_hits:
        weight = h.weight
        sent = _span(sentences, h.start)
        cue: Hit | None = None
        if modifiers is not None and (cues or then):
            c0, c1 = _span(clauses, h.start)
            # an `after` cue may sit in a later clause of the sentence ("具体要什么、怎么做，
            # 我们还没想好") as long as no other stage phrase comes between
            at = bisect.bisect_right(free, h.start)
            nxt = free[at] if at < len(free) else len(text)
            cue = next((b for b in reversed(before) if c0 <= b.start and b.end <= h.start), None) \
                or next((a for a in after if h.end <= a.start and a.end <= min(sent[1], nxt)
                         and (a.end <= c1 or a.text.strip().lower() in modifiers.far_after)), None) \
                or (_later_step(text, sent, h) if then else None)
            if any(c0 <= g.start < c1 for g in hedges):
                weight *= modifiers.hedge_share
        if cue is not None and h in topics and cue.text.lower() in modifiers_plain(modifiers):
            cue = None  # "does not affect the contract": a plain negator says nothing of a topic
        found.append((h, cue, weight))
    # a hold word that modifies another stage's phrase ("requirements on hold", 需求调研暂缓)
    # says that stage is not reached; it is not also a stage phrase of its own (risk)
    used = [c for _, c, _ in found if c is not None]
    touched: set[Stage] = set()  # the stages some sentence's bucket was written for
    for h, cue, weight in found:
        if cue is None and (h in topics or any(c.start <= h.start and h.end <= c.end for c in used)):
            continue
        stage = _KEYS[h.label]
        sent = _span(sentences, h.start)
        bucket = per_sentence.setdefault(sent[0], dict.fromkeys(STAGES, 0.0))
        touched.add(stage)
        if cue is not None and modifiers is not None:
            a, b = min(cue.start, h.start), max(cue.end, h.end)
            bucket[stage] -= modifiers.against * weight
            if stage.rank > 0:
                earlier = STAGES[stage.rank - 1]
                touched.add(earlier)
                bucket[earlier] += modifiers.shift * weight
                placed.append((sent[0], earlier, modifiers.shift * weight, text[a:b]))
        else:
            bucket[stage] += weight
            placed.append((sent[0], stage, weight, h.text))
    for s in STAGES:
        if s not in touched:  # no sentence holds anything for it
            continue
        values = [b[s] for b in per_sentence.values() if b[s]]
        if values:
            best = max(values)
            scores[s] = best + REST * (sum(values) - best)
    phrases = [Phrase(t, s, w, per_sentence[at][s]) for at, s, w, t in placed]
    return Reading(scores, phrases, stage_hits)


def _whole_word(text: str, h: Hit) -> bool:
    """A Latin topic word stands alone ("spec" is not inside "specifics", "bid" not in "forbid")."""
    before = text[h.start - 1] if h.start > 0 else " "
    after = text[h.end] if h.end < len(text) else " "
    return not ((before.isascii() and before.isalnum() and text[h.start].isascii())
                or (after.isascii() and after.isalnum() and text[h.end - 1].isascii()))


def modifiers_plain(modifiers: Modifiers | None) -> frozenset[str]:
    return modifiers.not_for_topics if modifiers is not None else frozenset()


def _inside(h: Hit, cues: list[Hit]) -> bool:
    return any(c.start <= h.start and h.end <= c.end for c in cues)


def _later_step(text: str, sentence: tuple[int, int], h: Hit) -> Hit | None:
    """先…再…: a phrase after 再 (with 先 before it in the sentence) is the later step."""
    head = text[sentence[0]:h.start]
    first = head.find("先")  # text-ok: an input word to recognise
    if first < 0:
        return None
    then = head.find("再", first + 1)  # text-ok: an input word to recognise
    if then < 0:
        return None
    at = sentence[0] + then
    return Hit(at, at + 1, text[at], "later", 1.0)
