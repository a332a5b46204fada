"""Signing in and out (team mode). Local mode has no accounts: these pages send you home."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from buyersync.services.team import SignInRefused
from buyersync.web.deps import Ctx, UiLang, check_csrf
from buyersync.web.pages import base_context, local_path, respond
from buyersync.web.session import MAX_AGE, new_token

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, ctx: Ctx, lang: UiLang, next: str | None = None) -> Response:
    if not ctx.team:
        return RedirectResponse(local_path(next), status_code=303)
    context = base_context(request, lang, None) | {"next": local_path(next), "error": None,
                                                   "username": ""}
    return respond(request, "signin.html", context)


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, ctx: Ctx, lang: UiLang,
           username: Annotated[str, Form(max_length=200)] = "",
           password: Annotated[str, Form(max_length=1_000)] = "",
           next: Annotated[str, Form(max_length=2_000)] = "/") -> Response:
    if not ctx.team:
        return RedirectResponse("/", status_code=303)
    ip = _client_ip(request)
    name = username.strip()
    context = base_context(request, lang, None) | {"next": local_path(next), "username": name}
    try:
        who, token = ctx.accounts.sign_in(name, password, address=ip,
                                          lifetime=dt.timedelta(seconds=MAX_AGE))
    except SignInRefused as refused:
        if refused.reason == "throttled":
            return respond(request, "signin.html", context | {"error": "signin_throttled"},
                           status=429)
        return respond(request, "signin.html", context | {"error": "signin_failed"}, status=401)
    # a fresh cookie on sign-in: a token planted before cannot ride along into the session
    _end(request)
    request.session.clear()
    request.session.update({"user": who.username, "sid": token, "csrf": new_token()})
    return RedirectResponse(local_path(next), status_code=303)


def _end(request: Request) -> None:
    """End the session this cookie carries, in the database: a copy of the cookie made
    before is worthless from now on."""
    token = request.session.get("sid")
    if isinstance(token, str):
        request.app.state.ctx.accounts.end_session(token)


@router.post("/signout")
def signout(request: Request) -> Response:
    token, name = request.session.get("sid"), request.session.get("user")
    request.app.state.ctx.accounts.sign_out(token if isinstance(token, str) else None,
                                            name if isinstance(name, str) else None)
    request.session.clear()
    request.session["csrf"] = new_token()
    return RedirectResponse("/signin" if request.app.state.ctx.team else "/", status_code=303)
