"""The MCP server at `/mcp` (streamable HTTP, stateless, JSON answers).

Who may call it: in local mode, the person at this computer (requests from loopback only,
with the loopback Host and Origin the SDK checks against DNS rebinding); in team mode, a
request with a valid personal API token (`Authorization: Bearer …`), acting as the token's
owner under the usual access rules — a `read` token cannot add evidence. Anything else is
401 (no or bad token) or 403 (not from this computer). Cookies play no part here, so
there is no cross-site request to forge.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from buyersync.mcp.server import PolicyGate
from buyersync.services.team import LOCAL, Principal
from buyersync.text import t
from buyersync.web.deps import WebContext

PATH = "/mcp"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
PRINCIPAL = "buyersync.principal"


class WebGate(PolicyGate):
    """The MCP tools' view of one caller of /mcp (mcp/server.py's Gate): their access
    rules, and in team mode the audit log."""

    def __init__(self, ctx: WebContext, who: Principal) -> None:
        def record(action: str, deal_id: str, **details: Any) -> None:
            ctx.audit(who, action, deal_id, **details)

        super().__init__(ctx.policy(who), record if ctx.team else None)
        self.ctx = ctx
        self.who = who


async def _answer(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), *headers]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Sets the caller on the request's scope, or answers 401/403 itself."""

    def __init__(self, app: ASGIApp, ctx: WebContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self.ctx.team:
            client = scope.get("client")
            if not client or client[0] not in LOOPBACK:
                await _answer(send, 403, t("errors.mcp_loopback_only", "en"), [])
                return
            scope[PRINCIPAL] = LOCAL
        else:
            from anyio import to_thread
            from starlette.requests import Request

            from buyersync.web.deps import bearer, token_principal

            secret = bearer(Request(scope))
            who = await to_thread.run_sync(token_principal, self.ctx, secret) if secret else None
            if who is None:
                await _answer(send, 401, t("errors.token_needed", "en"),
                              [(b"www-authenticate", b'Bearer realm="buyersync"')])
                return
            scope[PRINCIPAL] = who
        await self.app(scope, receive, send)


def mount(app: Any, ctx: WebContext) -> Callable[[], contextlib.AbstractAsyncContextManager[None]]:
    """Add the /mcp route to `app`; returns what the app's lifespan must run each time it
    starts: a fresh session manager of the SDK (one may run only once), which the route
    then serves through."""
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.routing import Route

    from buyersync.mcp.server import build_server

    def gate(request: Any) -> WebGate:
        who = getattr(request, "scope", {}).get(PRINCIPAL)
        return WebGate(ctx, who if isinstance(who, Principal) else Principal("nobody", "none"))

    server = build_server(lambda: ctx.deals, gate)
    security = (TransportSecuritySettings(enable_dns_rebinding_protection=False) if ctx.team else
                TransportSecuritySettings(
                    allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1",
                                   "localhost", "[::1]"],
                    allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]))
    guard = Guard(_not_started, ctx)
    app.router.routes.append(Route(PATH, endpoint=guard))

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[None]:
        starlette_app = server.streamable_http_app(
            streamable_http_path=PATH, stateless_http=True, json_response=True,
            transport_security=security)
        endpoint = next(r.app for r in starlette_app.routes
                        if isinstance(r, Route) and r.path == PATH)
        async with server.session_manager.run():
            guard.app = endpoint
            try:
                yield
            finally:
                guard.app = _not_started

    return running


async def _not_started(scope: Scope, receive: Receive, send: Send) -> None:
    """/mcp before the app's lifespan has started the SDK's session manager."""
    await _answer(send, 503, "", [])
