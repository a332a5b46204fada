"""A deal's analysis from the database's cache (store/cache.py) when it is still the one
the current deal, knowledge and model give, else computed and cached for every worker.

`refresh` computes and caches the analyses of many deals at once: what `deals refresh`
calls after a model or knowledge update (the stale entries would be recomputed on the
next view anyway; refreshing spares the first viewer the wait).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, exc

from buyersync.errors import NotFound
from buyersync.method.model import Analysis
from buyersync.method.stages import Lang
from buyersync.store import cache, db
from buyersync.store.records import StoredDeal
from buyersync.store.repository import DealRepository


class DealService(Protocol):
    """What the cache needs of the deal service (services/deals.py), named here so that
    the service may use the cache without the two importing each other."""

    cache_key: str | None
    engine: Engine
    settings: Any

    def analyze(self, deal: Any, /) -> Analysis: ...
    def analyze_in(self, deal: Any, lang: Lang | None, /) -> Analysis: ...
    def forget_references(self) -> None: ...
    @property
    def get(self) -> Callable[..., Any]: ...
    @property
    def list(self) -> Callable[..., Any]: ...


def stamp(probe: cache.Probe, today: dt.date | None = None) -> str:
    """What an analysis is made from: the deal's revision, this release's knowledge and
    model, the team's reference cases, and the day (deadlines count from today)."""
    day = today or dt.date.today()
    return (f"{probe.revision}|{cache.knowledge_fingerprint()}|{probe.references}|"
            f"{day.isoformat()}")


def key_of(service: DealService, lang: Lang | None) -> str:
    """The cache key of a service's analyses planned in `lang` (None: the deal's own
    language): each language has an entry of its own."""
    key = service.cache_key
    assert key is not None, "a service with its own analyzer does not cache"
    return key if lang is None else f"{key}:{lang.value}"


def analysis_of(service: DealService, deal_id: str,
                lang: Lang | None = None) -> tuple[StoredDeal, Analysis]:
    """The stored deal and its analysis planned in `lang` (None: the deal's own language),
    without the team's trade-off, which the view adds: one read transaction, and the
    analyser only when the cache has no current one. A plan asked for in the deal's own
    language is the deal's own plan, under the same key."""
    from buyersync.services.analysis import deal_lang, priors_stamp

    def read(conn: Connection) -> tuple[StoredDeal | None, cache.Probe | None, Lang | None]:
        stored = DealRepository(conn).get(deal_id)
        if stored is None:
            return None, None, lang
        asked = None if lang is None or lang is deal_lang(stored.deal) else lang
        return stored, cache.probe(conn, deal_id, key_of(service, asked)), asked

    stored, found, lang = db.in_transaction(service.engine, read, write=False)
    if stored is None or found is None:
        raise NotFound("deal", deal_id)
    key = key_of(service, lang)

    wanted = stamp(found) + priors_stamp(service.settings.priors)
    if found.stamp == wanted and found.payload:
        return stored, Analysis.model_validate_json(found.payload)
    service.forget_references()  # another worker may have imported some meanwhile
    analysis = service.analyze_in(stored.deal, lang)
    save(service, deal_id, key, wanted, analysis, found.revision)
    return stored, analysis


def remember(service: DealService, conn: Connection, deal_id: str,
             analysis: Analysis) -> None:
    """Cache the analysis a write just made of the deal it wrote (in the deal's own
    language), inside that write's transaction, so that it is stamped with the revision
    it was made from: the view that follows the write reads it instead of analysing the
    deal again."""
    from buyersync.services.analysis import priors_stamp

    key = key_of(service, None)
    found = cache.probe(conn, deal_id, key)
    if found is not None:
        cache.put(conn, deal_id, key, stamp(found) + priors_stamp(service.settings.priors),
                  analysis.model_dump_json(), found.revision)


def save(service: DealService, deal_id: str, key: str, wanted: str, analysis: Analysis,
         revision: int) -> None:
    """Cache an analysis; a busy database only means the next reader computes it again."""
    payload = analysis.model_dump_json()
    with contextlib.suppress(exc.DBAPIError):
        db.in_transaction(service.engine, lambda conn: cache.put(
            conn, deal_id, key, wanted, payload, revision), write=True, attempts=2)


def refresh(service: DealService, deal_ids: Sequence[str] | None = None, *,
            progress: Callable[[int, int], None] | None = None) -> int:
    """Compute and cache the current analysis of these deals (None: every deal), one
    deal at a time; returns how many. Entries of other keys (page languages, rendered
    rooms) are dropped, to be made again on their next view."""
    ids = list(deal_ids) if deal_ids is not None else [
        s.id for s in service.list(limit=None)]
    db.in_transaction(service.engine, lambda conn: cache.clear(conn, ids), write=True)
    done = 0
    for deal_id in ids:
        try:
            service.get(deal_id)
        except NotFound:  # deleted meanwhile
            continue
        done += 1
        if progress:
            progress(done, len(ids))
    return done
