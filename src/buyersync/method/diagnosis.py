"""Diagnosis of a lost deal: the earliest stage where it was lost, not where the loss showed.

Rules, in order (METHOD §3.7): the first stage up to the recorded one that a competitor
shaped; else the first one we did not shape (the customer alone, or nobody knows);
else the recorded stage itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from buyersync.method import knowledge as kb
from buyersync.method.model import Deal, Diagnosis
from buyersync.method.stages import STAGES, Driver, Lang, Outcome, Stage


def diagnose(deal: Deal, stage: Stage, drivers: Mapping[Stage, Driver],
             lang: Lang) -> Diagnosis | None:
    if deal.outcome is not Outcome.lost:
        return None
    span = STAGES[: stage.rank + 1]
    reason = kb.message("generic", "reason_prefix", lang, reason=deal.lost_reason) \
        if deal.lost_reason else ""
    shown = kb.stage_name(stage, lang)
    competitor = next((s for s in span if drivers.get(s) == Driver.competitor), None)
    if competitor is not None:
        who = kb.message("generic", "list_sep", lang).join(deal.competitors[:2])
        who = who or kb.message("generic", "who_competitor", lang)
        return Diagnosis(root_stage=competitor, explanation=kb.message(
            "diagnosis", "competitor", lang, shown=shown, reason=reason,
            root=kb.stage_name(competitor, lang), who=who))
    not_ours = next((s for s in span[:-1] if drivers.get(s, Driver.unknown) != Driver.us), None)
    if not_ours is not None:
        who = kb.label("drivers", drivers.get(not_ours, Driver.unknown).value, lang)
        return Diagnosis(root_stage=not_ours, explanation=kb.message(
            "diagnosis", "not_ours", lang, shown=shown, reason=reason,
            root=kb.stage_name(not_ours, lang), who=who))
    return Diagnosis(root_stage=stage, explanation=kb.message(
        "diagnosis", "ours", lang, shown=shown, reason=reason))
