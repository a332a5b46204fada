"""What every route may ask for: the app's context, the page language, the signed-in person.

`Annotated` aliases keep route signatures short (`who: Who`, `ctx: Ctx`).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from jinja2 import Environment
from sqlalchemy import Engine

from buyersync.config import Settings
from buyersync.method.stages import Lang
from buyersync.services.team import LOCAL, AccessPolicy, Principal, TeamService
from buyersync.store.sessions import SignInLimiter
from buyersync.web.i18n import LANG_COOKIE, negotiate

if TYPE_CHECKING:
    from buyersync.services.deals import DealService

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotSignedIn(Exception):
    """Team mode and no valid session: 401 for the API, the sign-in page for people."""


class Forbidden(Exception):
    """Signed in, but the access rules (services/team.py) say no: 403."""


class CsrfFailed(Exception):
    """An unsafe request from a page without this session's CSRF token: 403."""


@dataclass
class WebContext:
    settings: Settings
    engine: Engine
    deals: DealService
    env: Environment
    limiter: SignInLimiter | None = None
    #: users, sign-in and the access rules (services/team.py)
    accounts: TeamService = field(init=False)
    #: the settings as JSON, part of every cached page's key (web/roomcache.py)
    settings_json: str = field(init=False)
    #: read cached pages on the event loop (see `reads_inline`)
    inline: bool = field(init=False)

    def __post_init__(self) -> None:
        from buyersync.store.team import SqlTeamStore

        self.accounts = TeamService(SqlTeamStore(self.engine, self.limiter))
        self.settings_json = self.settings.model_dump_json()
        # local mode on SQLite: one person, a file on their own disk, where reading a
        # cached page is one indexed row (~0.1 ms), less than handing the request to a
        # worker thread and back. PostgreSQL (a network round trip) and team mode (the
        # session lookup, and a refusal is audited: a write) keep the thread pool.
        self.inline = not self.settings.team and self.engine.dialect.name == "sqlite"

    @property
    def team(self) -> bool:
        return self.settings.team

    def policy(self, who: Principal | None) -> AccessPolicy:
        """The access rules for `who` (services/team.py)."""
        return self.accounts.policy(who)

    def check(self, who: Principal, owner: str | None, deal_id: str | None = None,
              policy: AccessPolicy | None = None) -> None:
        """Forbidden unless `who` may see a deal owned by `owner`."""
        if not (policy or self.policy(who)).may_view(owner):
            # a refusal is worth knowing about: someone tried a deal that is not theirs
            self.audit(who, "forbidden", deal_id)
            raise Forbidden

    def audit(self, who: Principal, action: str, deal_id: str | None = None,
              **detail: object) -> None:
        self.accounts.audit(who, action, deal_id, **detail)


def get_ctx(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


async def _ctx(request: Request) -> WebContext:
    # the dependencies that do no I/O are async: FastAPI runs a sync one on a worker
    # thread, a hand-over that costs more than the work
    return get_ctx(request)


Ctx = Annotated[WebContext, Depends(_ctx)]


def page_lang(request: Request) -> Lang:
    return negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


async def _page_lang(request: Request) -> Lang:
    return page_lang(request)


UiLang = Annotated[Lang, Depends(_page_lang)]


def bearer(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, if any."""
    kind, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if kind.lower() == "bearer" and value.strip() else None


def token_principal(ctx: WebContext, secret: str) -> Principal | None:
    from buyersync.services.tokens import verify

    owner = verify(ctx.engine, secret, ctx.accounts)
    if owner is None:
        return None
    return Principal(username=owner.username, role=owner.role, team=owner.team,
                     scope=owner.scope, token=owner.token_id)


def principal(request: Request, ctx: Ctx) -> Principal | None:
    """Who is asking: everyone is the local user in local mode; in team mode the owner of
    the request's API token, else the session's user, looked up on every request so that a
    removed user (or a revoked token) is out at once. A request with a token that does not
    verify is not signed in, whatever its cookie says."""
    if not ctx.team:
        return LOCAL
    secret = bearer(request)
    if secret is not None:
        return token_principal(ctx, secret)
    name = request.session.get("user")
    token = request.session.get("sid")
    if not isinstance(name, str) or not isinstance(token, str):
        return None
    # the cookie alone is not enough: its session must still be open and its user active
    return ctx.accounts.session_principal(name, token)


def signed_in_principal(request: Request, ctx: WebContext) -> Principal:
    """`principal`, for a route that reads it itself (on a worker thread): NotSignedIn
    when nobody is."""
    who = principal(request, ctx)
    if who is None:
        raise NotSignedIn
    return who


async def _principal(request: Request, ctx: Ctx) -> Principal | None:
    """`principal` on a worker thread only when it reads the database (team mode)."""
    if not ctx.team:
        return LOCAL
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(principal, request, ctx)


MaybeWho = Annotated[Principal | None, Depends(_principal)]


async def signed_in(who: MaybeWho) -> Principal:
    if who is None:
        raise NotSignedIn
    return who


Who = Annotated[Principal, Depends(signed_in)]


async def check_csrf(request: Request) -> None:
    """Every form post and HTMX request from a page carries the session's token, in the
    X-CSRF-Token header (HTMX) or a `csrf_token` form field (plain forms)."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf", "")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfFailed
