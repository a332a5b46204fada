"""Facts read from a deal's evidence: amounts, percentages, deadlines, named pains and goals,
people who left or arrived, executive commitments and competitors' moves.

The planner carries these into moves, questions and letters so that advice quotes the deal
instead of a template, and never asks what the evidence already answers. Cue words live in
data/facts.yaml (zh and en); numbers and dates are read here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from buyersync.method import knowledge as kb
from buyersync.method.model import Contact, Deal, Fact, Location, PlannedAction
from buyersync.method.stages import ActionKind, Stage

_SENTENCE = re.compile(r"(?<=[。！？!?；;\n])|(?<=[.])\s+(?=[A-Z\"“'(])")
_CURRENCY = r"(?:US\$|HK\$|\$|¥|￥|€|£|USD|GBP|EUR|RMB|CNY|HKD)"  # text-ok: input words and patterns to recognise
_NUM = r"\d[\d,]*(?:\.\d+)?"
_SCALE_EN = r"(?:\s?(?:k|K|m|M|mn|bn|million|billion|thousand)\b)?"
_AMOUNT_PATTERNS = [
    re.compile(rf"{_CURRENCY}\s?{_NUM}{_SCALE_EN}(?:\s?(?:万|亿))?(?:\s?(?:a|per)\s(?:year|month))?"),
    re.compile(rf"{_NUM}{_SCALE_EN}\s?(?:dollars|euros|pounds|USD|GBP|EUR|RMB|CNY)\b"),
    re.compile(rf"{_NUM}\s?(?:万元|亿元|元|万|亿)(?![度人次台个件条吨公里平方家所辆户名张])"),
    re.compile(r"[一二两三四五六七八九十百千几]+多?(?:万元|亿元|万|亿)(?![度人次台个件条吨公里平方家所辆户名张])"),
]
_PERCENT = re.compile(r"\d+(?:\.\d+)?\s?%|百分之[\d一二三四五六七八九十]+"
                      r"|(?<![一二三四五六七八九十])[一二三四五六七八九]成(?![本功熟])")
_CN_NUM = {  # text-ok: numerals to recognise
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
}
_DAYS = re.compile(r"(\d+|[一二两三四五六七八九十]+)\s*(?:个)?\s*(?:calendar |working |business )?"
                   r"(?:天|日(?!期)|days?\b|个?工作日)")
_WEEKS = re.compile(r"(\d+|[一二两三四五六七八九十]+)\s*(?:个)?\s*(?:周|星期|weeks?\b)")
_RANGE = re.compile(r"from\s+\d+\s*(?:days?|weeks?)\s+to\b|从\s*\d+\s*[天周].{0,6}(?:到|至)")
_ISO = re.compile(r"(20\d\d)[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_CN_DATE = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_EN_DATE = re.compile(r"\b(?:(\d{1,2})\s+)?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
                      r"[a-z]*\.?(?:\s+(\d{1,2})(?:st|nd|rd|th)?)?\b")


@dataclass
class Facts:
    """Everything the planner quotes from a deal, each list oldest first."""

    amounts: list[Fact] = field(default_factory=list)
    percents: list[Fact] = field(default_factory=list)
    pains: list[Fact] = field(default_factory=list)
    hidden: list[Fact] = field(default_factory=list)
    goals: list[Fact] = field(default_factory=list)
    concerns: list[Fact] = field(default_factory=list)
    deadline: Fact | None = None
    commit_us: list[Fact] = field(default_factory=list)
    commit_them: list[Fact] = field(default_factory=list)
    cheaper: list[Fact] = field(default_factory=list)
    failed_pilot: list[Fact] = field(default_factory=list)
    reopened: list[Fact] = field(default_factory=list)
    arrived: list[Fact] = field(default_factory=list)
    restrictive: list[Fact] = field(default_factory=list)
    left: list[Contact] = field(default_factory=list)
    asked: set[ActionKind] = field(default_factory=set)
    invited: bool = False
    public: bool = False
    squeeze: bool = False
    renewal_us: bool = False
    renewal_them: bool = False
    today: dt.date | None = None

    def merge(self, other: Facts) -> None:
        """Add the facts of another item (lists in order, flags and requests joined)."""
        for name in _LISTS:
            getattr(self, name).extend(getattr(other, name))
        self.asked |= other.asked
        for flag in _FLAGS:
            setattr(self, flag, getattr(self, flag) or getattr(other, flag))

    @property
    def days_left(self) -> int | None:
        return int(self.deadline.value) if self.deadline and self.deadline.value is not None else None

    def listed(self) -> list[Fact]:
        """The facts worth showing a seller, in a stable order."""
        out: list[Fact] = []
        for group in (self.pains, self.hidden, self.goals, self.concerns, self.amounts, self.percents,
                      [self.deadline] if self.deadline else [], self.commit_us,
                      self.commit_them, self.cheaper, self.failed_pilot, self.reopened,
                      self.arrived, self.restrictive):
            out.extend(f for f in group if f.text not in {o.text for o in out if o.kind == f.kind})
        return out


_LISTS = ("amounts", "percents", "pains", "hidden", "goals", "concerns", "commit_us",
          "commit_them", "cheaper", "failed_pilot", "reopened", "arrived", "restrictive")
_FLAGS = ("invited", "public", "squeeze", "renewal_us", "renewal_them")


def cues(kind: str) -> list[str]:
    data = kb.facts_file()[kind]
    return [str(w).lower() for ws in data.values() for w in ws]


@cache
def _cue_set(kind: str) -> tuple[str, ...]:
    return tuple(sorted(set(cues(kind)), key=len, reverse=True))


@cache
def _matcher(kind: str) -> re.Pattern[str] | None:
    """One pattern for all cues of a kind (a cue anywhere in the text, as `in` finds it);
    the facts file is read once per process (knowledge.facts_file is cached too)."""
    found = _cue_set(kind)
    return re.compile("|".join(map(re.escape, found))) if found else None


_PLAIN_SEARCHES = 64  # per kind: compiling its pattern costs more than this many `in` tests
_searched: dict[str, int] = {}


def has(text: str, kind: str) -> bool:
    """Whether any cue of `kind` occurs in the text (case-insensitive). A process's first
    questions are answered with plain `in` tests, later ones with the compiled pattern: the
    same answer (a cue anywhere), but one `analyze` asks too few to repay compiling twenty
    patterns."""
    low = text.lower()
    if (n := _searched.get(kind, 0)) < _PLAIN_SEARCHES:
        _searched[kind] = n + 1
        return any(cue in low for cue in _cue_set(kind))
    matcher = _matcher(kind)
    return matcher is not None and matcher.search(low) is not None


def sentences(text: str) -> list[str]:
    parts = (p.strip(" \t\"“”") for p in _SENTENCE.split(text))
    return [p for p in parts if len(p) >= 4]


@lru_cache(maxsize=4096)
def _item_facts(text: str, date: dt.date | None, i: int,
                spans: tuple[tuple[str, Stage], ...], concern_stage: bool,
                competitors: tuple[str, ...]) -> tuple[Facts, tuple[Fact, ...]]:
    """The facts of evidence item `i` alone, and the deadlines it names (absolute dates).
    Cached: a deal analysed again, or its history replayed prefix by prefix, reads each
    item once. The result is shared; `Facts.merge` copies it into a deal's facts."""
    facts = Facts()
    deadlines: list[Fact] = []
    signal_spans = dict(spans)
    ev_date = date
    for sent in sentences(text):
        low = sent.lower()
        stages = {st for span, st in signal_spans.items() if span and span in sent}
        theirs = any(c in low for c in competitors)
        negated = has(sent, "negation")
        money = has(sent, "money_context")
        for pattern in _AMOUNT_PATTERNS:
            for m in pattern.finditer(sent):
                if money or re.match(_CURRENCY, m.group(0)):
                    facts.amounts.append(Fact(kind="amount", text=m.group(0).strip(),
                                              evidence=i))
        for m in _PERCENT.finditer(sent):
            facts.percents.append(Fact(kind="percent", text=m.group(0), evidence=i))
        if Stage.pain in stages or has(sent, "pain"):
            facts.pains.append(Fact(kind="pain", text=clause(sent, "pain",
                                                             _spans(signal_spans, Stage.pain, sent)),
                                    evidence=i))
        if has(sent, "hidden_problem") and not theirs:
            facts.hidden.append(Fact(kind="hidden_problem",
                                     text=clause(sent, "hidden_problem"), evidence=i))
        if (Stage.goal in stages or has(sent, "goal")) and re.search(r"\d|[一二两三四五六七八九十]", sent):
            goal = _strip_lead(clause(sent, "goal", _spans(signal_spans, Stage.goal, sent)))
            facts.goals.append(Fact(kind="goal", text=goal, evidence=i))
        if has(sent, "concern") and not theirs and concern_stage:
            facts.concerns.append(Fact(kind="concern", text=clause(sent, "concern"),
                                       evidence=i))
        if has(sent, "commitment") and has(sent, "executive") and not negated:
            if theirs:
                facts.commit_them.append(Fact(kind="commitment_them", text=sent, evidence=i))
            elif has(sent, "commitment_object"):
                facts.commit_us.append(Fact(kind="commitment_us", text=sent, evidence=i))
        if has(sent, "cheaper") and (theirs or has(sent, "bidder")):
            facts.cheaper.append(Fact(kind="cheaper_bidder", text=sent, evidence=i))
        if has(sent, "failed_pilot") and (theirs or not has(sent, "us")):
            facts.failed_pilot.append(Fact(kind="failed_pilot", text=sent, evidence=i))
        if has(sent, "requirements_reopened") and not negated:
            facts.reopened.append(Fact(kind="requirements_reopened", text=sent, evidence=i))
        if has(sent, "new_person"):
            facts.arrived.append(Fact(kind="new_person", text=sent, evidence=i))
        if has(sent, "restrictive_clause"):
            facts.restrictive.append(Fact(kind="restrictive_clause", text=sent, evidence=i))
        facts.invited = facts.invited or has(sent, "invited")
        facts.public = facts.public or has(sent, "public_procurement")
        facts.squeeze = facts.squeeze or (has(sent, "price_squeeze") and (
            has(sent, "cheaper") or has(sent, "concession")))
        if has(sent, "renewal"):
            if theirs:
                facts.renewal_them = True
            elif has(sent, "us") or "incumbent" not in low:
                facts.renewal_us = True
        if has(sent, "request"):
            for kind, words in kb.facts_file()["request_kinds"].items():
                if any(str(w).lower() in low for ws in words.values() for w in ws):
                    facts.asked.add(ActionKind(kind))
        found = _deadline(sent, ev_date, i)
        if found is not None:
            deadlines.append(found)
    return facts, tuple(deadlines)


def extract(deal: Deal, locations: Sequence[Location | None] = (),
            today: dt.date | None = None) -> Facts:
    """Read the facts of a deal. `today` anchors deadlines (default: the latest evidence date)."""
    dates = [e.date for e in deal.evidence if e.date]
    facts = Facts(today=today or (max(dates) if dates else None))
    competitors = tuple(c.lower() for c in deal.competitors)
    deadlines: list[Fact] = []
    for i, ev in enumerate(deal.evidence):
        loc = locations[i] if i < len(locations) else None
        spans = tuple((s.text, s.stage) for s in (loc.signals if loc else []) if s.stage)
        item, found = _item_facts(ev.text, ev.date, i, spans,
                                  loc is None or loc.stage is Stage.risk, competitors)
        facts.merge(item)
        deadlines.extend(found)
    facts.left = [c for c in deal.contacts if c.left or _named_as_left(c, deal)]
    facts.public = facts.public or any(
        has(c.title or "", "public_procurement") for c in deal.contacts)
    facts.squeeze = facts.squeeze or bool(facts.cheaper and any(
        c.role.value == "procurement" for c in deal.contacts))
    if facts.today is not None:
        ahead = []
        for f in deadlines:
            assert f.value is not None
            when = dt.date.fromordinal(int(f.value))
            days = (when - facts.today).days
            if days >= 0:
                ahead.append(Fact(kind="deadline", text=f.text, value=days, evidence=f.evidence))
        facts.deadline = min(ahead, key=lambda f: f.value or 0, default=None)
    return facts


_CLAUSE = re.compile(r"(?<=[，,；;：:])\s*|\s+(?:and|but|so|which)\s+(?=[a-z])")


_NUMBERISH = re.compile(r"\d|[一二两三四五六七八九十百千万]")


def clause(sent: str, kind: str, spans: Sequence[str] = ()) -> str:
    """The part of a sentence that carries the fact. Clauses holding a cue and a number
    beat clauses holding a cue (or a located signal) alone; a run of two such clauses is
    kept together, and a very short clause takes the next one with it."""
    parts = [p for p in _CLAUSE.split(sent) if p and p.strip()]
    if len(parts) <= 1:
        return sent.strip()
    words = cues(kind)

    def score(part: str) -> int:
        low = part.lower()
        hit = any(sp in part for sp in spans) or any(w in low for w in words)
        return (2 if hit else 0) + (1 if hit and _NUMBERISH.search(part) else 0)

    scores = [score(p) for p in parts]
    best = max(range(len(parts)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        return sent.strip()
    text = parts[best]
    nxt = best + 1
    if nxt < len(parts) and text.rstrip().endswith(("：", ":")):
        text = parts[nxt]
        nxt += 1
    if nxt < len(parts) and (scores[nxt] >= 2 or len(text) < 12):
        text += parts[nxt]
    return text.strip().rstrip("，,；;：:")  # text-ok: punctuation to trim


def _strip_lead(text: str) -> str:
    low = text.lower()
    for lead in sorted(cues("goal_lead"), key=len, reverse=True):
        at = low.find(lead)
        if at != -1 and at <= 12 and len(text) - at - len(lead) >= 6:
            return text[at + len(lead):].strip()
    return text


def _spans(signal_spans: dict[str, Stage], stage: Stage, sent: str) -> list[str]:
    return [t for t, st in signal_spans.items() if st is stage and t and t in sent]


def _named_as_left(contact: Contact, deal: Deal) -> bool:
    key = contact.name.lower()
    return any(key in s.lower() and has(s, "person_left")
               for e in deal.evidence for s in sentences(e.text))


def _number(token: str) -> int:
    if token.isdigit():
        return int(token)
    if token == "十":
        return 10
    if "十" in token:
        tens, _, ones = token.partition("十")  # text-ok: a numeral to recognise
        return _CN_NUM.get(tens, 1) * 10 + _CN_NUM.get(ones, 0)
    return _CN_NUM.get(token, 0)


def _deadline(sent: str, date: dt.date | None, index: int) -> Fact | None:
    """A deadline in one sentence, as an absolute date (stored as an ordinal in `value`)."""
    if date is None or not has(sent, "deadline_context") or _RANGE.search(sent):
        return None
    low = sent.lower()
    when: dt.date | None = None
    m = _ISO.search(sent)
    if m:
        when = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if when is None:
        m = _CN_DATE.search(sent)
        if m:
            when = _roll(date, int(m.group(1)), int(m.group(2)))
    if when is None:
        m = _EN_DATE.search(sent)
        if m and (m.group(1) or m.group(3)):
            when = _roll(date, _MONTHS[m.group(2).lower()[:3]], int(m.group(1) or m.group(3)))
    if when is None:
        m = _DAYS.search(sent)
        if m and _number(m.group(1)) > 0:
            when = date + dt.timedelta(days=_number(m.group(1)))
    if when is None:
        m = _WEEKS.search(sent)
        if m and _number(m.group(1)) > 0 and "每" not in sent[max(0, m.start() - 1):m.start()]:
            when = date + dt.timedelta(days=7 * _number(m.group(1)))
    if when is None and any(w in low for w in cues("next_week")):
        when = date + dt.timedelta(days=7)
    if when is None and any(w in low for w in cues("this_week")):
        when = date + dt.timedelta(days=max(1, 4 - date.weekday()) if date.weekday() < 4 else 7)
    if when is None and any(w in low for w in cues("month_end")):
        nxt = (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        when = nxt - dt.timedelta(days=1)
    if when is None or when < date:
        return None
    return Fact(kind="deadline", text=clause(sent, "deadline_context"),
                value=float(when.toordinal()), evidence=index)


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _roll(ref: dt.date, month: int, day: int) -> dt.date | None:
    """A month and day without a year: the next such date on or after `ref`, within a year."""
    when = _safe_date(ref.year, month, day)
    if when is not None and when < ref - dt.timedelta(days=31):
        when = _safe_date(ref.year + 1, month, day)
    return when


def asked_as_asked(action: PlannedAction, kind: ActionKind, facts: Facts, stage: Stage,
                   responsive: Iterable[ActionKind]) -> bool:
    """Does this planned action do what the customer (or its tender) asked, as asked?

    Our own initiative never counts, nor a response rebuilt on the key people's answers.
    An action counts when its text says so ("as they asked", "按客户要求"), or when it is
    a responsive kind the customer asked for in the evidence, or, once a formal evaluation
    or a negotiation runs (solution, cost), when it is the proposal, quote or trial that
    process asks of every bidder.
    """
    text = action.text or ""
    if has(text, "own_initiative") or has(text, "reframed"):
        return False
    if _says_as_asked(text):
        return True
    if kind not in set(responsive):
        return False
    return kind in facts.asked or stage in (Stage.solution, Stage.cost)


def _says_as_asked(text: str) -> bool:
    low = text.lower()
    return any(str(p).lower() in low for ps in kb.stages_file()["as_asked_phrases"].values()
               for p in ps)


def concedes(action: PlannedAction) -> bool:
    return has(action.text or "", "concession")


def first(items: Sequence[Fact]) -> str | None:
    return items[0].text if items else None


def short(text: str, limit: int = 90) -> str:
    text = text.strip().rstrip("。.;；")  # text-ok: punctuation to trim
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_dict(facts: Facts) -> dict[str, Any]:  # pragma: no cover - debugging aid
    return {f.kind: f.text for f in facts.listed()}
