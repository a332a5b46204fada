"""The manager's view: the team's funnel, win probability and cycle time by entry stage and
play, the forecast band, stalled deals and lost-deal root stages; and its printable weekly
report. Managers and admins (everyone in local mode); the figures come from
services/learning.py, the charts are inline SVG drawn by the templates (no script, so they
work offline, swap in with HTMX and print).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from buyersync.method.stages import Outcome, Play
from buyersync.services.learning import manager_view
from buyersync.web.deals import summaries
from buyersync.web.deps import Ctx, Forbidden, UiLang, Who, check_csrf
from buyersync.web.pages import base_context, respond

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

Period = Annotated[int, Query(ge=7, le=365)]


def _view_context(request: Request, ctx: Ctx, who: Who, lang: UiLang, period: int) -> dict[str, object]:
    if not ctx.policy(who).sees_pipeline:
        raise Forbidden
    open_deals = summaries(ctx, who, outcome=Outcome.open, limit=10_000)
    view = manager_view(ctx.deals, open_deals, period_days=period)
    return base_context(request, lang, who) | {"view": view, "plays": list(Play),
                                               "period": period}


@router.get("/manager", response_class=HTMLResponse)
def manager(request: Request, ctx: Ctx, who: Who, lang: UiLang, period: Period = 90) -> HTMLResponse:
    return respond(request, "manager.html", _view_context(request, ctx, who, lang, period),
                   block="charts")


@router.get("/manager/report", response_class=HTMLResponse)
def weekly_report(request: Request, ctx: Ctx, who: Who, lang: UiLang,
                  period: Period = 7) -> HTMLResponse:
    return respond(request, "report.html", _view_context(request, ctx, who, lang, period))
