"""The deal room page cached in the workspace database (store/cache.py), for every worker.

A room is the same page as long as what it is made from is the same: the deal (its
revision), this release's code, knowledge and templates, the team's reference cases and
closed deals (the trade-off learns from them), the day (letters are dated, deadlines
count down), the days in stage, and who asks in which language at which address. The
first view renders it and stores it; later views, on any worker, read one row and send
it. The page's CSRF token is the one thing that differs per session: the cached copy
holds a mark in its place (`<csrf>`: a "<" reaches a page only from its templates, all
data is escaped), replaced on the way out. A process keeps the bytes around the marks of
the pages it served lately with the stamp they were made from (`_Held`), and reads a
page's text again only when the database's stamp is another: a view then reads one row
without the page and joins the bytes around the session's token.

A route that must not wait for a render (web/pages.py: a cached page read on the event
loop) passes `render=None`: a page that would have to be rendered raises NotCached.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import threading
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


class Marked:
    """A page as bytes around its CSRF marks: `filled(token)` is the page to send. Made
    once from the cached text (encoding and replacing in 40-50 kB of mostly Chinese
    text cost more than the rest of a cached view)."""

    __slots__ = ("parts",)

    def __init__(self, html: str) -> None:
        self.parts = [part.encode("utf-8") for part in html.split(str(CSRF_MARK))]

    def filled(self, token: str) -> bytes:
        return token.encode("utf-8").join(self.parts)


class _Held:
    """The pages this process made bytes of lately, by cache key, each with the stamp it
    was made from. Not a cache of its own: a view still reads the entry's stamp from the
    database and uses what is held only when the database holds that same stamp (the
    page's payload is then not even read), so every worker serves what the database
    says. A few hundred pages at most (a deal room is ~40 kB)."""

    LIMIT = 256

    def __init__(self) -> None:
        self._pages: dict[str, tuple[str, Marked]] = {}
        self._lock = threading.Lock()

    def stamp(self, key: str) -> str:
        held = self._pages.get(key)
        return held[0] if held else ""

    def get(self, key: str, stamp: str) -> Marked | None:
        held = self._pages.get(key)
        return held[1] if held and held[0] == stamp else None

    def answer(self, key: str, stamp: str, payload: str | None) -> Marked | None:
        """The page made from `stamp`: from the payload just read (then held), else the
        one held under that stamp; None when neither is there."""
        return self.get(key, stamp) if payload is None else self.keep(key, stamp, payload)

    def keep(self, key: str, stamp: str, html: str) -> Marked:
        page = Marked(html)
        with self._lock:
            self._pages.pop(key, None)
            self._pages[key] = (stamp, page)
            while len(self._pages) > self.LIMIT:  # the oldest out
                del self._pages[next(iter(self._pages))]
        return page


_held = _Held()


def _key(ctx: WebContext, who: Principal, lang: str, path: str, query: str,
         partial: bool) -> str:
    return _hashed_key(ctx.settings_json, who, lang, path, query, partial)


@functools.lru_cache(maxsize=1024)
def _hashed_key(settings_json: str, who: Principal, lang: str, path: str, query: str,
                partial: bool) -> str:
    """The same inputs always make the same key: worked out once per process."""
    raw = "\x1f".join([lang, path, query, str(partial), repr(who), settings_json])
    return "room:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


@functools.lru_cache(maxsize=1024)
def _board_key(room_key: str, scope: str) -> str:
    return "board:" + hashlib.sha256((room_key + scope).encode()).hexdigest()[:40]


def cached_room(ctx: WebContext, who: Principal, lang: str, deal_id: str, path: str,
                query: str, partial: bool, render: Callable[[], str] | None) -> Marked | None:
    """The room with its CSRF marks (cached, or rendered by `render` and cached), after
    the access check; None when this address is not one to cache."""
    if query not in CACHED_QUERIES:
        if render is None:
            raise NotCached
        return None
    key = _key(ctx, who, lang, path, query, partial)
    found = cache.read_probe(ctx.engine, deal_id, key, held=_held.stamp(key))
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
    if found.stamp == wanted and (page := _held.answer(key, wanted, found.payload)):
        return page
    if render is None:
        raise NotCached
    html = render()
    with contextlib.suppress(exc.DBAPIError):  # busy: the next view renders it again
        db.in_transaction(ctx.engine, lambda conn: cache.put(
            conn, deal_id, key, wanted, html, found.revision), write=True, attempts=2)
    return _held.keep(key, wanted, html)


def cached_board(ctx: WebContext, who: Principal, lang: str, path: str, query: str,
                 partial: bool, scope: object,
                 render: Callable[[], tuple[str, dt.datetime]] | None) -> Marked:
    """The board with its CSRF marks: cached while no deal changed (the workspace's
    change count), the release and the day are the same and no card's days in stage
    moved on (`render` says until when its page holds); else rendered and cached."""
    key = _board_key(_key(ctx, who, lang, path, query, partial), repr(scope))
    changes, stamp, payload = cache.read_page(ctx.engine, key, held=_held.stamp(key))
    now = dt.datetime.now(dt.UTC)
    made = f"{changes}|{cache.fingerprint(*PAGE_PACKAGES)}|{dt.date.today().isoformat()}|"
    if changes is not None and stamp is not None \
            and stamp.startswith(made) and now < dt.datetime.fromisoformat(stamp[len(made):]) \
            and (page := _held.answer(key, stamp, payload)):
        return page
    if render is None:
        raise NotCached
    html, until = render()
    if changes is None:
        return Marked(html)
    stamp = made + until.isoformat()
    with contextlib.suppress(exc.DBAPIError):
        db.in_transaction(ctx.engine, lambda conn: cache.put_page(
            conn, key, stamp, html), write=True, attempts=2)
    return _held.keep(key, stamp, html)
