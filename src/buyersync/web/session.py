"""A signed session cookie (itsdangerous) that always carries a CSRF token.

The whole session lives in the cookie: {"csrf": token, "user": name?}. It is HttpOnly,
SameSite=Lax, and Secure whenever the request came over https. A pure ASGI middleware,
so that streaming responses and background work are left alone.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "buyersync_session"
MAX_AGE = 12 * 3600


def new_token() -> str:
    return secrets.token_urlsafe(32)


class _Signer(TimestampSigner):
    """itsdangerous' signer with its derived key kept (it derives it on every signature)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else secret_key
        key = key.encode() if isinstance(key, str) else key
        derived = self._derived.get(key)
        if derived is None:
            derived = self._derived[key] = super().derive_key(secret_key)
        return derived


class _Serializer(URLSafeTimedSerializer):
    """The same cookies as URLSafeTimedSerializer, made with less work per request: one
    signer per salt, and no attempt at compressing the payload (a random token and a
    name never compress; starting zlib cost more than the rest of the signing). Reading
    still accepts a compressed payload."""

    default_signer = _Signer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[Any, TimestampSigner] = {}

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        signer = self._signers.get(salt)
        if signer is None:
            made = super().make_signer(salt)
            assert isinstance(made, TimestampSigner)
            signer = self._signers[salt] = made
        return signer

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))


def _same(current: dict[str, Any], before: dict[str, Any]) -> bool:
    """The session as it was read: the same keys and values, each of the same type (as
    their JSON would be: 1 and True compare equal, and are not)."""
    return current == before and all(type(v) is type(before[k]) for k, v in current.items())


class SessionMiddleware:
    def __init__(self, app: ASGIApp, secret_key: str, max_age: int = MAX_AGE) -> None:
        self.app = app
        self.max_age = max_age
        self.signer = _Serializer(secret_key, salt="buyersync.session")

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
        before = loaded or {}
        scope["session"] = session
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if not _same(current, before):
                    headers = MutableHeaders(scope=message)
                    value = self.signer.dumps(current)
                    parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={self.max_age}",
                             "HttpOnly", "SameSite=Lax"]
                    if secure:
                        parts.append("Secure")
                    headers.append("set-cookie", "; ".join(parts))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
