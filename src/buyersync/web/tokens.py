"""Personal API tokens over the JSON API (team mode): a signed-in person makes, lists and
revokes their own; an admin may list and revoke anyone's. A token cannot make tokens."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from buyersync.errors import BadInput
from buyersync.web.deps import Ctx, Forbidden, Who

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    scope: Literal["read", "write"] = "read"


def _by_person(ctx: Ctx, who: Who) -> None:
    if not ctx.team:
        raise BadInput("tokens_team_only", where="tokens")
    if who.token is not None:
        raise Forbidden


@router.post("", status_code=201, summary="Make a personal API token (its secret is shown once)")
def create_token(body: NewToken, ctx: Ctx, who: Who) -> JSONResponse:
    from buyersync.services.tokens import issue

    _by_person(ctx, who)
    info, secret = issue(ctx.engine, who.username, body.name, body.scope, ctx.accounts)
    return JSONResponse({**info.as_json(), "token": secret}, status_code=201)


@router.get("", summary="Your API tokens (an admin: everyone's with all=true)")
def list_tokens(ctx: Ctx, who: Who, all: Annotated[bool, Query()] = False) -> JSONResponse:
    from buyersync.services.tokens import NotAllowed, listing

    _by_person(ctx, who)
    try:
        found = listing(ctx.engine, ctx.policy(who), everyone=all)
    except NotAllowed:
        raise Forbidden from None
    return JSONResponse([t.as_json() for t in found])


@router.delete("/{token_id}", summary="Revoke an API token")
def revoke_token(token_id: str, ctx: Ctx, who: Who) -> JSONResponse:
    from buyersync.services.tokens import revoke

    _by_person(ctx, who)
    return JSONResponse(revoke(ctx.engine, token_id, ctx.policy(who)).as_json())
