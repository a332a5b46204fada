"""Signing in and out (team mode). Local mode has no accounts: these pages send you home."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from buyersync.store import team as team_store
from buyersync.web.auth import verify_password
from buyersync.web.deps import Ctx, UiLang, check_csrf
from buyersync.web.pages import base_context, local_path, respond
from buyersync.web.session import new_token

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
    if ctx.limiter.blocked(ip, name):
        return respond(request, "signin.html", context | {"error": "signin_throttled"}, status=429)
    user = team_store.get_user(ctx.engine, name) if name else None
    # verify even when there is no such user, so the answer takes as long either way
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        ctx.limiter.failed(ip, name)
        return respond(request, "signin.html", context | {"error": "signin_failed"}, status=401)
    ctx.limiter.succeeded(ip, name)
    # a fresh token on sign-in: a token planted before cannot ride along into the session
    request.session.clear()
    request.session.update({"user": user.username, "csrf": new_token()})
    team_store.record(ctx.engine, user.username, "signin")
    return RedirectResponse(local_path(next), status_code=303)


@router.post("/signout")
def signout(request: Request) -> Response:
    request.session.clear()
    request.session["csrf"] = new_token()
    return RedirectResponse("/signin" if request.app.state.ctx.team else "/", status_code=303)
