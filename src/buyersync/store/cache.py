"""Analyses and rendered deal rooms cached in the workspace database, by deal revision.

A cached entry is a row (deal, key) with a `stamp` that says what it was made from: the
deal's `revision` (one more on every write, see repository.py), the fingerprint of the
knowledge and model files of this version of buyersync, the team's reference cases, the
day. A reader recomputes the stamp from the rows it reads anyway and uses the entry only
when the two are equal; otherwise it computes afresh and writes the entry over. Nothing
is kept in a process, so every worker on every machine sees the same entries, and none
can go stale: a write moves the revision, a new model or knowledge file moves the
fingerprint (stale entries are then simply not used, and `clear` drops them all).

The table belongs to migration 0010; deleting a deal deletes its entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from buyersync.store import db
from buyersync.store.references import reference_cases
from buyersync.store.tables import ID, deals, metadata

analysis_cache = Table(
    "analysis_cache", metadata,
    Column("deal_id", String(ID), ForeignKey("deals.id", ondelete="CASCADE"),
           primary_key=True),
    # what is cached: "analysis:zh", "room:<hash of the page's inputs>", …
    Column("key", String(64), primary_key=True),
    Column("stamp", String(500), nullable=False),
    Column("payload", Text, nullable=False),
)

#: one row: one more on every write to the deals (repository.py, in the writer's
#: transaction), so that a page made from many deals (the board) knows when it changed
workspace_version = Table(
    "workspace_version", metadata,
    Column("id", Integer, primary_key=True),
    Column("changes", BigInteger, nullable=False),
)

#: pages made from many deals, keyed by what they show, stamped with `changes`
page_cache = Table(
    "page_cache", metadata,
    Column("key", String(64), primary_key=True),
    Column("stamp", String(500), nullable=False),
    Column("payload", Text, nullable=False),
)

#: the packages whose data files decide an analysis: knowledge, model, words
KNOWLEDGE = ("buyersync.method", "buyersync.locate", "buyersync.text")


def _hash_files(digest: Any, package: str) -> None:
    root = resources.files(package)
    todo = [root]
    while todo:
        folder = todo.pop()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_dir():
                if entry.name != "__pycache__":
                    todo.append(entry)
            elif not entry.name.endswith((".pyc", ".pyo")):
                digest.update(entry.name.encode())
                digest.update(entry.read_bytes())


@cache
def fingerprint(*packages: str) -> str:
    """A short hash of buyersync's version and every file in these packages (code, data,
    model): the same on every worker running the same release, another one after an
    upgrade or a retrained model."""
    import buyersync

    digest = hashlib.sha256(buyersync.__version__.encode())
    for package in packages:
        _hash_files(digest, package)
    return digest.hexdigest()[:16]


def knowledge_fingerprint() -> str:
    return fingerprint(*KNOWLEDGE)


@dataclass(frozen=True)
class Probe:
    """One deal's row facts and its cached entry under a key, read in one statement."""

    owner: str | None
    revision: int
    outcome: str
    stage_since: dt.datetime
    references: str
    closed: str
    stamp: str | None
    payload: str | None


def _unless_held(stamp: Any, payload: Any) -> Any:
    """The payload, or NULL when its stamp is the `held` parameter's: a reader that keeps
    the page made from that stamp does not read the page again."""
    return case((stamp == bindparam("held"), null()), else_=payload)


@cache
def _probe_query(held: bool = False) -> Any:
    """Built once: the statement is the same for every deal and key (bound parameters).
    `held`: the payload only when its stamp is not the `held` parameter."""
    closed = deals.alias("closed_deals")
    # two equalities, not IN: an IN list is expanded afresh on every execution
    is_closed = or_(closed.c.outcome == "won", closed.c.outcome == "lost")
    c = analysis_cache
    return (select(
        deals.c.owner, deals.c.revision, deals.c.outcome, deals.c.stage_since,
        select(func.count()).select_from(reference_cases).scalar_subquery(),
        select(func.coalesce(func.max(reference_cases.c.position), -1)).scalar_subquery(),
        select(func.count()).select_from(closed).where(is_closed).scalar_subquery(),
        select(func.max(closed.c.updated_at)).where(is_closed).scalar_subquery(),
        c.c.stamp, _unless_held(c.c.stamp, c.c.payload) if held else c.c.payload)
        .select_from(deals.outerjoin(c, and_(c.c.deal_id == deals.c.id,
                                             c.c.key == bindparam("key"))))
        .where(deals.c.id == bindparam("deal_id")))


def probe(conn: Connection, deal_id: str, key: str) -> Probe | None:
    """The deal's owner, revision and stage timing, the version of the team's reference
    cases and of its closed deals, and the entry cached under `key`: one statement.
    None if there is no such deal."""
    row = conn.execute(_probe_query(), {"deal_id": deal_id, "key": key}).first()
    return None if row is None else _probe_of(tuple(row))


def read_probe(engine: Engine, deal_id: str, key: str, held: str = "") -> Probe | None:
    """`probe` on its own, the one statement read as `db.read_row` reads (a page read on
    every view: web/roomcache.py); the payload None when its stamp is `held`."""
    row = db.read_row(engine, _probe_query(held=True),
                      {"deal_id": deal_id, "key": key, "held": held})
    return None if row is None else _probe_of(row)


def _probe_of(row: tuple[Any, ...]) -> Probe:
    closed_at = row[7]
    return Probe(owner=row[0], revision=int(row[1]), outcome=row[2], stage_since=row[3],
                 references=f"{row[4]}.{row[5]}",
                 closed=f"{row[6]}.{closed_at.isoformat() if closed_at else ''}",
                 stamp=row[8], payload=row[9])


def put(conn: Connection, deal_id: str, key: str, stamp: str, payload: str,
        revision: int) -> None:
    """Write the entry over any under the same key, and drop the deal's entries made
    from an older revision or on another day (they can never be used again)."""
    values = {"deal_id": deal_id, "key": key, "stamp": stamp, "payload": payload}
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    if dialect is postgresql:
        # The deal's row first, as every writer takes it: inserting a new entry checks its
        # foreign key (a key-share lock on the deal) only after the entry's own row exists.
        # A reader caching a page would then hold that row while waiting for the deal, and
        # a writer holding the deal would wait for that row to put its own analysis: a
        # deadlock. A deal gone meanwhile needs no entry.
        held = select(deals.c.id).where(deals.c.id == deal_id).with_for_update(key_share=True)
        if conn.execute(held).first() is None:
            return
    upsert = dialect.insert(analysis_cache).values(values)
    conn.execute(upsert.on_conflict_do_update(
        index_elements=[analysis_cache.c.deal_id, analysis_cache.c.key],
        set_={"stamp": upsert.excluded.stamp, "payload": upsert.excluded.payload}))
    current = select(deals.c.id).where(deals.c.id == deal_id, deals.c.revision == revision)
    conn.execute(delete(analysis_cache).where(
        analysis_cache.c.deal_id == deal_id,
        ~analysis_cache.c.stamp.startswith(f"{revision}|")
        | ~analysis_cache.c.stamp.contains(f"|{dt.date.today().isoformat()}"),
        current.exists()))


def clear(conn: Connection, deal_ids: Iterable[str] | None = None) -> int:
    """Drop the cached entries of these deals (all deals: None); returns how many. For
    `deals refresh` after a model or knowledge update, or to free the space."""
    if deal_ids is None:
        return int(conn.execute(delete(analysis_cache)).rowcount or 0)
    n = 0
    ids: Sequence[str] = list(dict.fromkeys(deal_ids))
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        n += int(conn.execute(delete(analysis_cache).where(
            analysis_cache.c.deal_id.in_(batch))).rowcount or 0)
    return n


def changed(conn: Connection) -> None:
    """Count one more change to the deals (call it after every write to them)."""
    done = conn.execute(update(workspace_version).values(
        changes=workspace_version.c.changes + 1))
    if not done.rowcount:  # emptied by a restore from a backup made before the counter
        conn.execute(insert(workspace_version).values(id=1, changes=1))


@cache
def _page_query(held: bool = False) -> Any:
    payload = _unless_held(page_cache.c.stamp, page_cache.c.payload) if held else \
        page_cache.c.payload
    return select(select(workspace_version.c.changes).scalar_subquery(),
                  select(page_cache.c.stamp).where(page_cache.c.key == bindparam("key"))
                  .scalar_subquery(),
                  select(payload).where(page_cache.c.key == bindparam("key"))
                  .scalar_subquery())


def page_probe(conn: Connection, key: str) -> tuple[int | None, str | None, str | None]:
    """The workspace's change count (None: not counted, so nothing may be cached) and
    the page cached under `key` (stamp, payload)."""
    row = conn.execute(_page_query(), {"key": key}).one()
    return (None if row[0] is None else int(row[0])), row[1], row[2]


def read_page(engine: Engine, key: str, held: str = "") -> tuple[int | None, str | None, str | None]:
    """`page_probe` on its own, read as `db.read_row` reads; the payload None when its
    stamp is `held`."""
    row = db.read_row(engine, _page_query(held=True), {"key": key, "held": held})
    assert row is not None  # scalar subqueries: always one row
    return (None if row[0] is None else int(row[0])), row[1], row[2]


def put_page(conn: Connection, key: str, stamp: str, payload: str) -> None:
    values = {"key": key, "stamp": stamp, "payload": payload}
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(page_cache).values(values)
    conn.execute(upsert.on_conflict_do_update(
        index_elements=[page_cache.c.key],
        set_={"stamp": upsert.excluded.stamp, "payload": upsert.excluded.payload}))
