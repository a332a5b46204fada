"""The deal room page cached in the workspace database (store/cache.py), for every worker.

A room is the same page as long as what it is made from is the same: the deal (its
revision), this release's code, knowledge and templates, the team's reference cases and
closed deals (the trade-off learns from them), the day (letters are dated, deadlines
count down), the days in stage, and who asks in which language at which address. The
first view renders it and stores it; later views, on any worker, read one row and send
it. The page's CSRF token is the one thing that differs per session: the cached copy
holds a mark in its place (`<csrf>`: a "<" reaches a page only from its templates, all
data is escaped), replaced on the way out. The page is stored as it is, so a view reads
one text and makes one replacement.

A route that must not wait for a render (web/pages.py: a cached page read on the event
loop) passes `render=None`: a page that would have to be rendered raises NotCached.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable

from markupsafe import Markup
from sqlalchemy import exc

from buyersync.errors import NotFound
from buyersync.services.analysis import priors_stamp
from buyersync.services.team import Principal
from buyersync.store import cache, db
from buyersync.web.deps import WebContext

CSRF_MARK = Markup("<csrf>")


class NotCached(Exception):
    """The page is not in the cache (or this address is not one to cache), and the caller
    said it would not render it here."""

#: what a room is made of besides its data: the analysis, the letters, the pages
PAGE_PACKAGES = (*cache.KNOWLEDGE, "buyersync.services", "buyersync.web")
#: query parameters a room reads; an address with any other is rendered, never cached
#: (so that made-up addresses cannot fill the cache)
CACHED_QUERIES = {"": "", "letters=zh": "zh", "letters=en": "en"}


def _key(ctx: WebContext, who: Principal, lang: str, path: str, query: str,
         partial: bool) -> str:
    raw = "\x1f".join([lang, path, query, str(partial), repr(who), ctx.settings_json])
    return "room:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def cached_room(ctx: WebContext, who: Principal, lang: str, deal_id: str, path: str,
                query: str, partial: bool, render: Callable[[], str] | None) -> str | None:
    """The room's HTML with the CSRF mark (cached, or rendered by `render` and cached),
    after the access check; None when this address is not one to cache."""
    if query not in CACHED_QUERIES:
        if render is None:
            raise NotCached
        return None
    key = _key(ctx, who, lang, path, query, partial)
    found = cache.read_probe(ctx.engine, deal_id, key)
    if found is None:
        raise NotFound("deal", deal_id)
    ctx.check(who, found.owner, deal_id)
    now = ctx.deals.now()
    days = max(0, (now - found.stage_since).days)
    stalled = found.outcome == "open" and found.stage_since <= now - dt.timedelta(
        days=ctx.settings.stalled_days)
    wanted = (f"{found.revision}|{cache.fingerprint(*PAGE_PACKAGES)}|{found.references}|"
              f"{found.closed}|{dt.date.today().isoformat()}|{days}|{stalled}"
              f"{priors_stamp(ctx.settings.priors)}")
    if found.stamp == wanted and found.payload is not None:
        return found.payload
    if render is None:
        raise NotCached
    html = render()
    with contextlib.suppress(exc.DBAPIError):  # busy: the next view renders it again
        db.in_transaction(ctx.engine, lambda conn: cache.put(
            conn, deal_id, key, wanted, html, found.revision), write=True, attempts=2)
    return html


def with_csrf(html: str, token: str) -> str:
    return html.replace(str(CSRF_MARK), token)


def cached_board(ctx: WebContext, who: Principal, lang: str, path: str, query: str,
                 partial: bool, scope: object,
                 render: Callable[[], tuple[str, dt.datetime]] | None) -> str:
    """The board's HTML with the CSRF mark: cached while no deal changed (the workspace's
    change count), the release and the day are the same and no card's days in stage
    moved on (`render` says until when its page holds); else rendered and cached."""
    key = _key(ctx, who, lang, path, query, partial) + repr(scope)
    key = "board:" + hashlib.sha256(key.encode()).hexdigest()[:40]
    changes, stamp, payload = cache.read_page(ctx.engine, key)
    now = dt.datetime.now(dt.UTC)
    made = f"{changes}|{cache.fingerprint(*PAGE_PACKAGES)}|{dt.date.today().isoformat()}|"
    if changes is not None and stamp is not None and payload is not None \
            and stamp.startswith(made) and now < dt.datetime.fromisoformat(stamp[len(made):]):
        return payload
    if render is None:
        raise NotCached
    html, until = render()
    if changes is not None:
        with contextlib.suppress(exc.DBAPIError):
            db.in_transaction(ctx.engine, lambda conn: cache.put_page(
                conn, key, made + until.isoformat(), html), write=True, attempts=2)
    return html
