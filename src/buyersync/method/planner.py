"""The planner: from where the customer is and who shaped its path, decide and say what to do.

Rules apply in this order (METHOD.md §2–4; docs/planner.md tells the whole story):
0. Facts. Amounts, goals, named pains, deadlines, people who left or arrived, executive
   commitments and competitors' moves are read from the evidence (facts.py); the position
   (front-runner, challenger, incumbent, unknown: position.py) and the channel (public
   procurement, price squeeze, renewal, standard) follow from them.
1. Strategy. A customer whose passed stages (or whose current stage) were shaped by a
   competitor, or by the customer alone, is pulled back (§3.1–3.2); when nobody knows who
   shaped them it is pulled back too, and finding out comes first. Position then corrects
   it: stages we shaped with a champion who has left (or before a new leader reopened them)
   are walked again (pull back); an executive's commitment to us makes us the front-runner,
   who stays in step and de-risks instead of scaring. A pull-back whose exchange conditions
   were refused becomes walk_away. Otherwise we stay in step.
2. Target. in_step: the next stage. pull_back: the first target of the stage's row in
   rules.yaml that the seller's capabilities open (§3.4), never a stage ahead of the
   customer (§3.5); none open: the nearest target, with `too_far` (not when the drivers are
   simply unknown: then we find out first).
3. Moves: finding out (unknown drivers), the new decision-maker, the front-runner's guard,
   the channel's levers, the stage's playbook and the moves that quote the deal's facts,
   with scare → smash → pull kept in order (§3.6). A front-runner never scares; in public
   procurement no private meetings once the notice is out. With a deadline near, each move
   gets a day.
4. Questions (never asking what the evidence answers), letters (to the decision-maker,
   key people as the condition, dated, signed by the owner; the channel's kind), warnings,
   trade-off (bounded by the deadline), diagnosis and reasons.
5. Closed deals (won, lost) get a post-mortem instead of a plan: outcome, diagnosis, what
   to watch; the strategy and target say what the method called for; no trade-off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buyersync.method import knowledge as kb
from buyersync.method.diagnosis import diagnose
from buyersync.method.facts import Facts, asked_as_asked, concedes, extract, has, short
from buyersync.method.model import (
    Analysis,
    Contact,
    Deal,
    Diagnosis,
    Letter,
    Location,
    Move,
    PlannedAction,
    Reason,
    ReferenceCase,
    Signature,
    TrackStage,
    Tradeoff,
    Warning,
)
from buyersync.method.position import Standing, champions_left, standing
from buyersync.method.references import best_match
from buyersync.method.stages import (
    STAGES,
    ActionKind,
    Capability,
    Channel,
    Driver,
    Exchange,
    Lang,
    Outcome,
    Position,
    Role,
    Stage,
    Step,
    Strategy,
    WarningCode,
)

STEP_ORDER = {Step.scare: 0, Step.smash: 1, Step.pull: 2}
KEY_ROLES = (Role.economic_buyer, Role.executive, Role.evaluator, Role.user, Role.coach)
DECISION_ROLES = (Role.economic_buyer, Role.executive)
SCHEDULE_WITHIN_DAYS = 21


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
    today: dt.date | None = None,
    references: Sequence[ReferenceCase] = (),
    signature: Signature | None = None,
) -> Analysis:
    """Analyse a deal whose current stage is known. `drivers` defaults to the deal's own.

    `today` dates the letters; deadlines are counted from the latest evidence date, the
    deal's own record of "now". `signature` (the signer and the day, known to the entry
    point) signs and dates the letters when given.
    """
    drivers = dict(deal.drivers if drivers is None else drivers)
    priors = priors if priors is not None else kb.priors()
    passed = stage.before()
    names = _Names(lang)
    facts = extract(deal, locations)
    stand = standing(stage, drivers, facts, deal.outcome)
    closed = deal.outcome is not Outcome.open
    channel = _channel(facts, stand, stage)

    unknown = [s for s in passed if drivers.get(s, Driver.unknown) == Driver.unknown]
    reasons = [_stage_reason(stage, stage_source, locations, names)]
    decided = decide(deal, stage, drivers, facts, stand)
    strategy, others = decided.strategy, decided.others
    from_unknown, front_runner = decided.from_unknown, decided.front_runner
    if decided.shaped:
        who = names.who({drivers[s] for s in decided.shaped})
        reasons.append(Reason(rule="§3.1", text=kb.message(
            "reasons", "pull_back_others", lang, stages=names.stages(decided.shaped), who=who)))
    elif from_unknown:
        reasons.append(Reason(rule="§2", text=kb.message(
            "reasons", "pull_back_unknown", lang, stages=names.stages(passed))))
        reasons.append(Reason(rule="§2", text=kb.message("reasons", "unknown_first", lang)))
    if decided.rewalk:
        reasons.append(Reason(rule="§3.4", text=kb.message(
            "reasons", "rewalk", lang, who=_left_or_arrived(champions_left(facts), facts, names))))
    if front_runner:
        reasons.append(Reason(rule="§3.2", text=kb.message(
            "reasons", "front_runner", lang, why=_standing_text(stand, names))))
    if decided.walk_away:
        reasons.append(Reason(rule="§4 solution", text=kb.message("reasons", "walk_away", lang)))

    warnings: list[Warning] = []
    target: Target | None = None
    if strategy is Strategy.in_step:
        nxt = stage.next() or stage
        target = Target(nxt, [], "§4", True, [])
        key = "in_step" if passed else "in_step_fresh"
        if not front_runner:  # its own reason says why we stay in step
            reasons.append(Reason(rule="§3.2", text=kb.message(
                "reasons", key, lang, stages=names.stages(passed), next=names.stage(nxt))))
    elif strategy is Strategy.pull_back:
        not_ours = [s for s in passed if drivers.get(s) != Driver.us] + others
        target = choose_target(stage, set(deal.capabilities), not_ours)
        key = "target" if target.supported else "target_unsupported"
        reasons.append(Reason(rule=target.rule, text=kb.message(
            "reasons", key, lang, target=names.stage(target.stage), rule=target.rule)))
        if not target.supported and not from_unknown and not closed:
            warnings.append(Warning(code=WarningCode.too_far, rule="§3.4", message=kb.message(
                "warnings", "too_far", lang, stage=names.stage(stage),
                target=names.stage(target.stage), distance=stage.rank - target.stage.rank,
                needs=names.join(kb.label("capabilities", c, lang) for c in target.needs))))

    reasons.append(Reason(rule="§2", text=kb.message(
        "reasons", "position", lang, position=kb.message("positions", stand.position.value, lang),
        why=_standing_text(stand, names))))
    if channel is not Channel.standard and not closed:
        reasons.append(Reason(rule="§4", text=kb.message(
            "reasons", "channel", lang, channel=kb.message("channels", channel.value, lang),
            note=kb.message("channel_notes", channel.value, lang)).strip()))
    days_left = None if closed else facts.days_left
    if days_left is not None and facts.deadline is not None:
        reasons.append(Reason(rule="§3.3", text=kb.message(
            "reasons", "deadline", lang, days=days_left, text=short(facts.deadline.text))))

    diagnosis = diagnose(deal, stage, drivers, lang)
    if closed:
        reasons.append(Reason(rule="§3.7", text=kb.message(
            "reasons", "post_mortem", lang,
            outcome=kb.message("generic", f"outcome_{deal.outcome.value}", lang))))
        warnings = _closed_warnings(deal, stage, strategy, drivers, passed, facts, names)
    else:
        warnings = _warnings(deal, stage, strategy, drivers, passed, unknown, facts,
                             names) + warnings
        if channel is Channel.public_procurement and stage.rank >= Stage.solution.rank:
            warnings += _private_contact(deal, names)
    fill = _fill_values(deal, stage, target, facts, stand, diagnosis, names)
    case = best_match(deal, references)
    if case is not None:
        fill.update(_reference_values(case, names))
    moves = _moves(deal, stage, strategy, fill, facts, stand, channel, lang,
                   find_out=from_unknown or any(w.code is WarningCode.unknown_drivers
                                                for w in warnings))
    if days_left is not None and days_left <= SCHEDULE_WITHIN_DAYS:
        moves = _schedule(moves, days_left)
    questions = _questions(deal, stage, strategy, target, facts, channel, fill, lang)
    letters = _letters(deal, stage, strategy, fill, facts, channel, lang, today, days_left,
                       signature)
    tradeoff = None if closed else _tradeoff(stage, strategy, target, set(deal.capabilities),
                                            priors, lang, days_left)
    if tradeoff is not None and stage is Stage.solution and strategy is not Strategy.walk_away:
        reasons.extend(_bid_or_not(deal, tradeoff, priors, names))
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
        evidence=list(locations), position=stand.position, channel=channel,
        deadline_days=days_left, facts=facts.listed(),
    )


@dataclass(frozen=True)
class Decision:
    """The strategy and how it was reached (the planner words the reasons from it).
    `shaped`: passed stages others shaped; `others`: the stages to walk again."""

    strategy: Strategy
    shaped: list[Stage]
    others: list[Stage]
    from_unknown: bool = False
    rewalk: bool = False
    front_runner: bool = False
    walk_away: bool = False


def decide(deal: Deal, stage: Stage, drivers: Mapping[Stage, Driver], facts: Facts,
           stand: Standing) -> Decision:
    """In step, pull back or walk away (METHOD §2-§4), from who shaped the passed stages,
    who left or arrived, how we stand and whether the customer refused an exchange."""
    passed = stage.before()
    shaped = shaped_by_others(passed, stage, drivers)
    others = shaped
    unknown = [s for s in passed if drivers.get(s, Driver.unknown) == Driver.unknown]
    from_unknown = rewalk = front_runner = walk_away = False
    if shaped:
        strategy = Strategy.pull_back
    elif passed and len(unknown) == len(passed):
        strategy, from_unknown = Strategy.pull_back, True
    else:
        strategy = Strategy.in_step
    if strategy is Strategy.in_step and passed and (
            champions_left(facts) or (facts.reopened and facts.arrived)):
        strategy, rewalk = Strategy.pull_back, True
        others = [s for s in passed if drivers.get(s) == Driver.us]
    if strategy is Strategy.pull_back and stand.why == "commit_us" and not from_unknown:
        strategy, front_runner = Strategy.in_step, True
    if strategy is Strategy.pull_back and deal.exchange is Exchange.refused:
        strategy, walk_away = Strategy.walk_away, True
    return Decision(strategy, list(shaped), list(others), from_unknown, rewalk, front_runner,
                    walk_away)


def strategy_of(deal: Deal, *, stage: Stage, drivers: Mapping[Stage, Driver],
                locations: Sequence[Location | None] = ()) -> Strategy:
    """The strategy `plan` would choose, without planning the moves, letters and words."""
    facts = extract(deal, locations)
    return decide(deal, stage, drivers, facts,
                  standing(stage, drivers, facts, deal.outcome)).strategy


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


def _channel(facts: Facts, stand: Standing, stage: Stage) -> Channel:
    """How the customer buys. Public procurement decides what is proper, so it comes first."""
    if facts.public:
        return Channel.public_procurement
    if stand.position is Position.incumbent:
        return Channel.renewal
    if facts.squeeze and stage.rank >= Stage.solution.rank:
        return Channel.price_squeeze
    return Channel.standard


def _standing_text(stand: Standing, names: _Names) -> str:
    lang = names.lang
    if stand.why in ("latest_us", "latest_them"):
        assert stand.stage is not None and stand.driver is not None
        return kb.message("position_why", stand.why, lang, stage=names.stage(stand.stage),
                          who=names.who({stand.driver}))
    return kb.message("position_why", stand.why, lang, text=stand.text, name=stand.text)


def _left_or_arrived(gone: Sequence[Contact], facts: Facts, names: _Names) -> str:
    if gone:
        return kb.message("position_why", "left", names.lang,
                          name=names.join(names.person(c.name, c.title) for c in gone))
    text = short(facts.reopened[-1].text) if facts.reopened else \
        short(facts.arrived[-1].text) if facts.arrived else ""
    return kb.message("position_why", "reopened", names.lang, text=text)


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


def _following(deal: Deal, stage: Stage, drivers: Mapping[Stage, Driver],
               passed: list[Stage], facts: Facts) -> tuple[list[PlannedAction], list[Stage]]:
    """The planned actions that do what the customer asked, as asked, while a competitor
    shaped the process; none after the customer accepted our exchange conditions (then the
    response rests on the key people's answers, the method's own move)."""
    competitor_stages = [s for s in passed + [stage] if drivers.get(s) == Driver.competitor]
    if not competitor_stages or deal.exchange is Exchange.accepted:
        return [], competitor_stages
    responsive = [ActionKind(k) for k in kb.stages_file()["responsive_actions"]]
    asked = [a for a in deal.planned_actions
             if asked_as_asked(a, action_kind(a), facts, stage, responsive)]
    return asked, competitor_stages


def _warnings(deal: Deal, stage: Stage, strategy: Strategy, drivers: Mapping[Stage, Driver],
              passed: list[Stage], unknown: list[Stage], facts: Facts,
              names: _Names) -> list[Warning]:
    lang = names.lang
    found: list[Warning] = []
    vocab = kb.stages_file()
    asked, competitor_stages = _following(deal, stage, drivers, passed, facts)
    if asked and strategy is not Strategy.in_step:
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

    gone = champions_left(facts)
    if gone:
        found.append(Warning(code=WarningCode.champion_left, rule="§3.2", message=kb.message(
            "warnings", "champion_left", lang,
            names=names.join(names.person(c.name, c.title) for c in gone))))
    if facts.arrived:
        found.append(Warning(code=WarningCode.new_decision_maker, rule="§3.2", message=kb.message(
            "warnings", "new_decision_maker", lang, text=short(facts.arrived[-1].text, 160))))
    if facts.cheaper and strategy is not Strategy.walk_away:
        found.append(Warning(code=WarningCode.cheaper_bidders, rule="§4 cost", message=kb.message(
            "warnings", "cheaper_bidders", lang, text=short(facts.cheaper[-1].text, 160))))
    giving = [a for a in deal.planned_actions if concedes(a)]
    if giving:
        found.append(Warning(code=WarningCode.concession, rule="§4 cost", message=kb.message(
            "warnings", "concession", lang, actions=names.actions(giving))))
    return found


def _private_contact(deal: Deal, names: _Names) -> list[Warning]:
    """In public procurement, planned meetings with the buyer's people are improper."""
    private = [a for a in deal.planned_actions
               if action_kind(a) in (ActionKind.meeting, ActionKind.discovery)
               or has(a.text or "", "private_contact")]
    if not private:
        return []
    return [Warning(code=WarningCode.private_meeting, rule="§4 solution", message=kb.message(
        "warnings", "private_meeting", names.lang, actions=names.actions(private)))]


def _closed_warnings(deal: Deal, stage: Stage, strategy: Strategy,
                     drivers: Mapping[Stage, Driver], passed: list[Stage], facts: Facts,
                     names: _Names) -> list[Warning]:
    """A closed deal keeps one warning, in the past tense: that it was played by following."""
    if deal.outcome is not Outcome.lost or strategy is Strategy.in_step:
        return []
    asked, competitor_stages = _following(deal, stage, drivers, passed, facts)
    if not asked:
        return []
    return [Warning(code=WarningCode.following, rule="§3.1", message=kb.message(
        "warnings", "following_past", names.lang, actions=names.actions(asked),
        stages=names.stages(competitor_stages), who=names.who({Driver.competitor})))]


def action_kind(action: PlannedAction) -> ActionKind:
    """The action's kind; for `other`, the kind its text names (a demo, a quote …), if any."""
    if action.kind is not ActionKind.other or not action.text:
        return action.kind
    text = action.text.lower()
    for kind, langs in kb.stages_file()["action_phrases"].items():
        if any(p.lower() in text for ps in langs.values() for p in ps):
            return ActionKind(kind)
    return action.kind


def _executive_reachable(deal: Deal) -> bool:
    rules = kb.rules()
    if Capability.executive_access in deal.capabilities:
        return True
    reach_roles = set(rules["executive_roles"]) | set(rules["introducer_roles"])
    return any(c.met and not c.left and c.role.value in reach_roles for c in deal.contacts)


def decision_maker(deal: Deal, gone: Sequence[Contact] = ()) -> Contact | None:
    """Who decides: the economic buyer still in post, else an executive, else None."""
    here = [c for c in deal.contacts if not c.left and c not in gone]
    for role in DECISION_ROLES:
        found = next((c for c in here if c.role is role), None)
        if found:
            return found
    return None


def _fill_values(deal: Deal, stage: Stage, target: Target | None, facts: Facts,
                 stand: Standing, diagnosis: Diagnosis | None,
                 names: _Names) -> dict[str, str]:
    lang = names.lang
    here = [c for c in deal.contacts if not c.left and c not in facts.left]
    boss_of = decision_maker(deal, facts.left)
    key_people = [c for c in here if c.role in KEY_ROLES and c is not boss_of] or \
        [c for c in here if c is not boss_of]
    people = names.join(names.person(c.name, c.title) for c in key_people[:4])
    talking_to = next((c for c in here if c.met and c.role is not Role.procurement), None)
    if talking_to is not None and talking_to.role is Role.economic_buyer:
        boss = kb.message("generic", "boss_peers", lang)
    elif boss_of is not None and boss_of is not talking_to:
        boss = names.person(boss_of.name, boss_of.title)
    else:
        boss = kb.message("generic", "boss", lang)
    nxt = stage.next() or stage
    pains_with_money = [f for f in facts.pains if any(a.evidence == f.evidence
                                                      for a in facts.amounts)]
    amount = next((a.text for f in pains_with_money for a in facts.amounts
                   if a.evidence == f.evidence), None) or \
        (facts.amounts[0].text if facts.amounts else "")
    gone = champions_left(facts)
    values = {
        "customer": deal.customer or kb.message("generic", "customer", lang),
        "competitor": names.join(deal.competitors[:2]) or kb.message("generic", "competitor", lang),
        "key_people": people or kb.message("generic", "key_people", lang),
        "contact": talking_to.name if talking_to else kb.message("generic", "contact", lang),
        "seller": kb.message("generic", "seller", lang),
        "deal": deal.name,
        "next_stage": names.stage(nxt),
        "target_stage": names.stage(target.stage) if target else names.stage(stage),
        "boss": boss,
        "decision_maker": names.person(boss_of.name, boss_of.title) if boss_of else
        kb.message("generic", "decision_maker", lang),
        "amount": amount,
        "pain": short(pains_with_money[-1].text if pains_with_money else
                      facts.pains[-1].text if facts.pains else ""),
        "goal": short(facts.goals[-1].text) if facts.goals else "",
        "hidden": short(facts.hidden[-1].text) if facts.hidden else "",
        "concern": short(facts.concerns[-1].text) if facts.concerns else "",
        "days": str(facts.days_left) if facts.days_left is not None else "",
        "cheaper": short(facts.cheaper[-1].text) if facts.cheaper else "",
        "failed_pilot": short(facts.failed_pilot[-1].text) if facts.failed_pilot else "",
        "restrictive": short(facts.restrictive[-1].text, 140) if facts.restrictive else "",
        "left": names.join(names.person(c.name, c.title) for c in gone),
        "arrived": short(facts.arrived[-1].text) if facts.arrived else "",
        "commitment": _standing_text(stand, names) if stand.why == "commit_us" else "",
        "left_or_arrived": _left_or_arrived(gone, facts, names),
        "diagnosis": diagnosis.explanation if diagnosis else "",
        "owner": deal.owner or kb.message("generic", "seller", lang),
        "to": _salutation(boss_of, lang),
    }
    return values


def _reference_values(case: ReferenceCase, names: _Names) -> dict[str, str]:
    """A matched reference case, as the talk tracks quote it: who, what problem, what result."""
    about = names.join(x for x in (case.industry, case.size) if x)
    who = names.person(case.customer, about or None)
    return {"reference": who, "reference_problem": short(case.problem, 120),
            "reference_result": short(case.result, 120),
            "reference_contact": case.contact or kb.message("generic", "reference_contact", names.lang)}


def _salutation(person: Contact | None, lang: Lang) -> str:
    if person is None:
        return kb.message("generic", "to_team", lang)
    return kb.message("generic", "salutation", lang, name=person.name)


def _has_fact(key: str, fill: Mapping[str, str], facts: Facts) -> bool:
    if key == "price_asked":
        return ActionKind.quote in facts.asked
    return bool(fill.get(key))


def _applies(move: Mapping[str, Any], deal: Deal, stage: Stage, strategy: Strategy,
             fill: Mapping[str, str], facts: Facts) -> bool:
    needs = move.get("needs_any") or []
    if needs and not set(deal.capabilities) & {Capability(c) for c in needs}:
        return False
    allowed = (move.get("when") or {}).get("exchange")
    if allowed:
        state = deal.exchange.value if deal.exchange else "none"
        if state not in allowed:
            return False
    if "stages" in move and stage.value not in move["stages"]:
        return False
    if "strategies" in move and strategy.value not in move["strategies"]:
        return False
    if not all(_has_fact(k, fill, facts) for k in move.get("needs_fact") or []):
        return False
    return not any(_has_fact(k, fill, facts) for k in move.get("unless_fact") or [])


def _moves(deal: Deal, stage: Stage, strategy: Strategy, fill: dict[str, str], facts: Facts,
           stand: Standing, channel: Channel, lang: Lang, *, find_out: bool) -> list[Move]:
    book = kb.playbook()
    rows: list[Mapping[str, Any]] = []
    if deal.outcome is not Outcome.open:
        rows = list(book["post_mortem"][deal.outcome.value])
        return [_move(m, stage, fill, lang) for m in rows]
    if find_out and strategy is not Strategy.walk_away:
        rows += book["find_out"]
    if strategy is not Strategy.walk_away and (champions_left(facts) or facts.arrived):
        rows += book["position"]["new_decision_maker"]
    if stand.position is Position.front_runner:
        rows += book["position"]["front_runner"]
    lane = book["channels"].get(channel.value, {}) if channel is not Channel.standard else {}
    lane_open = stage.rank >= Stage(lane.get("from_stage", "problem")).rank if lane else False
    lane_ids = {m["id"] for m in lane.get("moves", [])}
    if lane_open and strategy is not Strategy.walk_away:
        rows += lane["moves"]
    rows += book["walk_away"] if strategy is Strategy.walk_away else \
        book[strategy.value].get(stage.value, [])
    if strategy is not Strategy.walk_away:
        rows += book["with_facts"]
    dropped = {Step(s) for s in lane.get("drop_steps", [])} if lane_open else set()
    if lane_open and stage.value in lane.get("replace_at", []):
        # the channel's own moves stand in for the conversations it makes improper
        dropped |= {Step.scare, Step.smash, Step.pull, Step.ask}
    if stand.position is Position.front_runner and strategy is Strategy.in_step:
        dropped.add(Step.scare)  # never stall our own deal
    seen: set[str] = set()
    moves: list[Move] = []
    for m in rows:
        if m["id"] in seen or (Step(m["step"]) in dropped and m["id"] not in lane_ids):
            continue
        if not _applies(m, deal, stage, strategy, fill, facts):
            continue
        seen.add(m["id"])
        moves.append(_move(m, stage, fill, lang))
    return _step_order(moves)


def _step_order(moves: list[Move]) -> list[Move]:
    # The playbook lists moves in working order; scare, smash and pull keep that order
    # among themselves (§3.6), so only they are sorted, each into the others' slots.
    slots = [i for i, m in enumerate(moves) if m.step in STEP_ORDER]
    ordered = sorted((moves[i] for i in slots), key=lambda m: STEP_ORDER[m.step])
    for i, m in zip(slots, ordered, strict=True):
        moves[i] = m
    return moves


def _move(m: Mapping[str, Any], stage: Stage, fill: dict[str, str], lang: Lang) -> Move:
    text = m[lang.value]
    return Move(id=m["id"], step=Step(m["step"]), stage=Stage(m.get("stage", stage.value)),
                title=_format(text["title"], fill), why=_format(text["why"], fill),
                say=_format(text["say"], fill), rule=str(m.get("rule", "§4")))


SCHEDULE_ORDER = {Step.letter: 0, Step.scare: 1, Step.ask: 2, Step.meet: 2, Step.smash: 3,
                  Step.pull: 4, Step.guard: 5}


def _schedule(moves: list[Move], days_left: int) -> list[Move]:
    """A day-by-day plan: the letter first, then asking and meeting, smashing and pulling,
    guards last; spread over the days before the deadline, keeping the last one or two
    for the submission itself."""
    if not moves:
        return moves
    ordered = sorted(moves, key=lambda m: SCHEDULE_ORDER[m.step])
    span = max(1, days_left - 2)
    n = len(ordered)
    return [m.model_copy(update={"day": 1 + (i * span) // n}) for i, m in enumerate(ordered)]


def _questions(deal: Deal, stage: Stage, strategy: Strategy, target: Target | None,
               facts: Facts, channel: Channel, fill: dict[str, str], lang: Lang) -> list[str]:
    bank = kb.questions()
    names = _Names(lang)
    if deal.outcome is not Outcome.open:
        return [str(q[lang.value]) for q in bank["post_mortem"][deal.outcome.value]]
    out: list[str] = []
    public = channel is Channel.public_procurement and stage.rank >= Stage.solution.rank
    if public and strategy is not Strategy.walk_away:
        out.extend(str(q[lang.value]) for q in bank["public_procurement"])
    if stage is Stage.solution and strategy is not Strategy.walk_away:
        people = [c for c in deal.contacts
                  if c.role in KEY_ROLES and c.role is not Role.coach and not c.left]
        for q in bank["core"]:
            text = str(q[lang.value])
            if public:
                text = f"[{kb.message('generic', 'public_addressee', lang)}] {text}"
            elif people:
                text = f"[{names.join(c.name for c in people[:5])}] {text}"
            out.append(text)
    if strategy is Strategy.walk_away or public:
        return out  # in public procurement every question goes in writing, above
    for q in bank["with_facts"]:
        if all(_has_fact(k, fill, facts) for k in q.get("needs_fact") or []):
            out.append(_format(str(q[lang.value]), fill))
    stages = [stage] if target is None or target.stage is stage else [target.stage, stage]
    for s in stages:
        out.extend(str(q[lang.value]) for q in bank["by_stage"].get(s.value, [])
                   if not any(_has_fact(k, fill, facts) for k in q.get("unless_fact") or []))
    return out


def write_letters(deal: Deal, analysis: Analysis, *, lang: Lang,
                  signature: Signature | None = None) -> list[Letter]:
    """The letters `analysis` calls for, in `lang` (which may differ from the analysis's),
    signed and dated with `signature`: the same plan, written again in that language."""
    drivers = {t.stage: t.driver for t in analysis.track
               if t.position == "passed" and t.driver is not None}
    again = plan(deal, stage=analysis.stage, stage_source=analysis.stage_source, lang=lang,
                 drivers=drivers or None, signature=signature,
                 today=signature.date if signature is not None else None)
    return again.letters


def _signed(signature: Signature | None, lang: Lang) -> tuple[str | None, str | None]:
    """(the signature lines, the written date) for a letter; None where not given."""
    if signature is None:
        return None, None
    name = None
    if signature.name:
        name = "\n".join(x for x in (signature.name.strip(), (signature.title or "").strip()) if x)
    date = None
    if signature.date is not None:
        d = signature.date
        month = kb.message("generic", "month_names", lang).split()[d.month - 1]
        date = kb.message("generic", "letter_date", lang, year=d.year, month=d.month, day=d.day,
                          month_name=month)
    return name, date


def _letters(deal: Deal, stage: Stage, strategy: Strategy, fill: dict[str, str], facts: Facts,
             channel: Channel, lang: Lang, today: dt.date | None,
             days_left: int | None, signature: Signature | None = None) -> list[Letter]:
    book = kb.letters()
    dates = [d for d in [facts.today, today] if d is not None]
    if signature is not None and signature.date is not None:
        dates = [signature.date]
    when = max(dates) if dates else None
    signer, written = _signed(signature, lang)
    values = dict(fill, date=written or (when.isoformat() if when else ""))
    if signer:
        values["owner"] = signer
    closed = deal.outcome is not Outcome.open
    out: list[Letter] = []

    def letter(kind: Any, to: str | None, extra: Mapping[str, str] = {}) -> Letter:
        t = book[kind][lang.value]
        v = dict(values, **extra)
        subject = _format(t["subject"], v)
        if closed:
            subject = kb.message("generic", "retro_subject", lang) + subject
        return Letter(kind=kind, subject=subject, body=_format(t["body"], v).lstrip("\n"), to=to,
                      date=None if closed else when)

    if strategy is Strategy.walk_away:
        if not closed:
            out.append(letter("walk_away", fill["to"]))
        return out
    public = channel is Channel.public_procurement and stage.rank >= Stage.solution.rank
    if public and not closed and stage is Stage.solution:
        to = kb.message("generic", "public_addressee_letter", lang)
        qs = "\n".join(f"{i}. {q[lang.value]}"
                       for i, q in enumerate(kb.questions()["public_procurement"], 1))
        out.append(letter("clarification", to, {"to": to, "questions": qs}))
        if facts.restrictive:
            out.append(letter("challenge", to, {"to": to}))
        return out
    if (strategy is Strategy.pull_back and stage is Stage.solution
            and deal.exchange in (None, Exchange.pending)):
        opening = book["openings"]["invited" if facts.invited else "not_invited"][lang.value]
        if days_left is not None:
            window_days = max(1, min(10, days_left // 2))
            window = _format(book["windows"]["days"][lang.value],
                             dict(values, window_days=str(window_days), days=str(days_left)))
        else:
            window = str(book["windows"]["open"][lang.value])
        out.append(letter("exchange_conditions", fill["to"], {
            "opening": _format(opening, values), "window": window}))
    return out


def _tradeoff(stage: Stage, strategy: Strategy, target: Target | None,
              capabilities: set[Capability], priors: Mapping[str, Any], lang: Lang,
              days_left: int | None) -> Tradeoff:
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
    if days_left is not None and days > 0:
        # A submission date does not move: the pull-back happens inside the window. Any
        # other deadline (a decisive meeting) caps the time the plan may add.
        days = 0 if stage is Stage.solution else min(days, days_left)
    basis = priors["basis"][lang.value] if isinstance(priors.get("basis"), dict) else ""
    return Tradeoff(win_probability=round(min(max(win, 0.0), 0.95), 2), extra_days=days,
                    following_win_probability=round(following, 2), basis="priors",
                    explanation=str(basis))


def _bid_or_not(deal: Deal, tradeoff: Tradeoff, priors: Mapping[str, Any],
                names: _Names) -> list[Reason]:
    """Expected value of bidding against its cost (METHOD §3.3), when the amount is known."""
    if not deal.amount:
        return []
    share = float(priors.get("bid_cost_share", 0.03))
    ev = tradeoff.win_probability * deal.amount
    cost = share * deal.amount
    lang = names.lang
    verdict = kb.message("reasons", "bid_yes" if ev > cost else "bid_no", lang)
    cur = f" {deal.currency}" if deal.currency else ""
    return [Reason(rule="§3.3", text=kb.message(
        "reasons", "bid_no_bid", lang, ev=f"{ev:,.0f}{cur}", win=f"{tradeoff.win_probability:.0%}",
        amount=f"{deal.amount:,.0f}{cur}", cost=f"{cost:,.0f}{cur}", share=f"{share:.0%}",
        verdict=verdict))]


def _format(template: str, values: Mapping[str, str]) -> str:
    return str(template).format_map(kb._Blank(dict(values)))


class _Names:
    """Turns keys into the deal's language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def stage(self, s: Stage) -> str:
        return kb.stage_name(s, self.lang)

    def join(self, items: Iterable[Any]) -> str:
        return kb.message("generic", "list_sep", self.lang).join(str(i) for i in items)

    def stages(self, stages: Sequence[Stage]) -> str:
        return self.join(self._say("quoted_stage", name=self.stage(s)) for s in stages)

    def who(self, drivers: set[Driver]) -> str:
        ordered = sorted(drivers, key=lambda d: d.value)
        names = [self._say("who_competitor") if d is Driver.competitor
                 else kb.label("drivers", d.value, self.lang) for d in ordered]
        return self._say("and_sep").join(names)

    def actions(self, actions: Sequence[Any]) -> str:
        return self.join(self._say("quoted_action", text=a.text or a.kind.value) for a in actions[:3])

    def person(self, name: str, title: str | None) -> str:
        if not title or title == name:
            return name
        return self._say("person_title", name=name, title=title)

    def _say(self, key: str, **values: object) -> str:
        return kb.message("generic", key, self.lang, **values)
