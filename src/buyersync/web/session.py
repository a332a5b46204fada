"""A signed session cookie (itsdangerous) that always carries a CSRF token.

The whole session lives in the cookie: {"csrf": token, "user": name?}. It is HttpOnly,
SameSite=Lax, and Secure whenever the request came over https. A pure ASGI middleware,
so that streaming responses and background work are left alone.
"""

from __future__ import annotations

import json
import secrets
from http.cookies import SimpleCookie
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "buyersync_session"
MAX_AGE = 12 * 3600


def new_token() -> str:
    return secrets.token_urlsafe(32)


class SessionMiddleware:
    def __init__(self, app: ASGIApp, secret_key: str, max_age: int = MAX_AGE) -> None:
        self.app = app
        self.max_age = max_age
        self.signer = URLSafeTimedSerializer(secret_key, salt="buyersync.session")

    def _load(self, scope: Scope) -> dict[str, Any] | None:
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookie: SimpleCookie = SimpleCookie()
                try:
                    cookie.load(value.decode("latin-1"))
                except Exception:  # a malformed Cookie header is a stranger's problem
                    continue
                if COOKIE in cookie:
                    try:
                        data = self.signer.loads(cookie[COOKIE].value, max_age=self.max_age)
                    except BadSignature:
                        return None
                    return data if isinstance(data, dict) else None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loaded = self._load(scope)
        session: dict[str, Any] = dict(loaded) if loaded else {}
        # pages need a token for their forms; API calls (JSON only, see api.py) do not, so
        # a script calling the API gets no cookie it did not ask for
        if not isinstance(session.get("csrf"), str) and not scope["path"].startswith("/api/"):
            session["csrf"] = new_token()
        # an absent cookie and an empty session are the same: nothing to send back
        before = json.dumps(loaded or {}, sort_keys=True)
        scope["session"] = session
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if json.dumps(current, sort_keys=True) != before:
                    headers = MutableHeaders(scope=message)
                    value = self.signer.dumps(current)
                    parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={self.max_age}",
                             "HttpOnly", "SameSite=Lax"]
                    if secure:
                        parts.append("Secure")
                    headers.append("set-cookie", "; ".join(parts))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
