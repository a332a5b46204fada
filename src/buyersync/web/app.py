"""`create_app(settings)`: the one place that wires the web app together.

Database engine, deal service, templates, sessions, security headers, routes and the
error answers (API: JSON 401/403/404/422; pages: an error page) are all set up here.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import buyersync
from buyersync.config import Settings
from buyersync.errors import BadInput, Conflict, NotFound
from buyersync.text import t
from buyersync.web.deps import CsrfFailed, Forbidden, NotSignedIn, WebContext, page_lang
from buyersync.web.errors import field_errors
from buyersync.web.guard import RequestGuard
from buyersync.web.session import SessionMiddleware
from buyersync.web.templating import make_env

if TYPE_CHECKING:
    from buyersync.services.deals import DealService

STATIC = Path(__file__).parent / "static"
UNAVAILABLE = frozenset({"db_unavailable"})
#: what a team server reads from someone not signed in (the sign-in form is far smaller)
ANONYMOUS_BODY = 64 * 1024

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


SECURITY_HEADERS = ((b"content-security-policy", CSP.encode("latin-1")),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"))


class SecurityHeaders:
    """No inline script or style, no framing, no sniffing: the pages need none of it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # each one unless the response set it already (the raw headers are lower case)
                headers = message["headers"] = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                # deals are confidential: no copy in the browser's or a proxy's cache
                # (the vendored static files may be cached)
                if b"cache-control" not in present and \
                        not scope.get("path", "").startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                if scope.get("scheme") == "https" and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def workspace(settings: Settings) -> DealService:
    """The deal service on the settings' workspace, the schema migrated on first use: the
    one place the web's workspace is opened, by `create_app` in every worker and by
    `buyersync serve` to load the demo deals before the workers start."""
    from buyersync.services.deals import DealService
    from buyersync.store import team as _team  # noqa: F401  (its tables join the metadata)
    from buyersync.store.db import make_engine

    engine = make_engine(settings.database_url(), create_folder=settings.embedded)
    return DealService(engine, settings=settings)


def create_app(settings: Settings | None = None, *, deals: DealService | None = None) -> FastAPI:
    """The web app on `settings` (default: from BUYERSYNC_* variables). `deals` is the deal
    service to use (default: `workspace(settings)`)."""
    from buyersync.store import team as _team  # noqa: F401  (its tables join the metadata)

    settings = settings or Settings()
    from buyersync.method.dates import set_default_order

    set_default_order(settings.date_order)
    if deals is None:
        deals = workspace(settings)
    engine = deals.engine
    running: list[Callable[[], contextlib.AbstractAsyncContextManager[None]]] = []

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for start in running:  # the MCP session manager (web/assistant.py)
                await stack.enter_async_context(start())
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="buyersync",
        version=buyersync.__version__,
        summary="Keep a B2B sale in step with the customer's buying process.",
        openapi_url="/openapi.json",
        docs_url=None,  # Swagger UI would load from a CDN; the pages load nothing external
        redoc_url=None,
    )
    app.state.ctx = WebContext(settings=settings, engine=engine, deals=deals, env=make_env())
    from buyersync.web.pages import LightPages

    # innermost: the board and the deal room from the cache, past everything below
    app.add_middleware(LightPages)
    # the guard runs inside the session (it needs to know who is signed in for its body
    # limit), and outside everything else; see web/guard.py
    app.add_middleware(RequestGuard, team=settings.team, allowed_hosts=settings.host_names,
                       max_body=settings.max_body_bytes, anonymous_body=ANONYMOUS_BODY)
    # local mode: a key per run is enough (sessions only carry the CSRF token there)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key or secrets.token_urlsafe(32))
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from buyersync.web import api, assistant, manager, pages, signin, tender, tokens

    # the pages first: the board and the deal room are what people open most, and a
    # request walks the routes in order (no two routers share a path)
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(tender.api)
    app.include_router(tokens.router)
    running.append(assistant.mount(app, app.state.ctx))
    app.include_router(signin.router)
    app.include_router(manager.router)
    app.include_router(tender.pages)
    _add_error_answers(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    return app


def app_from_env() -> FastAPI:
    """The app on the BUYERSYNC_* settings of the environment: what each worker of
    `buyersync serve --workers N` builds, and what a production server runs
    (`uvicorn --factory buyersync.web.app:app_from_env --workers N`, docs/web.md)."""
    return create_app()


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _add_error_answers(app: FastAPI) -> None:
    from buyersync.web.pages import error_page

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        return _unprocessable(request, field_errors(error.errors(), lang=page_lang(request)))

    @app.exception_handler(ValidationError)
    async def _invalid_model(request: Request, error: ValidationError) -> Response:
        return _unprocessable(request, field_errors(error.errors(), prefix=("body",), lang=page_lang(request)))

    @app.exception_handler(BadInput)
    async def _bad_input(request: Request, error: BadInput) -> Response:
        if error.key in UNAVAILABLE:  # the workspace cannot be reached: not the caller's fault
            return JSONResponse({"detail": error.render(page_lang(request))}, status_code=503)
        field = str(error.field) if error.field else "body"
        problem = {"loc": ["body", *field.split(".")], "msg": error.render(page_lang(request)),
                   "type": error.key}
        return _unprocessable(request, field_errors([problem], lang=page_lang(request)))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, error: NotFound) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": error.render(page_lang(request))}, status_code=404)
        return error_page(request, 404, "error_not_found")

    @app.exception_handler(404)
    async def _no_route(request: Request, error: Exception) -> Response:
        if _is_api(request) or request.url.path.startswith("/static/"):
            detail = getattr(error, "detail", None) or t("detail.not_found", page_lang(request))
            return JSONResponse({"detail": detail}, status_code=404)
        return error_page(request, 404, "error_not_found")

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, error: Conflict) -> Response:
        # an id that is taken: 409; a deal that changed since the If-Match version: 412
        status = 412 if error.reason == "changed" else 409
        if _is_api(request):
            return JSONResponse({"detail": str(error), "reason": error.reason},
                                status_code=status)
        return error_page(request, 409, "error_conflict")

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, error: NotSignedIn) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": t("detail.sign_in_first", page_lang(request))}, status_code=401,
                                headers={"WWW-Authenticate": 'Cookie realm="buyersync"'})  # text-ok: an HTTP header
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/signin"})
        from urllib.parse import quote

        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, error: Forbidden) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": t("detail.not_allowed", page_lang(request))}, status_code=403)
        return error_page(request, 403, "error_forbidden")

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, error: CsrfFailed) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": t("detail.csrf", page_lang(request))}, status_code=403)
        return error_page(request, 403, "error_csrf")


def _unprocessable(request: Request, body: dict[str, Any]) -> Response:
    if _is_api(request):
        return JSONResponse(body, status_code=422)
    from buyersync.web.pages import error_page

    response: HTMLResponse = error_page(request, 422, "error_bad_input", detail=body["message"])
    return response
