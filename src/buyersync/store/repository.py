"""The deal repository: rows of the workspace tables ↔ the method's pydantic models.

It runs on a Connection whose transaction the caller (services/deals.py) owns, so that a
use case is one transaction however many tables it touches. Reads of several deals load
each child table with one query for the whole page, never one query per deal.
"""

from __future__ import annotations

import builtins
import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, or_, select, update

from buyersync.errors import BadInput
from buyersync.method.model import Contact, Deal, Evidence, PlannedAction
from buyersync.store import cache
from buyersync.store.db import bulk_insert
from buyersync.store.records import (
    DealFilter,
    DealState,
    DealSummary,
    EvidenceRecord,
    HistoryEntry,
    StoredDeal,
    new_id,
)
from buyersync.store.tables import (
    analyses,
    contacts,
    deals,
    evidence,
    planned_actions,
    stage_history,
)
from buyersync.text import Words

CHUNK = 500  # ids per IN (…) and rows per INSERT batch: well inside every database's limits
_CODE = re.compile(r"^[a-z_]{1,40}$")

_DEAL_FIELDS = ("name", "customer", "lang", "drivers", "competitors", "capabilities",
                "exchange", "outcome", "lost_reason", "amount", "currency", "owner",
                "opened", "closed", "entry_stage", "played", "domains")


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _finite(value: Any) -> bool:
    return value is None or math.isfinite(value)


def warning_codes(text: str | None) -> list[str]:
    return [c for c in (text or "").split(",") if c]


def _codes_text(codes: Sequence[str]) -> str:
    return "," + "".join(f"{c}," for c in codes)


# -- rows ← models ----------------------------------------------------------------------

def deal_row(stored: StoredDeal) -> dict[str, Any]:
    data = stored.deal.model_dump(mode="json", include=set(_DEAL_FIELDS))
    data["opened"], data["closed"] = stored.deal.opened, stored.deal.closed  # Date columns
    s = stored.state
    return {
        "id": stored.deal.id, **data,
        "stage": s.stage.value, "stage_source": s.stage_source,
        "strategy": s.strategy.value,
        "target_stage": s.target_stage.value if s.target_stage else None,
        "warnings": _codes_text(s.warnings),
        "created_at": s.created_at, "updated_at": s.updated_at, "closed_at": s.closed_at,
        "stage_since": s.stage_since,
    }


def evidence_row(deal_id: str, record: EvidenceRecord) -> dict[str, Any]:
    return {
        "id": record.id, "deal_id": deal_id, "position": record.position,
        "text": record.text, "date": record.date, "source": record.source,
        "message_id": record.message_id,
        "stage": record.stage.value if record.stage else None,
        "confidence": record.confidence, "competitor_led": record.competitor_led,
        "signals": [s.model_dump(mode="json") for s in record.signals],
        "created_at": record.created_at,
    }


def contact_rows(deal: Deal) -> list[dict[str, Any]]:
    assert deal.id is not None
    return [{"id": new_id(16), "deal_id": deal.id, "position": i,
             **c.model_dump(mode="json")} for i, c in enumerate(deal.contacts)]


def action_rows(deal: Deal) -> list[dict[str, Any]]:
    assert deal.id is not None
    return [{"id": new_id(16), "deal_id": deal.id, "position": i,
             **a.model_dump(mode="json")} for i, a in enumerate(deal.planned_actions)]


def history_row(deal_id: str, entry: HistoryEntry) -> dict[str, Any]:
    data = entry.model_dump(mode="json", exclude={"direction"})
    data["at"] = entry.at
    return {"deal_id": deal_id, **data}


# -- rows → models ----------------------------------------------------------------------

def _deal_from(row: Any, records: list[EvidenceRecord], contact_list: list[Any],
               action_list: list[Any]) -> Deal:
    m = row._mapping
    data = {k: m[k] for k in _DEAL_FIELDS if m[k] is not None}
    if not _finite(data.get("amount")):  # written before amounts had to be finite
        data.pop("amount", None)
    data["id"] = m["id"]
    if m["stage_source"] == "given":
        data["stage"] = m["stage"]
    deal = Deal.model_validate(data)
    # the children are already valid: build them without a second validation pass
    deal.evidence = [Evidence.model_construct(text=r.text, date=r.date, source=r.source,
                                              message_id=r.message_id)
                     for r in records]
    deal.contacts = [Contact.model_validate(_child(c, ("name", "title", "email", "role", "met",
                                                       "attitude", "influence", "left")))
                     for c in contact_list]
    deal.planned_actions = [PlannedAction.model_validate(_child(a, ("kind", "text")))
                            for a in action_list]
    return deal


def _child(row: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    m = row._mapping
    return {k: m[k] for k in keys if m[k] is not None}


def _state_from(row: Any) -> DealState:
    m = row._mapping
    return DealState(stage=m["stage"], stage_source=m["stage_source"], strategy=m["strategy"],
                     target_stage=m["target_stage"], warnings=warning_codes(m["warnings"]),
                     created_at=m["created_at"], updated_at=m["updated_at"],
                     closed_at=m["closed_at"], stage_since=m["stage_since"])


def _evidence_from(row: Any) -> EvidenceRecord:
    m = row._mapping
    return EvidenceRecord.model_validate({k: m[k] for k in EvidenceRecord.model_fields})


def _history_from(row: Any) -> HistoryEntry:
    m = row._mapping
    return HistoryEntry.model_validate({k: m[k] for k in HistoryEntry.model_fields})


class DealRepository:
    """Deals in the workspace tables, on the caller's connection and transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- reads ----------------------------------------------------------------------------

    def exists(self, deal_id: str) -> bool:
        return self.conn.execute(select(deals.c.id).where(deals.c.id == deal_id)).first() \
            is not None

    def lock(self, deal_id: str) -> bool:
        """Take the deal's row lock for the rest of the transaction (PostgreSQL; SQLite's
        writer already holds the database lock). False if there is no such deal."""
        query = select(deals.c.id).where(deals.c.id == deal_id).with_for_update()
        return self.conn.execute(query).first() is not None

    def lock_many(self, ids: Sequence[str]) -> set[str]:
        """Lock the deals with these ids that exist (as `lock`); returns their ids."""
        found: set[str] = set()
        for batch in _chunks(dict.fromkeys(ids)):
            query = select(deals.c.id).where(deals.c.id.in_(batch)).with_for_update()
            found.update(self.conn.execute(query).scalars())
        return found

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(deals)).scalar_one())

    def ids_after(self, after: str | None, limit: int, until: str | None = None) -> list[str]:
        """A page of deal ids in id order, after `after` and up to `until` (keyset paging:
        stable while the deals of earlier pages change)."""
        query = select(deals.c.id).order_by(deals.c.id).limit(limit)
        if after is not None:
            query = query.where(deals.c.id > after)
        if until is not None:
            query = query.where(deals.c.id <= until)
        return list(self.conn.execute(query).scalars())

    def id_boundaries(self, span: int) -> list[str]:
        """Every `span`-th deal id in id order (one query): the ends of ranges of `span`
        deals, for splitting work over the whole workspace."""
        ranked = select(deals.c.id, func.row_number().over(order_by=deals.c.id).label("n")
                        ).subquery()
        query = select(ranked.c.id).where(ranked.c.n % span == 0).order_by(ranked.c.id)
        return list(self.conn.execute(query).scalars())

    def get(self, deal_id: str) -> StoredDeal | None:
        found = self.get_many([deal_id])
        return found[0] if found else None

    def get_many(self, ids: Sequence[str]) -> list[StoredDeal]:
        """The deals with these ids, in this order (missing ids left out): one query per
        table for each 500 ids."""
        out: dict[str, StoredDeal] = {}
        for batch in _chunks(dict.fromkeys(ids)):
            out.update(self._load(batch))
        return [out[i] for i in ids if i in out]

    def _children(self, table: Any, batch: list[str], order: Any) -> dict[str, list[Any]]:
        grouped: dict[str, list[Any]] = defaultdict(list)
        query = select(table).where(table.c.deal_id.in_(batch)).order_by(table.c.deal_id, *order)
        for row in self.conn.execute(query):
            grouped[row.deal_id].append(row)
        return grouped

    def _load(self, batch: list[str]) -> dict[str, StoredDeal]:
        rows = self.conn.execute(select(deals).where(deals.c.id.in_(batch))).all()
        if not rows:
            return {}
        ev = self._children(evidence, batch, [evidence.c.position])
        co = self._children(contacts, batch, [contacts.c.position])
        ac = self._children(planned_actions, batch, [planned_actions.c.position])
        hi = self._children(stage_history, batch, [stage_history.c.at, stage_history.c.id])
        out = {}
        for row in rows:
            records = [_evidence_from(r) for r in ev.get(row.id, [])]
            out[row.id] = StoredDeal(
                deal=_deal_from(row, records, co.get(row.id, []), ac.get(row.id, [])),
                state=_state_from(row), evidence=records,
                history=[_history_from(r) for r in hi.get(row.id, [])])
        return out

    # -- writes ---------------------------------------------------------------------------

    def add_many(self, items: Iterable[tuple[StoredDeal, dict[str, Any] | None]], *,
                 done: Callable[[int], None] | None = None) -> int:
        """Insert new deals with their children, history and analysis snapshot, in batches
        (one multi-row INSERT per table for each 500 deals); `done(n)` after each batch."""
        n = 0
        for batch in _chunks(items):
            rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            for stored, snapshot in batch:
                deal_id = stored.deal.id
                assert deal_id is not None
                rows[deals].append(deal_row(stored))
                rows[evidence] += [evidence_row(deal_id, r) for r in stored.evidence]
                rows[contacts] += contact_rows(stored.deal)
                rows[planned_actions] += action_rows(stored.deal)
                rows[stage_history] += [history_row(deal_id, h) for h in stored.history]
                if snapshot is not None:
                    rows[analyses].append(self._analysis_row(stored, snapshot))
            for table in (deals, evidence, contacts, planned_actions, stage_history, analyses):
                bulk_insert(self.conn, table, rows[table])  # COPY on PostgreSQL
            cache.changed(self.conn)
            n += len(batch)
            if done:
                done(n)
        return n

    def add(self, stored: StoredDeal, snapshot: dict[str, Any] | None = None) -> None:
        """Insert one new deal (see add_many)."""
        self.add_many([(stored, snapshot)])

    def update(self, stored: StoredDeal, before: StoredDeal, *,
             new_history: Sequence[HistoryEntry] = (),
             snapshot: dict[str, Any] | None = None) -> None:
        """Write `stored` over `before` (the same deal as read in this transaction): the
        deal row, the evidence that changed, contacts and actions, new history rows."""
        deal_id = stored.deal.id
        assert deal_id is not None and deal_id == before.deal.id
        # every write moves the revision: the key of the cached analyses (store/cache.py)
        self.conn.execute(update(deals).where(deals.c.id == deal_id).values(
            {k: v for k, v in deal_row(stored).items() if k != "id"}
            | {"revision": deals.c.revision + 1}))
        cache.changed(self.conn)
        self._sync_evidence(deal_id, stored.evidence, before.evidence)
        if (stored.deal.contacts != before.deal.contacts):
            self.conn.execute(delete(contacts).where(contacts.c.deal_id == deal_id))
            if rows := contact_rows(stored.deal):
                self.conn.execute(insert(contacts), rows)
        if stored.deal.planned_actions != before.deal.planned_actions:
            self.conn.execute(delete(planned_actions).where(planned_actions.c.deal_id == deal_id))
            if rows := action_rows(stored.deal):
                self.conn.execute(insert(planned_actions), rows)
        if new_history:
            self.conn.execute(insert(stage_history),
                              [history_row(deal_id, h) for h in new_history])
        if snapshot is not None:
            self.conn.execute(insert(analyses), [self._analysis_row(stored, snapshot)])

    def _sync_evidence(self, deal_id: str, after: list[EvidenceRecord],
                       before: list[EvidenceRecord]) -> None:
        old = {r.id: r for r in before}
        keep = {r.id for r in after if r.id in old}
        gone = [i for i in old if i not in keep]
        for batch in _chunks(gone):
            self.conn.execute(delete(evidence).where(evidence.c.id.in_(batch)))
        changed = [r for r in after if r.id in old and r != old[r.id]]
        # move changed rows out of the way first: (deal_id, position) is unique
        for r in changed:
            if r.position != old[r.id].position:
                self.conn.execute(update(evidence).where(evidence.c.id == r.id)
                                  .values(position=-1 - r.position))
        for r in changed:
            values = evidence_row(deal_id, r)
            del values["id"]
            self.conn.execute(update(evidence).where(evidence.c.id == r.id).values(values))
        new = [evidence_row(deal_id, r) for r in after if r.id not in old]
        if new:
            self.conn.execute(insert(evidence), new)

    @staticmethod
    def _analysis_row(stored: StoredDeal, plan: dict[str, Any]) -> dict[str, Any]:
        s = stored.state
        return {"id": new_id(16), "deal_id": stored.deal.id, "created_at": s.updated_at,
                "stage": s.stage.value, "strategy": s.strategy.value,
                "target_stage": s.target_stage.value if s.target_stage else None,
                "plan": plan}

    def delete(self, deal_id: str) -> bool:
        """Delete a deal; its evidence, contacts, actions, history and analyses go with it."""
        done = self.conn.execute(delete(deals).where(deals.c.id == deal_id))
        cache.changed(self.conn)
        return bool(done.rowcount)

    def analyses(self, deal_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The saved plan snapshots of a deal, newest first."""
        query = (select(analyses).where(analyses.c.deal_id == deal_id)
                 .order_by(analyses.c.created_at.desc(), analyses.c.id).limit(limit))
        return [dict(r._mapping) for r in self.conn.execute(query)]


    # -- listing (last: `list` would shadow the builtin in the annotations below it) ---

    def list(self, where: DealFilter, *, stalled_before: dt.datetime, limit: int | None = 50,
             offset: int = 0) -> list[DealSummary]:
        """A page of deals, most recently updated first, with no child rows loaded."""
        query = self._filtered(select(*_SUMMARY_COLUMNS), where, stalled_before)
        query = query.order_by(deals.c.updated_at.desc(), deals.c.id.desc()).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [self._summary(row, stalled_before) for row in self.conn.execute(query)]

    def board(self, where: DealFilter, *, stalled_before: dt.datetime, per_column: int,
              opened: str | None = None, page: int = 0) -> builtins.list[DealSummary]:
        """The board's cards: in each stage the `per_column` most recently updated deals,
        and in the `opened` stage its `page`-th such slice instead (one query: a row
        number per stage)."""
        rank = func.row_number().over(partition_by=deals.c.stage,
                                      order_by=(deals.c.updated_at.desc(), deals.c.id.desc()))
        ranked = self._filtered(select(*_SUMMARY_COLUMNS, rank.label("rank")), where,
                                stalled_before).subquery()
        first = ranked.c.rank <= per_column
        if opened is not None and page > 0:
            chosen = (ranked.c.rank > page * per_column) & (
                ranked.c.rank <= (page + 1) * per_column)
            first = or_((ranked.c.stage != opened) & first, (ranked.c.stage == opened) & chosen)
        query = (select(*[ranked.c[c.name] for c in _SUMMARY_COLUMNS]).where(first)
                 .order_by(ranked.c.stage, ranked.c.rank))
        return [self._summary(row, stalled_before) for row in self.conn.execute(query)]

    def count_by_stage(self, where: DealFilter, *, stalled_before: dt.datetime) -> dict[str, int]:
        query = self._filtered(select(deals.c.stage, func.count()), where,
                               stalled_before).group_by(deals.c.stage)
        return {str(stage): int(n) for stage, n in self.conn.execute(query)}

    def owners(self, where: DealFilter, *, stalled_before: dt.datetime) -> builtins.list[str]:
        """The distinct owners of the deals `where` selects (for a filter's choices)."""
        query = self._filtered(select(deals.c.owner).distinct(), where, stalled_before)
        query = query.where(deals.c.owner.is_not(None)).order_by(deals.c.owner)
        return [str(owner) for owner in self.conn.execute(query).scalars()]

    def count_where(self, where: DealFilter, *, stalled_before: dt.datetime) -> int:
        query = self._filtered(select(func.count()).select_from(deals), where, stalled_before)
        return int(self.conn.execute(query).scalar_one())

    @staticmethod
    def _filtered(query: Select[Any], where: DealFilter,
                  stalled_before: dt.datetime) -> Select[Any]:
        for column in ("stage", "strategy", "outcome", "owner"):
            value = getattr(where, column)
            if value is not None:
                query = query.where(deals.c[column] == str(value))
        if where.warning is not None:
            if not _CODE.match(where.warning):
                raise BadInput("field", where="warning", field="warning",
                               detail=Words("detail.warning_code", got=repr(where.warning[:40])))
            query = query.where(deals.c.warnings.like(f"%,{where.warning},%"))
        stalled = (deals.c.outcome == "open") & (deals.c.stage_since <= stalled_before)
        if where.stalled is True:
            query = query.where(stalled)
        elif where.stalled is False:
            query = query.where(or_(deals.c.outcome != "open",
                                    deals.c.stage_since > stalled_before))
        if where.owners is not None:
            team = deals.c.owner.in_(where.owners)
            query = query.where(or_(team, deals.c.owner.is_(None)) if where.include_unowned
                                else team)
        if where.customer is not None:
            query = query.where(deals.c.customer == where.customer)
        if where.search:
            pattern = "%" + where.search.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            query = query.where(or_(deals.c.name.ilike(pattern, escape="\\"),
                                    deals.c.customer.ilike(pattern, escape="\\")))
        return query

    @staticmethod
    def _summary(row: Any, stalled_before: dt.datetime) -> DealSummary:
        m = row._mapping
        data = dict(m)
        data["warnings"] = warning_codes(m["warnings"])
        if not _finite(data.get("amount")):
            data["amount"] = None
        data["stalled"] = m["outcome"] == "open" and m["stage_since"] <= stalled_before
        return DealSummary.model_validate(data)


_SUMMARY_COLUMNS = [deals.c[name] for name in (
    "id", "name", "customer", "stage", "strategy", "target_stage", "warnings", "owner",
    "outcome", "amount", "currency", "created_at", "updated_at", "stage_since")]
