"""The JSON API under /api/v1: the same objects as the CLI, each route one service call.

Cross-site requests cannot use it with a signed-in person's cookie: the cookie is
SameSite=Lax, bodies are parsed only as application/json (a plain form is a 422), and
PUT/DELETE need a preflight the app never grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from buyersync.method.model import Analysis, Deal, Evidence, Location, Text
from buyersync.method.stages import Lang, Outcome, Stage, Strategy, WarningCode
from buyersync.services.deals import DealView
from buyersync.web.deals import DealAccess, deal_json, summaries
from buyersync.web.deps import Ctx, Who, signed_in

# the method's models build on first use (for the CLI's start-up); the routes below hand
# them to FastAPI, whose body adapters need them built

router = APIRouter(prefix="/api/v1", tags=["api"])

DealId = Annotated[str, Path(max_length=64)]


class LocateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text


class Created(BaseModel):
    id: str


class DealSummaryOut(BaseModel):
    id: str
    name: str
    customer: str | None = None
    stage: Stage
    strategy: Strategy
    updated_at: str
    model_config = ConfigDict(extra="allow")


@dataclass(kw_only=True)
class DealOut(Deal):
    """A saved deal (the deal file's fields, with `id`) and its current analysis."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "allow"}
    analysis: Analysis


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


@router.post("/locate", response_model=Location, dependencies=[Depends(signed_in)],
             summary="Where one piece of evidence puts the customer")
def locate_text(body: LocateRequest) -> JSONResponse:
    from buyersync.locate import locate

    return _json(locate(body.text).model_dump(mode="json"))


@router.post("/analyze", response_model=Analysis, dependencies=[Depends(signed_in)],
             summary="Analyse a deal without saving it")
def analyze_deal(deal: Deal, ctx: Ctx, lang: Lang | None = None) -> JSONResponse:
    from buyersync.services.analysis import analyze

    return _json(analyze(deal, lang=lang, priors=ctx.deals.priors).model_dump(mode="json"))


@router.get("/deals", response_model=list[DealSummaryOut], summary="Saved deals, newest change first")
def list_deals(
    ctx: Ctx, who: Who,
    stage: Stage | None = None,
    strategy: Strategy | None = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    outcome: Outcome | None = None,
    warning: WarningCode | None = None,
    stalled: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> JSONResponse:
    rows = summaries(ctx, who, stage=stage, strategy=strategy, owner=owner, outcome=outcome,
                     warning=warning, stalled=stalled, limit=limit, offset=offset)
    return _json([r.model_dump(mode="json") for r in rows])


class Problem(BaseModel):
    detail: str


@router.post("/deals", response_model=Created, status_code=201, summary="Save a new deal",
             responses={409: {"model": Problem}})
def create_deal(deal: Deal, ctx: Ctx, who: Who) -> JSONResponse:
    """Creates a deal; never replaces one. A deal that carries the `id` of a saved deal is
    refused with 409 (whoever owns it): change a saved deal with PUT."""
    return _json({"id": DealAccess(ctx, who).create(deal)}, status=201)


def _with_etag(view: DealView) -> JSONResponse:
    response = _json(deal_json(view))
    response.headers["ETag"] = f'"{view.version}"'
    return response


@router.get("/deals/{deal_id}", response_model=DealOut, summary="A saved deal and its analysis")
def show_deal(deal_id: DealId, ctx: Ctx, who: Who) -> JSONResponse:
    """The `ETag` header is the deal's version: send it back in `If-Match` with PUT to
    refuse the change (412) if someone changed the deal meanwhile."""
    return _with_etag(DealAccess(ctx, who).get(deal_id))


@router.put("/deals/{deal_id}", response_model=DealOut, summary="Replace a saved deal",
            responses={412: {"model": Problem}})
def update_deal(deal_id: DealId, deal: Deal, ctx: Ctx, who: Who,
                if_match: Annotated[str | None, Header(max_length=100)] = None) -> JSONResponse:
    version = if_match.strip().removeprefix("W/").strip('"') if if_match else None
    if version == "*":
        version = None
    return _with_etag(DealAccess(ctx, who).update(deal_id, deal, version=version))


@router.delete("/deals/{deal_id}", status_code=204, response_class=Response,
               summary="Delete a saved deal")
def delete_deal(deal_id: DealId, ctx: Ctx, who: Who) -> Response:
    DealAccess(ctx, who).delete(deal_id)
    return Response(status_code=204)


@router.post("/deals/{deal_id}/evidence", response_model=Analysis,
             summary="Add evidence to a deal; returns the new analysis")
def add_evidence(deal_id: DealId, item: Evidence, ctx: Ctx, who: Who) -> JSONResponse:
    analysis = DealAccess(ctx, who).add_evidence(deal_id, item)
    return _json(analysis.model_dump(mode="json"))
