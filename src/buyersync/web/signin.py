"""Signing in and out (team mode). Local mode has no accounts: these pages send you home."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from buyersync.store import sessions as session_store
from buyersync.store import team as team_store
from buyersync.web.auth import verify_password
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
    limiter = ctx.signin_limiter
    if limiter.blocked(ip, name):
        return respond(request, "signin.html", context | {"error": "signin_throttled"}, status=429)
    user = team_store.get_user(ctx.engine, name) if name else None
    # verify even when there is no such user, so the answer takes as long either way
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        limiter.failed(ip, name)
        team_store.record(ctx.engine, name[:200] or None, "signin_failed", None, address=ip)
        return respond(request, "signin.html", context | {"error": "signin_failed"}, status=401)
    limiter.succeeded(ip, name)
    # a fresh token on sign-in: a token planted before cannot ride along into the session
    _end(request)
    request.session.clear()
    token = session_store.open_session(ctx.engine, user.username,
                                       dt.timedelta(seconds=MAX_AGE))
    request.session.update({"user": user.username, "sid": token, "csrf": new_token()})
    team_store.record(ctx.engine, user.username, "signin", None, address=ip)
    return RedirectResponse(local_path(next), status_code=303)


def _end(request: Request) -> None:
    """End the session this cookie carries, in the database: a copy of the cookie made
    before is worthless from now on."""
    token = request.session.get("sid")
    if isinstance(token, str):
        session_store.end_session(request.app.state.ctx.engine, token)


@router.post("/signout")
def signout(request: Request) -> Response:
    _end(request)
    name = request.session.get("user")
    if isinstance(name, str):
        team_store.record(request.app.state.ctx.engine, name, "signout")
    request.session.clear()
    request.session["csrf"] = new_token()
    return RedirectResponse("/signin" if request.app.state.ctx.team else "/", status_code=303)
