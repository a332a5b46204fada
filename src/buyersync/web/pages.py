"""The pages for people: pipeline board, deal room, quick analysis, new deal, letters.

Each route gathers data and names a template; an HTMX request gets only the named block.
Every form post carries the session's CSRF token (deps.check_csrf on the whole router).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, get_args
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from buyersync.errors import BadInput, NotFound, problem_of
from buyersync.method.model import Analysis, Deal, Evidence, Letter, LetterKind
from buyersync.method.stages import (
    STAGES,
    ActionKind,
    Capability,
    Driver,
    Exchange,
    Lang,
    Outcome,
    Role,
    Stage,
    Strategy,
    WarningCode,
)
from buyersync.services.team import LOCAL, Principal
from buyersync.web import edits, roomcache, views
from buyersync.web.deals import DealAccess
from buyersync.web.deps import (
    Ctx,
    UiLang,
    Who,
    check_csrf,
    get_ctx,
    page_lang,
    signed_in_principal,
)
from buyersync.web.i18n import LANG_COOKIE, PageWords
from buyersync.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
_INT = TypeAdapter(int)

# The board and the deal room, the pages people open most, are light routes: plain
# Starlette endpoints that read their few inputs themselves (language, who is asking, the
# board's filters), since FastAPI's dependency solving cost more than a cached page's own
# work. They do all their work, the sign-in check included, in one hand-over to the
# thread pool; in local mode on SQLite (WebContext.inline) a cached page is read on the
# event loop instead, and only a page to render goes to a thread. GET only: the router's
# CSRF check has nothing to do.


async def _light(request: Request, page: Callable[..., Response], *args: Any) -> Response:
    if get_ctx(request).inline and not request.scope.get(_MISSED):
        with contextlib.suppress(roomcache.NotCached):
            return page(request, *args, may_render=False)
    return await run_in_threadpool(page, request, *args)


#: scope key: LightPages tried this request from the cache and it was not there
_MISSED = "buyersync.light_missed"


class LightPages:
    """The board and the deal room answered from the cache before FastAPI routes them:
    a pure ASGI layer inside the app's own middleware (security headers, session, request
    guard), so that a cached page, on SQLite in local mode (`WebContext.inline`), skips
    the exception middleware, the router's walk over every route and the endpoint
    wrappers, which cost as much as the page's own read. It answers only a GET that the
    router would give to these two routes and only from the cache; anything else (a page
    to render, an error such as an unknown deal, another method) goes on to the app
    untouched, which then answers it as it always did. Nothing has been sent by then,
    and nothing is written on the way (local mode reads only)."""

    PREFIX = "/deals/"
    #: the GET /deals/… routes the router meets before the deal room's
    NOT_ROOMS = frozenset({"new"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            path: str = scope["path"]
            answer: Response | None = None
            if path == "/":
                answer = self._answer(scope, receive, _board)
            elif path.startswith(self.PREFIX):
                deal_id = path[len(self.PREFIX):]
                if deal_id and "/" not in deal_id and deal_id not in self.NOT_ROOMS:
                    answer = self._answer(scope, receive, _deal_room, deal_id)
            if answer is not None:
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _answer(scope: Scope, receive: Receive, page: Callable[..., Response],
                *args: Any) -> Response | None:
        request = Request(scope, receive)
        if not get_ctx(request).inline:
            return None
        try:
            return page(request, *args, may_render=False)
        except roomcache.NotCached:
            scope[_MISSED] = True
        except Exception:  # noqa: BLE001 (the app answers it, with its own error pages)
            pass
        return None

MAX_TEXT = 100_000
FormText = Annotated[str, Form(max_length=MAX_TEXT)]
# quick analysis takes a longer paste and says how much of it it read
FormPaste = Annotated[str, Form(max_length=4 * MAX_TEXT)]
FormShort = Annotated[str, Form(max_length=2_000)]
VARY = "HX-Request, Cookie"  # text-ok: an HTTP header


def base_context(request: Request, lang: Lang, who: Principal | None) -> dict[str, Any]:
    ctx = get_ctx(request)
    session = request.scope.get("session") or {}
    return {"lang": lang.value, "t": PageWords(lang), "csrf": session.get("csrf", ""),
            "who": who, "team": ctx.team, "path": request.url.path,
            "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            "views": views, "stages": STAGES}


def respond(request: Request, template: str, context: dict[str, Any], block: str | None = None,
            status: int = 200) -> HTMLResponse:
    """The page, or just `block` when HTMX asks (but the whole page to restore history)."""
    partial = block is not None and _partial(request)
    html = render(get_ctx(request).env, template, context, block if partial else None)
    return HTMLResponse(html, status_code=status, headers={"Vary": VARY})


def error_page(request: Request, status: int, key: str, detail: str | None = None) -> HTMLResponse:
    lang = page_lang(request)
    # who is shown in the header only (no access decision here): keep the navigation
    name = (request.scope.get("session") or {}).get("user")
    who = (LOCAL if not get_ctx(request).team
           else Principal(username=name, role="seller") if isinstance(name, str) else None)
    context = base_context(request, lang, who) | {"status": status, "key": key, "detail": detail}
    return respond(request, "error.html", context, status=status)


# -- language ------------------------------------------------------------------------------

def local_path(target: str | None) -> str:
    """Only same-site paths: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str | None = None) -> Response:
    response = RedirectResponse(local_path(next), status_code=303)
    if code in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


# -- board -----------------------------------------------------------------------------------

def _enum(kind: Any, value: str | None) -> Any:
    """Board filters come from links people edit: an unknown value just means 'any'."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _page_number(request: Request) -> int:
    """`page` as FastAPI would read an `int` query parameter: a 422 for one that is not."""
    raw = request.query_params.get("page")
    if raw is None:
        return 0
    try:
        return int(_INT.validate_python(raw))
    except ValidationError as e:
        raise RequestValidationError(
            [{**err, "loc": ("query", "page")} for err in e.errors()]) from None


async def board(request: Request) -> Response:
    """GET /, a light route (see the note at the top): the board of the deals `who` may see."""
    return await _light(request, _board)


def _board(request: Request, may_render: bool = True) -> HTMLResponse:
    from buyersync.services.board import board as read_board

    ctx, lang = get_ctx(request), page_lang(request)
    who = signed_in_principal(request, ctx)
    query = request.query_params
    strategy, owner, warning = query.get("strategy"), query.get("owner"), query.get("warning")
    stalled, column = query.get("stalled"), query.get("column")
    outcome, page = query.get("outcome", "open"), _page_number(request)
    outcome = outcome if outcome in ("open", "won", "lost", "all") else "open"
    chosen = {"strategy": _enum(Strategy, strategy), "warning": _enum(WarningCode, warning),
              "owner": (owner or "").strip()[:200] or None, "stalled": stalled in ("1", "on", "true"),
              "outcome": _enum(Outcome, outcome) if outcome != "all" else None}
    policy = ctx.policy(who)
    scope = policy.deal_scope(chosen["owner"])
    filters = {"strategy": chosen["strategy"], "warning": chosen["warning"],
               "stalled": True if chosen["stalled"] else None, "outcome": chosen["outcome"]}
    filters = {k: v for k, v in filters.items() if v is not None} | scope.filters()
    if scope.nothing:  # a seller asking for someone else's deals: none
        filters["owners"], filters["include_unowned"] = [], False
    visible = policy.deal_scope(None).filters()
    # the filters as they are, for the links that page a column
    kept = {k: v for k, v in (("strategy", chosen["strategy"]), ("owner", chosen["owner"]),
                              ("warning", chosen["warning"]),
                              ("stalled", "1" if chosen["stalled"] else None),
                              ("outcome", outcome)) if v}
    partial = _partial(request)

    def render_marked() -> tuple[str, dt.datetime]:
        found = read_board(ctx.deals, filters, visible, opened=opened, page=page)
        context = base_context(request, lang, who) | {
            "board": found, "columns": found.columns, "count": found.total,
            "owners": found.owners, "chosen": chosen, "kept": kept, "csrf": roomcache.CSRF_MARK,
            "outcome": outcome, "strategies": list(Strategy),
            "warning_codes": list(WarningCode)}
        html = render(ctx.env, "board.html", context, "board" if partial else None)
        return html, found.holds_until()

    opened = _enum(Stage, column)
    if chosen["stalled"] or chosen["owner"]:
        # who is stalled changes by the hour; an owner is free text (addresses without
        # end must not fill the cache): rendered every time
        if not may_render:
            raise roomcache.NotCached
        marked = roomcache.Marked(render_marked()[0])
    else:
        shown = repr((sorted((k, str(v)) for k, v in chosen.items()), outcome, opened,
                      min(max(page, 0), 1_000) if opened else 0))
        # the path from the scope: request.url builds a whole URL object for it
        marked = roomcache.cached_board(ctx, who, lang.value, request.scope["path"], shown,
                                        partial, (filters, visible),
                                        render_marked if may_render else None)
    csrf = (request.scope.get("session") or {}).get("csrf", "")
    return HTMLResponse(marked.filled(csrf), headers={"Vary": VARY})


router.add_route("/", board, methods=["GET"], include_in_schema=False)


# -- new deal --------------------------------------------------------------------------------

@router.get("/deals/new", response_class=HTMLResponse)
def new_deal_form(request: Request, who: Who, lang: UiLang, text: str = "") -> HTMLResponse:
    context = base_context(request, lang, who) | {"form": {"text": text[:MAX_TEXT]},
                                                  "form_error": None}
    return respond(request, "new.html", context)


@router.post("/deals/new", response_class=HTMLResponse)
def new_deal_from_text(request: Request, who: Who, lang: UiLang,
                       text: FormText = "") -> HTMLResponse:
    """The new-deal form filled with a text posted from quick analysis (an address cannot
    carry a long paste)."""
    context = base_context(request, lang, who) | {"form": {"text": text}, "form_error": None}
    return respond(request, "new.html", context)


@router.post("/deals", response_class=HTMLResponse)
def create_deal(request: Request, ctx: Ctx, who: Who, lang: UiLang,
                name: FormShort = "", customer: FormShort = "", owner: FormShort = "",
                text: FormText = "") -> Response:
    data: dict[str, Any] = {"name": name.strip(), "customer": customer.strip() or None,
                            "owner": owner.strip() or None}
    if text.strip():
        data["evidence"] = [{"text": text.strip()}]
    try:
        deal = Deal.model_validate(data)
    except ValidationError as e:
        context = base_context(request, lang, who) | {
            "form": {"name": name, "customer": customer, "owner": owner, "text": text},
            "form_error": str(problem_of(e).loc[0])}
        return respond(request, "new.html", context, status=422)
    new_id = DealAccess(ctx, who).create(deal)
    return RedirectResponse(f"/deals/{quote(new_id)}", status_code=303)


# -- deal room -------------------------------------------------------------------------------

def letters_for(ctx: Ctx, deal: Deal, analysis: Analysis, chosen: str | None) -> tuple[Lang, list[Letter]]:
    """The letters in the customer's language (the deal's), or in the one the seller chose;
    signed by the deal's owner and dated today."""
    from buyersync.method.planner import write_letters
    from buyersync.services import letters
    from buyersync.services.analysis import deal_lang

    lang = _enum(Lang, chosen) or deal_lang(deal)
    signature = letters.signature(deal.owner, ctx.settings, dt.date.today())
    return lang, write_letters(deal, analysis, lang=lang, signature=signature)


def room_context(request: Request, ctx: Ctx, who: Principal, lang: Lang, deal_id: str,
                 **extra: Any) -> dict[str, Any]:
    # the plan in the reader's language; the evidence stays as it was written; the letters
    # in the customer's
    view = DealAccess(ctx, who).get(deal_id, lang=lang)
    analysis: Analysis = view.analysis
    letters_lang, letters = letters_for(ctx, view.deal, analysis,
                                        request.query_params.get("letters"))
    words = PageWords(lang)
    titles = {s.value: words.stage(s) for s in STAGES}
    titles |= {"competitor_led": words("competitor_led"), "not_led": words("quick_led_no")}
    evidence = [{"item": e, "marked": views.highlight(e.text, e.signals, titles)}
                for e in view.evidence]
    return base_context(request, lang, who) | {
        "view": view, "deal": view.deal, "analysis": analysis, "deal_id": deal_id,
        "letters": letters, "letters_lang": letters_lang.value,
        "letters_other": "en" if letters_lang == Lang.zh else "zh",
        # a won or lost deal reads as closed: its outcome and diagnosis, no live plan
        "closed": view.deal.outcome != Outcome.open,
        "evidence": list(reversed(evidence)), "history": view.history,
        "nodes": views.track_nodes(analysis.track), "arrow": views.track_arrow(analysis),
        "form_error": None, "moved": None, "form": {},
        # the edit forms: what they offer, and a refused save's one line and its input
        "passed": analysis.stage.before(), "drivers": list(Driver),
        "capabilities": list(Capability), "roles": list(Role), "action_kinds": list(ActionKind),
        "exchanges": list(Exchange), "outcomes": list(Outcome),
        "edit_error": None, "edit_form": {},
        "tender": None, "tender_error": None} | extra


def _partial(request: Request) -> bool:
    return (request.headers.get("hx-request") == "true"
            and not request.headers.get("hx-history-restore-request"))


async def deal_room(request: Request) -> Response:
    """GET /deals/{deal_id}, a light route (see the note at the top): the deal room."""
    return await _light(request, _deal_room, request.path_params["deal_id"])


def _deal_room(request: Request, deal_id: str, may_render: bool = True) -> HTMLResponse:
    ctx, lang = get_ctx(request), page_lang(request)
    who = signed_in_principal(request, ctx)
    partial = _partial(request)

    def render_marked() -> str:
        context = room_context(request, ctx, who, lang, deal_id, csrf=roomcache.CSRF_MARK)
        return render(ctx.env, "room.html", context, "room" if partial else None)

    html = roomcache.cached_room(ctx, who, lang.value, deal_id, request.scope["path"],
                                 request.scope["query_string"].decode("latin-1"), partial,
                                 render_marked if may_render else None)
    if html is None:  # an address that is not cached
        return respond(request, "room.html", room_context(request, ctx, who, lang, deal_id),
                       "room")
    csrf = (request.scope.get("session") or {}).get("csrf", "")
    return HTMLResponse(html.filled(csrf), headers={"Vary": VARY})


router.add_route("/deals/{deal_id}", deal_room, methods=["GET"], include_in_schema=False)


@router.post("/deals/{deal_id}/evidence", response_class=HTMLResponse)
def add_evidence(deal_id: str, request: Request, ctx: Ctx, who: Who, lang: UiLang,
                 text: FormText = "", date: FormShort = "", source: FormShort = "") -> Response:
    access = DealAccess(ctx, who)
    # the stage as the room showed it (its analysis is cached in the page's language)
    before = access.get(deal_id, lang=lang).analysis.stage
    words = PageWords(lang)
    try:
        item = Evidence.model_validate({"text": text.strip(), "date": date or None,
                                        "source": source.strip() or None})
    except ValidationError as e:
        field = str(problem_of(e).loc[0])
        context = room_context(request, ctx, who, lang, deal_id, form_error=field,
                               form={"text": text, "date": date, "source": source})
        return respond(request, "room.html", context, "room", status=200
                       if request.headers.get("hx-request") else 422)
    after = access.add_evidence(deal_id, item).stage
    if not request.headers.get("hx-request"):
        return RedirectResponse(f"/deals/{quote(deal_id)}", status_code=303)
    moved = (words("stage_moved", old=words.stage(before), new=words.stage(after))
             if after != before else words("stage_same", stage=words.stage(after)))
    context = room_context(request, ctx, who, lang, deal_id, moved=moved)
    return respond(request, "room.html", context, "room")


async def posted_fields(request: Request) -> edits.Fields:
    """The whole posted form, every field with all its values (unknown fields included, so
    that an edit can refuse them rather than drop them silently)."""
    form = await request.form()
    fields: edits.Fields = {}
    for name, value in form.multi_items():
        fields.setdefault(name, []).append(value if isinstance(value, str) else "")
    return fields


PostedFields = Annotated[edits.Fields, Depends(posted_fields)]


def _edit(form_name: str, deal_id: str, request: Request, ctx: Ctx, who: Who, lang: UiLang,
          fields: PostedFields) -> Response:
    """Apply one edit form as a targeted change in one transaction (checked and audited),
    or save nothing and show the one-line reason with a 422."""
    access = DealAccess(ctx, who)
    words = PageWords(lang)
    reader = edits.READERS[form_name]
    try:
        view, before = access.change(deal_id, form_name,
                                     lambda deal, stage: reader(deal, stage, fields))
    except edits.Refused as e:
        message = words(e.key, **e.values)
    except BadInput as e:
        message = e.render(lang)
    else:
        after = view.analysis
        if not request.headers.get("hx-request"):
            return RedirectResponse(f"/deals/{quote(deal_id)}", status_code=303)
        moved = words("edit_saved", strategy=words.label("strategies", after.strategy.value))
        if after.strategy != before.strategy:
            moved = words("edit_saved_changed", old=words.label("strategies", before.strategy.value),
                          new=words.label("strategies", after.strategy.value))
        context = room_context(request, ctx, who, lang, deal_id, moved=moved)
        return respond(request, "room.html", context, "room")
    edit_form = {name: values[-1] for name, values in fields.items() if values}
    context = room_context(request, ctx, who, lang, deal_id,
                           edit_error={"form": form_name, "message": message},
                           edit_form=edit_form)
    return respond(request, "room.html", context, "room", status=422)


def _edit_route(form_name: str) -> Any:
    def route(deal_id: str, request: Request, ctx: Ctx, who: Who, lang: UiLang,
              fields: PostedFields) -> Response:
        return _edit(form_name, deal_id, request, ctx, who, lang, fields)

    route.__name__ = "edit_" + form_name.replace("/", "_")
    return route


for _form in edits.READERS:
    router.add_api_route(f"/deals/{{deal_id}}/{_form}", _edit_route(_form), methods=["POST"],
                         response_class=HTMLResponse)


@router.post("/deals/{deal_id}/delete")
def delete_deal(deal_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    DealAccess(ctx, who).delete(deal_id)
    if request.headers.get("hx-request"):  # HTMX follows redirects itself; ask for a page load
        return Response(status_code=204, headers={"HX-Redirect": "/"})
    return RedirectResponse("/", status_code=303)


# -- letters ---------------------------------------------------------------------------------

def _letter_file(ctx: Ctx, who: Principal, lang: Lang, deal_id: str, filename: str,
                 subject: str | None, body: str | None, chosen: str | None) -> Response:
    from buyersync.services import letters

    kind, _, ext = filename.rpartition(".")
    if ext not in ("docx", "md"):
        raise NotFound("letter", filename)
    view = DealAccess(ctx, who).get(deal_id, lang=lang)
    letter_lang, planned = letters_for(ctx, view.deal, view.analysis, chosen)
    if subject is None or body is None:
        found = next((x for x in planned if x.kind == kind), None)
        if found is None:
            raise NotFound("letter", kind)
        subject, body = found.subject, found.body
    elif kind not in get_args(LetterKind):  # an edited letter of any kind the planner writes
        raise NotFound("letter", kind)
    name = letters.file_name(view.deal.name, kind, ext)
    disposition = f"attachment; filename=\"{kind}.{ext}\"; filename*=UTF-8''{quote(name)}"  # text-ok: an HTTP header
    if ext == "md":
        markdown = "text/markdown; charset=utf-8"  # text-ok: a media type
        return Response(letters.to_markdown(subject, body), media_type=markdown,
                        headers={"Content-Disposition": disposition})
    signer = letters.signature(view.deal.owner, ctx.settings, dt.date.today()).name
    docx = letters.to_docx(subject, body, author=signer,
                           language="zh-CN" if letter_lang == Lang.zh else "en")
    return Response(docx, headers={"Content-Disposition": disposition},
                    media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@router.get("/deals/{deal_id}/letters/{filename}")
def letter_file(deal_id: str, filename: str, ctx: Ctx, who: Who, lang: UiLang,
                letters: str | None = None) -> Response:
    return _letter_file(ctx, who, lang, deal_id, filename, None, None, letters)


@router.post("/deals/{deal_id}/letters/{filename}")
def edited_letter_file(deal_id: str, filename: str, ctx: Ctx, who: Who, lang: UiLang,
                       subject: Annotated[str, Form(max_length=2_000)],
                       body: Annotated[str, Form(max_length=50_000)],
                       letters: Annotated[str, Form(max_length=2)] = "") -> Response:
    return _letter_file(ctx, who, lang, deal_id, filename, subject, body, letters or None)


# -- quick analysis --------------------------------------------------------------------------

@router.get("/quick", response_class=HTMLResponse)
def quick(request: Request, who: Who, lang: UiLang) -> HTMLResponse:
    context = base_context(request, lang, who) | {"result": None, "form": {}, "drivers": list(Driver),
                                                  "limit": MAX_TEXT}
    return respond(request, "quick.html", context)


@router.post("/quick", response_class=HTMLResponse)
def quick_analyse(request: Request, who: Who, lang: UiLang, text: FormPaste = "",
                  shaped_by: FormShort = "") -> HTMLResponse:
    from buyersync.services.analysis import quick_analysis

    words = PageWords(lang)
    form = {"text": text, "shaped_by": shaped_by}
    context = base_context(request, lang, who) | {"form": form, "drivers": list(Driver),
                                                  "result": None, "limit": MAX_TEXT}
    if not text.strip():
        context["form_error"] = "empty"
        return respond(request, "quick.html", context, "result")
    cut = None
    if len(text) > MAX_TEXT:
        cut = {"n": f"{len(text):,}", "limit": f"{MAX_TEXT:,}"}
        text = text[:MAX_TEXT]
    loc, analysis = quick_analysis(text, name=words("quick_title"),
                                   shaped_by=_enum(Driver, shaped_by), lang=lang,
                                   priors=get_ctx(request).deals.priors)
    titles = {s.value: words.stage(s) for s in STAGES}
    titles |= {"competitor_led": words("competitor_led"), "not_led": words("quick_led_no")}
    context["result"] = {"loc": loc, "analysis": analysis, "text": text, "cut": cut,
                         "quotes": views.signal_quotes(text, loc.signals, titles),
                         "nodes": views.track_nodes(analysis.track),
                         "arrow": views.track_arrow(analysis)}
    return respond(request, "quick.html", context, "result")
