"""What every request must pass before the app reads it: a known host, a same-origin
source for writes, a body of bounded size, a path and query without NUL characters.

Checks, in this order (the first that fails answers):
1. Host. In local mode only loopback names (localhost, 127.0.0.1, [::1]) and the names in
   BUYERSYNC_ALLOWED_HOSTS reach the app, so a web page elsewhere cannot read the
   workspace through a name that it rebinds to 127.0.0.1 (DNS rebinding): 421.
   In team mode the host is checked only when BUYERSYNC_ALLOWED_HOSTS is set.
2. Origin, for state-changing methods: an `Origin` header (or, without one, a browser's
   `Sec-Fetch-Site: cross-site`) that is not this server's own origin is refused: 403.
3. NUL in the path or the query string (no id or filter can hold one): 422.
4. Body size: more than `max_body` bytes (or, in team mode before sign-in, more than
   `anonymous_body`) is refused with 413 as soon as the excess is seen, before the app
   buffers it.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from buyersync.web.i18n import LANG_COOKIE, PageWords, negotiate

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _TooLarge(Exception):
    pass


def split_host(value: str) -> str:
    """`example.com:8000` → `example.com`; `[::1]:8000` → `[::1]`; lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[: end + 1] if end > 0 else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestGuard:
    def __init__(self, app: ASGIApp, *, team: bool, allowed_hosts: frozenset[str],
                 max_body: int, anonymous_body: int) -> None:
        self.app = app
        self.team = team
        self.hosts = frozenset(split_host(h) for h in allowed_hosts)
        if not team:
            self.hosts |= LOOPBACK_NAMES
        self.max_body = max_body
        self.anonymous_body = anonymous_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host") or ""
        if self.hosts and split_host(host) not in self.hosts:
            await self._refuse(scope, send, 421, "error_host")
            return
        method = scope.get("method", "GET")
        if method in UNSAFE and not self._same_origin(scope, host):
            await self._refuse(scope, send, 403, "error_origin")
            return
        if b"\x00" in unquote_to_bytes(scope.get("raw_path") or b"") or \
                "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            await self._refuse(scope, send, 422, "error_bad_input")
            return
        limit = self._limit(scope)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await self._refuse(scope, send, 413, "error_too_large")
            return
        seen = 0
        started = refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit and not refused:
                    # answer now: whatever the app makes of the error below goes nowhere
                    refused = True
                    if not started:
                        await self._refuse(scope, send, 413, "error_too_large")
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted, watched)

    def _limit(self, scope: Scope) -> int:
        if self.team:
            session = scope.get("session") or {}
            if not isinstance(session.get("user"), str):
                return min(self.anonymous_body, self.max_body)
        return self.max_body

    def _same_origin(self, scope: Scope, host: str) -> bool:
        """The request's Origin is this server (as the Host header or the configured
        names say: a proxy may rewrite Host). No Origin: scripts and old browsers; a
        browser then still says where the request came from in Sec-Fetch-Site."""
        origin = _header(scope, b"origin")
        if origin is None:
            return (_header(scope, b"sec-fetch-site") or "") != "cross-site"
        parts = urlsplit(origin.strip())
        if not parts.netloc:  # "null" (sandboxed frames, file: pages) and nonsense
            return False
        if parts.netloc.lower() == host.strip().lower():
            return True
        return split_host(parts.netloc) in self.hosts - LOOPBACK_NAMES

    @staticmethod
    async def _refuse(scope: Scope, send: Send, status: int, key: str) -> None:
        lang = negotiate(_cookie(scope, LANG_COOKIE), _header(scope, b"accept-language"))
        text = PageWords(lang)(key)
        body: Any
        if scope.get("path", "").startswith("/api/"):
            body = json.dumps({"detail": text}, ensure_ascii=False).encode("utf-8")
            kind = b"application/json"
        else:
            body = text.encode("utf-8")
            kind = b"text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", kind),
                                (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie") or ""
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
