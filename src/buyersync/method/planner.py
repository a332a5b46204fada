"""The planner: from where the customer is and who shaped its path, decide and say what to do.

Rules apply in this order (METHOD.md §3–4):
1. Strategy. A customer whose passed stages (or whose current stage) were shaped by a
   competitor, or by the customer alone, is pulled back (§3.1–3.2); when nobody knows who
   shaped them it is pulled back too, since stages we shaped would be on record. A pull-back
   whose exchange conditions were refused becomes walk_away. Otherwise we stay in step.
2. Target. in_step: the next stage. pull_back: the first target of the stage's row in
   rules.yaml that the seller's capabilities open (§3.4), never a stage ahead of the
   customer (§3.5); none open: the nearest target, with the `too_far` warning.
3. Moves from the playbook for the strategy and stage, filtered by capabilities and the
   exchange state, in the playbook's working order with scare → smash → pull (§3.6).
4. Questions, letters, warnings, trade-off, diagnosis (§3.7) and the reasons behind each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buyersync.method import knowledge as kb
from buyersync.method.diagnosis import diagnose
from buyersync.method.model import (
    Analysis,
    Deal,
    Letter,
    Location,
    Move,
    PlannedAction,
    Reason,
    Signature,
    TrackStage,
    Tradeoff,
    Warning,
)
from buyersync.method.stages import (
    STAGES,
    ActionKind,
    Capability,
    Driver,
    Exchange,
    Lang,
    Role,
    Stage,
    Step,
    Strategy,
    WarningCode,
)

STEP_ORDER = {Step.scare: 0, Step.smash: 1, Step.pull: 2}
KEY_ROLES = (Role.economic_buyer, Role.executive, Role.evaluator, Role.user, Role.coach)


@dataclass(frozen=True)
class Target:
    stage: Stage
    alternatives: list[Stage]
    rule: str
    supported: bool
    needs: list[Capability]


def plan(
    deal: Deal,
    *,
    stage: Stage,
    stage_source: str,
    lang: Lang,
    drivers: Mapping[Stage, Driver] | None = None,
    locations: Sequence[Location | None] = (),
    priors: Mapping[str, Any] | None = None,
    signature: Signature | None = None,
) -> Analysis:
    """Analyse a deal whose current stage is known. `drivers` defaults to the deal's own;
    letters are signed and dated with `signature` when given."""
    drivers = dict(deal.drivers if drivers is None else drivers)
    priors = priors if priors is not None else kb.priors()
    passed = stage.before()
    names = _Names(lang)

    others = shaped_by_others(passed, stage, drivers)
    unknown = [s for s in passed if drivers.get(s, Driver.unknown) == Driver.unknown]
    reasons = [_stage_reason(stage, stage_source, locations, names)]

    if others:
        strategy = Strategy.pull_back
        who = names.who({drivers[s] for s in others})
        reasons.append(Reason(rule="§3.1", text=kb.message(
            "reasons", "pull_back_others", lang, stages=names.stages(others), who=who)))
    elif passed and len(unknown) == len(passed):
        strategy = Strategy.pull_back
        reasons.append(Reason(rule="§2", text=kb.message(
            "reasons", "pull_back_unknown", lang, stages=names.stages(passed))))
    else:
        strategy = Strategy.in_step
    if strategy is Strategy.pull_back and deal.exchange is Exchange.refused:
        strategy = Strategy.walk_away
        reasons.append(Reason(rule="§4 solution", text=kb.message("reasons", "walk_away", lang)))

    warnings: list[Warning] = []
    target: Target | None = None
    if strategy is Strategy.in_step:
        nxt = stage.next() or stage
        target = Target(nxt, [], "§4", True, [])
        key = "in_step" if passed else "in_step_fresh"
        reasons.append(Reason(rule="§3.2", text=kb.message(
            "reasons", key, lang, stages=names.stages(passed), next=names.stage(nxt))))
    elif strategy is Strategy.pull_back:
        not_ours = [s for s in passed if drivers.get(s) != Driver.us] + others
        target = choose_target(stage, set(deal.capabilities), not_ours)
        key = "target" if target.supported else "target_unsupported"
        reasons.append(Reason(rule=target.rule, text=kb.message(
            "reasons", key, lang, target=names.stage(target.stage), rule=target.rule)))
        if not target.supported:
            warnings.append(Warning(code=WarningCode.too_far, rule="§3.4", message=kb.message(
                "warnings", "too_far", lang, stage=names.stage(stage),
                target=names.stage(target.stage), distance=stage.rank - target.stage.rank,
                needs=names.join(kb.label("capabilities", c, lang) for c in target.needs))))

    warnings = _warnings(deal, stage, strategy, drivers, passed, unknown, names) + warnings
    fill = _fill_values(deal, stage, target.stage if target else None, names, signature)
    moves = _moves(deal, stage, strategy, fill, lang)
    questions = _questions(deal, stage, strategy, target, lang)
    letters = _letters(deal, stage, strategy, fill, lang)
    tradeoff = _tradeoff(stage, strategy, target, set(deal.capabilities), priors, lang)
    diagnosis = diagnose(deal, stage, drivers, lang)
    track = [
        TrackStage(
            stage=s, name=names.stage(s),
            position="passed" if s.rank < stage.rank else
            "current" if s is stage else "ahead",
            driver=drivers.get(s), target=target is not None and s is target.stage)
        for s in STAGES
    ]
    return Analysis(
        stage=stage, stage_source="given" if stage_source == "given" else "evidence",
        strategy=strategy, target_stage=target.stage if target else None,
        alternatives=target.alternatives if target else [],
        moves=moves, questions=questions, letters=letters, warnings=warnings,
        tradeoff=tradeoff, diagnosis=diagnosis, lang=lang, track=track, reasons=reasons,
        evidence=list(locations),
    )


def shaped_by_others(passed: Sequence[Stage], stage: Stage,
                     drivers: Mapping[Stage, Driver]) -> list[Stage]:
    """The stages whose rules are not ours: every stage a competitor shaped (passed, or the
    current one it is shaping now), and the stages the customer shaped alone unless we have
    shaped a later one since (then we hold the pen again and can stay in step)."""
    known = [s for s in passed if drivers.get(s, Driver.unknown) != Driver.unknown]
    latest_ours = max((s.rank for s in known if drivers[s] == Driver.us), default=-1)
    others = [s for s in passed if drivers.get(s) == Driver.competitor
              or (drivers.get(s) == Driver.customer and s.rank > latest_ours)]
    if drivers.get(stage) == Driver.competitor:
        others.append(stage)
    return others


def choose_target(stage: Stage, capabilities: set[Capability],
                  not_ours: Sequence[Stage] = ()) -> Target:
    """The pull-back target for a customer at `stage` (rules.yaml, METHOD §3.4 and §4).

    Targets more than one stage behind the first stage we did not shape are moved to the
    end: there is no point in walking the customer back across ground we already hold.
    """
    rows = kb.rules()["pull_back_targets"][stage.value]
    options = [
        (Stage(r["stage"]), [Capability(c) for c in r["needs_any"]], str(r["rule"]))
        for r in rows
    ]
    options = [o for o in options if o[0].rank <= stage.rank]  # never pull forward
    if not_ours:
        floor = min(s.rank for s in not_ours) - 1
        options.sort(key=lambda o: o[0].rank < floor)  # stable: keeps the row's order
    open_ = [o for o in options if not o[1] or capabilities & set(o[1])]
    if open_:
        best = open_[0]
        rest = [o[0] for o in open_[1:]] + [o[0] for o in options if o not in open_]
        return Target(best[0], rest, best[2], True, best[1])
    nearest = max(options, key=lambda o: o[0].rank)
    rest = [o[0] for o in options if o is not nearest]
    return Target(nearest[0], rest, nearest[2], False, nearest[1])


def _stage_reason(stage: Stage, source: str, locations: Sequence[Location | None],
                  names: _Names) -> Reason:
    if source == "given":
        return Reason(rule="§2", text=kb.message("reasons", "stage_given", names.lang,
                                                 stage=names.stage(stage)))
    located = [loc for loc in locations if loc is not None]
    latest = located[-1] if located else None
    spans = [s.text for loc in reversed(located) for s in loc.signals if s.stage == stage][:3]
    return Reason(rule="§2", text=kb.message(
        "reasons", "stage_evidence", names.lang, stage=names.stage(stage),
        confidence=f"{latest.confidence:.0%}" if latest else "—",
        signals=names.join(f"“{s}”" for s in spans) or "—"))


def _warnings(deal: Deal, stage: Stage, strategy: Strategy, drivers: Mapping[Stage, Driver],
              passed: list[Stage], unknown: list[Stage], names: _Names) -> list[Warning]:
    lang = names.lang
    found: list[Warning] = []
    vocab = kb.stages_file()
    responsive = {ActionKind(k) for k in vocab["responsive_actions"]}
    competitor_stages = [s for s in passed + [stage] if drivers.get(s) == Driver.competitor]
    asked = [a for a in deal.planned_actions if action_kind(a) in responsive or _as_asked(a.text)]
    if competitor_stages and asked and strategy is not Strategy.in_step:
        found.append(Warning(code=WarningCode.following, rule="§3.1", message=kb.message(
            "warnings", "following", lang, actions=names.actions(asked),
            stages=names.stages(competitor_stages), who=names.who({Driver.competitor}))))

    ahead = []
    formal = Stage(vocab["pull_forward_checked_until"])
    for action in deal.planned_actions if stage.rank <= formal.rank else []:
        home = vocab["action_stage"].get(action_kind(action).value)
        if home and Stage(home).rank - stage.rank >= 2:
            ahead.append((action, Stage(home)))
    if ahead:
        furthest = max(h for _, h in ahead)
        found.append(Warning(code=WarningCode.pull_forward, rule="§3.5", message=kb.message(
            "warnings", "pull_forward", lang, stage=names.stage(stage),
            actions=names.actions([a for a, _ in ahead]), action_stage=names.stage(furthest))))

    rules = kb.rules()
    if stage.value in rules["executive_stages"] and not _executive_reachable(deal):
        found.append(Warning(code=WarningCode.no_executive, rule="§4 value", message=kb.message(
            "warnings", "no_executive", lang, stage=names.stage(stage))))

    if (strategy is not Strategy.walk_away and passed
            and (2 * len(unknown) > len(passed) or Stage.problem in unknown)):
        found.append(Warning(code=WarningCode.unknown_drivers, rule="§2", message=kb.message(
            "warnings", "unknown_drivers", lang, stages=names.stages(unknown))))
    return found


def action_kind(action: PlannedAction) -> ActionKind:
    """The action's kind; for `other`, the kind its text names (a demo, a quote …), if any."""
    if action.kind is not ActionKind.other or not action.text:
        return action.kind
    text = action.text.lower()
    for kind, langs in kb.stages_file()["action_phrases"].items():
        if any(p.lower() in text for ps in langs.values() for p in ps):
            return ActionKind(kind)
    return action.kind


def _as_asked(text: str) -> bool:
    """Does the action's text say it simply does what the customer asked?"""
    lowered = text.lower()
    return any(p.lower() in lowered for ps in kb.stages_file()["as_asked_phrases"].values()
               for p in ps)


def _executive_reachable(deal: Deal) -> bool:
    rules = kb.rules()
    if Capability.executive_access in deal.capabilities:
        return True
    reach_roles = set(rules["executive_roles"]) | set(rules["introducer_roles"])
    return any(c.met and c.role.value in reach_roles for c in deal.contacts)


def write_letters(deal: Deal, analysis: Analysis, *, lang: Lang,
                  signature: Signature | None = None) -> list[Letter]:
    """The letters `analysis` calls for, in `lang` (which may differ from the analysis's),
    signed and dated with `signature`."""
    fill = _fill_values(deal, analysis.stage, analysis.target_stage, _Names(lang), signature)
    return _letters(deal, analysis.stage, analysis.strategy, fill, lang)


def _signed(signature: Signature | None, lang: Lang) -> tuple[str, str]:
    """(the signature lines, the date line) for a letter."""
    seller = kb.message("generic", "seller", lang)
    if signature is not None and signature.name:
        seller = "\n".join(x for x in (signature.name.strip(), (signature.title or "").strip()) if x)
    date = ""
    if signature is not None and signature.date is not None:
        d = signature.date
        month = kb.message("generic", "month_names", lang).split()[d.month - 1]
        date = kb.message("generic", "letter_date", lang, year=d.year, month=d.month, day=d.day,
                          month_name=month)
    return seller, date


def _fill_values(deal: Deal, stage: Stage, target_stage: Stage | None, names: _Names,
                 signature: Signature | None = None) -> dict[str, str]:
    lang = names.lang
    seller, date = _signed(signature, lang)
    key_people = [c for c in deal.contacts if c.role in KEY_ROLES] or list(deal.contacts)
    people = names.join(names.person(c.name, c.title) for c in key_people[:4])
    addressed = next((c for c in deal.contacts if c.met), None)
    nxt = stage.next() or stage
    return {
        "customer": deal.customer or kb.message("generic", "customer", lang),
        "competitor": names.join(deal.competitors[:2]) or kb.message("generic", "competitor", lang),
        "key_people": people or kb.message("generic", "key_people", lang),
        "contact": addressed.name if addressed else kb.message("generic", "contact", lang),
        "seller": seller,
        "date": date,
        "deal": deal.name,
        "next_stage": names.stage(nxt),
        "target_stage": names.stage(target_stage or stage),
    }


def _applies(move: Mapping[str, Any], deal: Deal) -> bool:
    needs = move.get("needs_any") or []
    if needs and not set(deal.capabilities) & {Capability(c) for c in needs}:
        return False
    allowed = (move.get("when") or {}).get("exchange")
    if allowed:
        state = deal.exchange.value if deal.exchange else "none"
        if state not in allowed:
            return False
    return True


def _moves(deal: Deal, stage: Stage, strategy: Strategy, fill: dict[str, str],
           lang: Lang) -> list[Move]:
    book = kb.playbook()
    rows = book["walk_away"] if strategy is Strategy.walk_away else \
        book[strategy.value].get(stage.value, [])
    moves = [
        Move(id=m["id"], step=Step(m["step"]), stage=Stage(m.get("stage", stage.value)),
             title=_format(m[lang.value]["title"], fill), why=_format(m[lang.value]["why"], fill),
             say=_format(m[lang.value]["say"], fill), rule=str(m.get("rule", "§4")))
        for m in rows if _applies(m, deal)
    ]
    # The playbook lists moves in working order; scare, smash and pull keep that order
    # among themselves (§3.6), so only they are sorted, each into the others' slots.
    slots = [i for i, m in enumerate(moves) if m.step in STEP_ORDER]
    ordered = sorted((moves[i] for i in slots), key=lambda m: STEP_ORDER[m.step])
    for i, m in zip(slots, ordered, strict=True):
        moves[i] = m
    return moves


def _questions(deal: Deal, stage: Stage, strategy: Strategy, target: Target | None,
               lang: Lang) -> list[str]:
    bank = kb.questions()
    out: list[str] = []
    if stage is Stage.solution and strategy is not Strategy.walk_away:
        people = [c for c in deal.contacts if c.role in KEY_ROLES and c.role is not Role.coach]
        for q in bank["core"]:
            text = str(q[lang.value])
            if people:
                who = _Names(lang).join(c.name for c in people[:5])
                text = f"[{who}] {text}"
            out.append(text)
    if strategy is Strategy.walk_away:
        return out
    stages = [stage] if target is None or target.stage is stage else [target.stage, stage]
    for s in stages:
        out.extend(str(q[lang.value]) for q in bank["by_stage"].get(s.value, []))
    return out


def _letters(deal: Deal, stage: Stage, strategy: Strategy, fill: dict[str, str],
             lang: Lang) -> list[Letter]:
    book = kb.letters()
    if strategy is Strategy.walk_away:
        t = book["walk_away"][lang.value]
        return [Letter(kind="walk_away", subject=_format(t["subject"], fill),
                       body=_format(t["body"], fill).lstrip("\n"))]
    if (strategy is Strategy.pull_back and stage is Stage.solution
            and deal.exchange in (None, Exchange.pending)):
        t = book["exchange_conditions"][lang.value]
        return [Letter(kind="exchange_conditions", subject=_format(t["subject"], fill),
                       body=_format(t["body"], fill).lstrip("\n"))]
    return []


def _tradeoff(stage: Stage, strategy: Strategy, target: Target | None,
              capabilities: set[Capability], priors: Mapping[str, Any], lang: Lang) -> Tradeoff:
    row = priors["win_probability"][stage.value]
    following = float(row["following"])
    if strategy is Strategy.walk_away:
        win, days = 0.0, -int(priors.get("walk_away_days_saved", 0))
    elif strategy is Strategy.in_step:
        win, days = float(row["in_step"]), 0
    else:
        assert target is not None
        win = float(row["pull_back"])
        win += float(priors["capability_bonus"]) * min(3, len(capabilities & set(target.needs)))
        if not target.supported:
            win -= float(priors["too_far_penalty"])
        days = int(priors["days_per_stage_back"]) * (stage.rank - target.stage.rank)
    basis = priors["basis"][lang.value] if isinstance(priors.get("basis"), dict) else ""
    return Tradeoff(win_probability=round(min(max(win, 0.0), 0.95), 2), extra_days=days,
                    following_win_probability=round(following, 2), basis="priors",
                    explanation=str(basis))


def _format(template: str, values: dict[str, str]) -> str:
    return str(template).format_map(kb._Blank(values))


class _Names:
    """Turns keys into the deal's language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def stage(self, s: Stage) -> str:
        return kb.stage_name(s, self.lang)

    def join(self, items: Any) -> str:
        return kb.message("generic", "list_sep", self.lang).join(str(i) for i in items)

    def stages(self, stages: Sequence[Stage]) -> str:
        names = [self.stage(s) for s in stages]
        if self.lang is Lang.zh:
            return self.join(f"「{n}」" for n in names)
        return self.join(names)

    def who(self, drivers: set[Driver]) -> str:
        ordered = sorted(drivers, key=lambda d: d.value)
        if self.lang is Lang.en:
            names = ["a competitor" if d is Driver.competitor else kb.label("drivers", d.value, "en")
                     for d in ordered]
            return " and ".join(names)
        return "和".join(kb.label("drivers", d.value, "zh") for d in ordered)

    def actions(self, actions: Sequence[Any]) -> str:
        texts = [a.text or a.kind.value for a in actions[:3]]
        if self.lang is Lang.zh:
            return self.join(f"“{t}”" for t in texts)
        return self.join(f"\"{t}\"" for t in texts)

    def person(self, name: str, title: str | None) -> str:
        if not title or title == name:
            return name
        return f"{name}（{title}）" if self.lang is Lang.zh else f"{name} ({title})"
