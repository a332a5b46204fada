"""The deal workspace as a library: the one API that the CLI, the HTTP API and the web
pages call to save deals, add evidence, record outcomes, list and export.

Every write is one transaction (retried when another writer held the lock); reads of a
page of deals load child rows with one query per table. The current analysis is computed
afresh on every read (knowledge files change between versions); the deal row keeps the
latest one in brief (stage, strategy, target, warnings) for listing and filtering, and a
snapshot of the plan is saved whenever that brief changes.

Stage history: rebuilt and extended by the pure functions of services/history.py; this
service feeds them the analyses (through the analyser it was given) and writes the rows.
The demo deals: services/demo.py.

Given stage vs evidence. A stage the seller gave holds until new evidence clearly shows
another one: `add_evidence` then hands the stage over to the evidence (see RELOCATE_AT).
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine

from buyersync.config import Settings
from buyersync.errors import BadInput, Conflict, NotFound, invalid
from buyersync.method.model import Analysis, Deal, Evidence, Location, ReferenceCase
from buyersync.method.stages import Driver, Lang, Outcome, Stage
from buyersync.services import history as hist
from buyersync.services import references as reference_service
from buyersync.services.analysis import Analyser, Positions
from buyersync.services.dealfile import check_history
from buyersync.services.stats import WorkspaceStats, workspace_stats
from buyersync.store import db
from buyersync.store import team as team_store
from buyersync.store.mailindex import DealMailKeys, mail_keys, saved_message_ids
from buyersync.store.records import (
    Cause,
    DealFilter,
    DealState,
    DealSummary,
    EvidenceFields,
    EvidenceRecord,
    HistoryEntry,
    NewDeal,
    StoredDeal,
    new_id,
)
from buyersync.store.repository import DealRepository

Analyzer = Callable[[Deal], Analysis]
#: what a write's result makes of its audit line: (action, deal id, detail)
Audit = Callable[[Any], tuple[str, str | None, dict[str, Any]]]
#: a targeted change: given the deal as stored now and its current stage, the fields to set
Edit = Callable[[Deal, Stage], dict[str, Any]]
Clock = Callable[[], dt.datetime]
Progress = Callable[[int, int], None]
#: runs `work(repository)` in one transaction: (work, write, retry on a conflict) → result
Transact = Callable[[Callable[[DealRepository], Any], bool, bool], Any]

#: a new evidence item located with at least this confidence, at another stage than the
#: one the seller gave, moves the deal to its evidence-located stage
RELOCATE_AT = 0.5
#: closed deals before analyses use the team's own figures (buyersync.learning.MIN_CLOSED;
#: repeated here so that a small workspace never imports the statistics)
MIN_TEAM = 20
REPLAY_MAX = hist.REPLAY_MAX
MAX_PAGE = 10_000


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EvidenceView(EvidenceFields):
    """An evidence item with where it puts the customer (as the current locator sees it)."""

    uncertain: bool = False


def version_of(state: DealState) -> str:
    """A deal's version for optimistic checks: every write moves `updated_at`."""
    return state.updated_at.isoformat()


class DealView(BaseModel):
    """Everything a page or `deals show` needs about one deal."""

    deal: Deal
    analysis: Analysis
    history: list[HistoryEntry]
    evidence: list[EvidenceView]
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    stage_since: dt.datetime
    days_in_stage: int
    stalled: bool

    @property
    def version(self) -> str:
        return self.updated_at.isoformat()


class DealService:
    """The workspace API. `target`: an Engine, a database URL, or None for the configured
    workspace (BUYERSYNC_DB, else the SQLite file in the user's data folder)."""

    def __init__(self, target: Engine | str | None = None, *, settings: Settings | None = None,
                 analyzer: Analyzer | None = None, clock: Clock | None = None,
                 migrate: bool = True, actor: str | None = None,
                 transact: Transact | None = None) -> None:
        """`transact` replaces the database for the deals themselves (a unit test's fake
        repository, tests/unit/test_deal_service_fake.py); the engine then is an empty
        in-memory workspace for the rest (team figures, reference cases)."""
        self.settings = settings or Settings()
        if transact is not None and target is None:
            target = "sqlite://"
        #: who writes through this service (the CLI's user): every write is then audited,
        #: in the same transaction as the change; a call's `actor=` overrides it
        self.actor = actor
        self._owns_engine = not isinstance(target, Engine)
        if isinstance(target, Engine):
            self.engine = target
        elif target is None:
            self.engine = db.make_engine(self.settings.database_url(),
                                         create_folder=not self.settings.db)
        else:
            self.engine = db.make_engine(target)
        self._analyser = Analyser(lambda: reference_service.list_cases(self.engine),
                                  priors_file=self.settings.priors)
        #: the analysis of a deal (by default with the team's reference cases at hand for
        #: the planner to quote)
        self.analyze: Analyzer = analyzer or self._analyser
        #: the key of this service's analyses in the workspace's cache (services/
        #: analysis_cache.py); None for an analyzer of one's own: never cached
        self.cache_key: str | None = "analysis" if analyzer is None else None
        self.now: Clock = clock or _utcnow
        self._learned: tuple[Any, Any] | None = None
        self._transact: Transact = transact or self._on_database
        if migrate:
            db.ensure_schema(self.engine)

    def _on_database(self, work: Callable[[DealRepository], Any], write: bool,
                     retry: bool) -> Any:
        return db.in_transaction(self.engine, lambda conn: work(DealRepository(conn)),
                                 write=write, retry_conflicts=retry)

    def forget_references(self) -> None:
        """Read the reference cases again at the next analysis."""
        self._analyser.forget_references()

    @property
    def priors(self) -> Mapping[str, Any]:
        """The trade-off priors of this workspace's settings (BUYERSYNC_PRIORS laid over
        the shipped ones)."""
        from buyersync.services.analysis import load_priors

        return load_priors(self.settings.priors)

    def import_references(self, path: str) -> builtins.list[str]:
        """Import reference cases from a YAML or JSON file (all or nothing); their ids."""
        ids = reference_service.import_cases(self.engine, path)
        self._analyser.forget_references()
        return ids

    def references(self) -> builtins.list[ReferenceCase]:
        return reference_service.list_cases(self.engine)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> DealService:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _write(self, work: Callable[[DealRepository], Any], audit: Audit | None = None,
               actor: str | None = None) -> Any:
        """Run `work` in one write transaction; with an actor, `audit(result)` names the
        audit log line, written in that same transaction (the change and its record
        commit together or not at all)."""
        who = actor if actor is not None else self.actor

        def run(repo: DealRepository) -> Any:
            result = work(repo)
            if audit is not None and who is not None:
                action, deal_id, detail = audit(result)
                team_store.record_on(repo.conn, who, action, deal_id, **detail)
            return result

        return self._transact(run, True, False)

    def _read(self, work: Callable[[DealRepository], Any]) -> Any:
        return self._transact(work, False, False)

    def _stalled_before(self) -> dt.datetime:
        return self.now() - dt.timedelta(days=self.settings.stalled_days)

    @staticmethod
    def _must(found: StoredDeal | None, deal_id: str) -> StoredDeal:
        if found is None:
            raise NotFound("deal", deal_id)
        return found

    # -- creating ---------------------------------------------------------------------------

    def create(self, deal: Deal, *, cause: Cause = "manual", replace: bool = True,
               actor: str | None = None) -> str:
        """Save a new deal; returns its id. A deal that carries the id of a saved deal
        replaces it (so that importing the same file twice does not duplicate it), unless
        `replace` is False: then it is a Conflict and nothing changes."""
        return self.import_deals([NewDeal(deal)], cause=cause, replace=replace,
                                 actor=actor)[0][0]

    def import_deals(self, items: Iterable[NewDeal | Deal], *, cause: Cause = "import",
                     progress: Progress | None = None, replace: bool = True,
                     actor: str | None = None) -> list[tuple[str, str]]:
        """Save many deals in one transaction: all of them or, on any error, none.
        Returns (id, name) per deal, in order. A carried id that is already saved replaces
        that deal, or with `replace=False` refuses the lot with a Conflict.

        Deals are analysed before the transaction opens, so that the write lock is held
        only while rows are written. `progress(done, total)` hears about both halves:
        total is twice the number of deals (analysed, then written)."""
        prepared: list[tuple[StoredDeal, Analysis, bool]] = []
        carried: set[str] = set()
        listed = builtins.list(items)
        total = 2 * len(listed)
        for i, item in enumerate(listed, 1):
            new = item if isinstance(item, NewDeal) else NewDeal(item)
            if new.deal.id is not None:
                if new.deal.id in carried:
                    raise BadInput("duplicate_id", where="import", field="id",
                                   id=repr(new.deal.id))
                carried.add(new.deal.id)
            stored, analysis = self._prepare(new, cause)
            prepared.append((stored, analysis, new.deal.id is not None))
            if progress and (i % 100 == 0 or i == len(listed)):
                progress(i, total)

        def work(repo: DealRepository) -> None:
            fresh: list[tuple[StoredDeal, dict[str, Any] | None]] = []
            existing = repo.lock_many([s.deal.id or "" for s, _, carries in prepared if carries])
            if existing and not replace:
                raise Conflict("deal", sorted(existing)[0])
            saved = {d.deal.id: d for d in repo.get_many(builtins.list(existing))}
            for stored, analysis, _carries_id in prepared:
                before = saved.get(stored.deal.id)
                if before is None:
                    fresh.append((stored, analysis.model_dump(mode="json")))
                else:
                    self._replace(repo, before, stored.deal, analysis, cause,
                                  closed_at=stored.state.closed_at)
            replaced = len(prepared) - len(fresh)

            def written(n: int) -> None:
                if progress:
                    progress(len(prepared) + replaced + n, total)

            repo.add_many(fresh, done=written)
            if who is not None:
                created = {s.deal.id for s, _ in fresh}
                for stored, _, _ in prepared:
                    action = "create" if stored.deal.id in created else "replace"
                    team_store.record_on(repo.conn, who, action, stored.deal.id,
                                         name=stored.deal.name, cause=cause)

        who = actor if actor is not None else self.actor
        # a deal with a carried id that another process inserted meanwhile: try again
        self._transact(work, True, bool(carried))
        return [(s.deal.id or "", s.deal.name) for s, _, _ in prepared]

    def _prepare(self, new: NewDeal, cause: Cause) -> tuple[StoredDeal, Analysis]:
        """Analyse a new deal and lay out its rows, outside any transaction. Each evidence
        item is located once, for the analysis and the history replay alike."""
        now = self.now()
        check_history(new.deal, "deal")
        deal = new.deal if new.deal.id else new.deal.model_copy(update={"id": new_id()})
        analyzer = self.analyze
        located = analyzer.locate(deal) if isinstance(analyzer, Positions) else None
        analysis = analyzer(deal, locations=located) if isinstance(analyzer, Positions) \
            else analyzer(deal)
        records = [self._record(i, e, loc, now) for i, (e, loc) in
                   enumerate(zip(deal.evidence, hist.locations_of(analysis, deal), strict=True))]
        if new.stage_moves:
            history = hist.crm_history(new.stage_moves, analysis, cause=cause, now=now)
        else:
            history = self._replay(deal, analysis, records, cause, now)
        created = new.created_at or now
        moves = [h for h in history if h.from_stage != h.to_stage]
        closed_at = None
        if deal.outcome != Outcome.open:
            newest = max((r.date for r in records if r.date), default=None)
            closed_at = new.closed_at or hist.moment(newest, now, floor=None)
        state = hist.state_of(analysis, created_at=created, updated_at=now, closed_at=closed_at,
                              stage_since=moves[-1].at if moves else created)
        return StoredDeal(deal=deal, state=state, evidence=records, history=history), analysis

    @staticmethod
    def _record(position: int, item: Evidence, loc: Location | None,
                now: dt.datetime) -> EvidenceRecord:
        return EvidenceRecord(
            id=new_id(16), position=position, text=item.text, date=item.date,
            source=item.source, message_id=item.message_id, stage=loc.stage if loc else None,
            confidence=loc.confidence if loc else None,
            competitor_led=loc.competitor_led if loc else None,
            signals=loc.signals if loc else [], created_at=now)

    def _replay(self, deal: Deal, analysis: Analysis, records: list[EvidenceRecord],
                cause: Cause, now: dt.datetime) -> list[HistoryEntry]:
        """The history of a new deal (services/history.py `replay`), through the analyser
        the service was given. An analyser that can reuse locations (`Positions`) places
        each prefix with the locations already found and finds the strategy only where the
        stage or drivers move, without planning; any other analyser analyses every
        prefix."""
        # the history keeps stages, drivers and strategies, none of which depends on the
        # language of the words: the prefixes are planned in the deal's language as found
        lang = deal.lang or analysis.lang

        def prefix(k: int) -> Deal:
            return deal.model_copy(update={"evidence": deal.evidence[:k], "lang": lang})

        analyzer = self.analyze
        if not isinstance(analyzer, Positions):
            return hist.replay(deal, analysis, records, cause=cause, now=now,
                               analyse_prefix=lambda k: hist.step_of(analyzer(prefix(k))))
        locations = hist.locations_of(analysis, deal)

        placed: dict[int, tuple[Stage, dict[Stage, Driver]]] = {}

        def brief(k: int) -> tuple[Stage, tuple[tuple[Stage, Driver], ...]]:
            stage, _, drivers = analyzer.position(prefix(k), locations[:k])
            placed[k] = (stage, drivers)
            return stage, tuple(sorted(drivers.items(), key=lambda d: d[0].rank))

        def step(k: int) -> hist.Step:
            stage, drivers = placed[k]  # brief(k) ran just before
            return hist.Step(stage, dict(drivers),
                             analyzer.strategy(prefix(k), locations[:k], stage, drivers))

        return hist.replay(deal, analysis, records, cause=cause, now=now, brief=brief,
                           analyse_prefix=step)

    # -- reading ----------------------------------------------------------------------------

    def get(self, deal_id: str, *, lang: Lang | None = None) -> DealView:
        """The deal with its analysis, planned in `lang` (None: the deal's own language);
        each language's analysis is cached apart."""
        if self.cache_key is not None:  # cached by deal revision, for every worker
            from buyersync.services.analysis_cache import analysis_of

            return self._view(*analysis_of(self, deal_id, lang))
        stored = self._must(self._read(lambda repo: repo.get(deal_id)), deal_id)
        return self._view(stored, self.analyze_in(stored.deal, lang))

    def analyze_in(self, deal: Deal, lang: Lang | None) -> Analysis:
        """The deal's analysis planned in `lang` (None: the deal's own language). A deal's
        `lang` only chooses the words of its plan (services/analysis.py `deal_lang`), so
        any analyser serves any language."""
        return self.analyze(deal if lang is None or deal.lang is lang
                            else deal.model_copy(update={"lang": lang}))

    def _view(self, stored: StoredDeal, analysis: Analysis | None = None) -> DealView:
        analysis = self._with_team(analysis or self.analyze(stored.deal))
        evidence = [
            EvidenceView(id=r.id, position=r.position, text=r.text, date=r.date, source=r.source,
                         message_id=r.message_id,
                         stage=loc.stage if loc else r.stage,
                         confidence=loc.confidence if loc else r.confidence,
                         competitor_led=loc.competitor_led if loc else r.competitor_led,
                         signals=loc.signals if loc else r.signals,
                         uncertain=loc.uncertain if loc else False)
            for r, loc in zip(stored.evidence, hist.locations_of(analysis, stored.deal), strict=True)]
        s = stored.state
        now = self.now()
        return DealView(
            deal=stored.deal, analysis=analysis, history=stored.history, evidence=evidence,
            created_at=s.created_at, updated_at=s.updated_at, closed_at=s.closed_at,
            stage_since=s.stage_since, days_in_stage=max(0, (now - s.stage_since).days),
            stalled=stored.deal.outcome == Outcome.open
            and s.stage_since <= self._stalled_before())

    def export(self, deal_id: str) -> Deal:
        """The deal as a file holds it (with its id): `import` reads it back equal."""
        stored = self._must(self._read(lambda repo: repo.get(deal_id)), deal_id)
        return stored.deal

    def get_many(self, ids: Sequence[str]) -> builtins.list[StoredDeal]:
        """Stored deals (without a fresh analysis), one query per table for the lot."""
        found: list[StoredDeal] = self._read(lambda repo: repo.get_many(ids))
        return found

    def count(self, **filters: Any) -> int:
        where = DealFilter(**filters)
        n: int = self._read(lambda repo: repo.count_where(
            where, stalled_before=self._stalled_before()))
        return n

    def analyses(self, deal_id: str, limit: int = 20) -> builtins.list[dict[str, Any]]:
        """Saved plan snapshots of a deal, newest first (`plan` is the analysis JSON)."""
        def work(repo: DealRepository) -> list[dict[str, Any]]:
            if not repo.exists(deal_id):
                raise NotFound("deal", deal_id)
            return repo.analyses(deal_id, limit)

        found: list[dict[str, Any]] = self._read(work)
        return found

    # -- changing ---------------------------------------------------------------------------

    def update(self, deal_id: str, deal: Deal, *, version: str | None = None,
               actor: str | None = None) -> DealView:
        """Replace a deal's fields (the deal as a file would hold it). With `version` (as
        `DealView.version` gave it), a deal that changed since is a Conflict instead."""
        if deal.id is not None and deal.id != deal_id:
            raise BadInput("deal_id_mismatch", where="deal", field="id", given=repr(deal.id),
                           updating=repr(deal_id))
        check_history(deal, "deal")

        def work(repo: DealRepository) -> StoredDeal:
            before = self._must(repo.get(deal_id) if repo.lock(deal_id) else None, deal_id)
            if version is not None and version != version_of(before.state):
                raise Conflict("deal", deal_id, reason="changed")
            analysis = self.analyze(deal.model_copy(update={"id": deal_id}))
            return self._replace(repo, before, deal, analysis, "manual")

        return self._view(self._write(work, lambda _: ("update", deal_id, {}), actor))

    def change(self, deal_id: str, edit: Edit, *, actor: str | None = None,
               form: str | None = None) -> tuple[DealView, Analysis]:
        """A targeted change in one transaction: `edit` reads the deal as it is now (under
        the deal's write lock) and returns only the fields to set, so that changes made
        meanwhile by others (evidence, contacts, facts) are kept, never written over.
        Returns the new view and the analysis before the change. `edit` may raise to
        refuse; then nothing is saved."""

        def work(repo: DealRepository) -> tuple[StoredDeal, Analysis]:
            before = self._must(repo.get(deal_id) if repo.lock(deal_id) else None, deal_id)
            was = self.analyze(before.deal)
            changes = edit(before.deal, was.stage)
            try:
                deal = Deal.model_validate(before.deal.model_dump() | changes)
            except ValidationError as e:
                raise invalid(e, "deal") from None
            after = self._commit(repo, before, deal, records=before.evidence,
                                 analysis=self.analyze(deal), cause="manual", now=self.now())
            return after, was

        stored, was = self._write(work, lambda _: ("update", deal_id, {"form": form}), actor)
        return self._view(stored), was

    def _replace(self, repo: DealRepository, before: StoredDeal, deal: Deal,
                 analysis: Analysis, cause: Cause,
                 closed_at: dt.datetime | None = None) -> StoredDeal:
        now = self.now()
        deal = deal.model_copy(update={"id": before.deal.id})
        # keep the stored evidence rows (and their ids) for items that did not change
        old = list(before.evidence)
        records = []
        locations = hist.locations_of(analysis, deal)
        for i, (item, loc) in enumerate(zip(deal.evidence, locations, strict=True)):
            match = next((r for r in old if (r.text, r.date, r.source) ==
                          (item.text, item.date, item.source)), None)
            if match is not None:
                old.remove(match)
                records.append(match.model_copy(update={"position": i}))
            else:
                records.append(self._record(i, item, loc, now))
        return self._commit(repo, before, deal, records=records, analysis=analysis, cause=cause,
                            now=now, closed_at=closed_at)

    def _commit(self, repo: DealRepository, before: StoredDeal, deal: Deal, *,
                records: list[EvidenceRecord], analysis: Analysis, cause: Cause,
                now: dt.datetime, evidence_id: str | None = None, day: dt.date | None = None,
                closed_at: dt.datetime | None = None) -> StoredDeal:
        """Write the new state of a deal, a history row if the stage or the drivers moved,
        and a plan snapshot if the brief of the analysis changed."""
        row = hist.next_entry(before.history, analysis, cause=cause, now=now, day=day,
                              evidence_id=evidence_id)
        new_history = [row] if row is not None else []
        stage_since = before.state.stage_since
        if row is not None and row.from_stage != row.to_stage:
            stage_since = row.at
        # the closing time: as given (an import knows it), else kept, else now
        if deal.outcome == Outcome.open:
            closed_at = None
        elif closed_at is None:
            closed_at = before.state.closed_at
            if before.deal.outcome != deal.outcome or closed_at is None:
                closed_at = now
        state = hist.state_of(analysis, created_at=before.state.created_at, updated_at=now,
                              closed_at=closed_at, stage_since=stage_since)
        stored = StoredDeal(deal=deal, state=state, evidence=records,
                            history=[*before.history, *new_history])
        brief = (state.stage, state.strategy, state.target_stage, state.warnings, deal.outcome)
        was = (before.state.stage, before.state.strategy, before.state.target_stage,
               before.state.warnings, before.deal.outcome)
        repo.update(stored, before, new_history=new_history,
                  snapshot=analysis.model_dump(mode="json") if brief != was else None)
        return stored

    def add_evidence(self, deal_id: str, text: str, date: dt.date | None = None,
                     source: str | None = None, *, actor: str | None = None) -> Analysis:
        """Add what the customer said or did; re-locate and re-analyse the deal. Returns the
        new analysis. A clearly located item at another stage than a given one hands the
        stage over to the evidence."""
        item = Evidence.model_validate({"text": text, "date": date, "source": source})
        if self.cache_key is not None:  # the analysis is cached: made with the current cases
            self.forget_references()

        def work(repo: DealRepository) -> Analysis:
            before = self._must(repo.get(deal_id) if repo.lock(deal_id) else None, deal_id)
            now = self.now()
            deal = before.deal.model_copy(update={"evidence": [*before.deal.evidence, item]})
            analysis = self.analyze(deal)
            new_loc = hist.locations_of(analysis, deal)[-1]
            if (deal.stage is not None and new_loc is not None and new_loc.stage != deal.stage
                    and new_loc.confidence >= RELOCATE_AT):
                deal = deal.model_copy(update={"stage": None})
                analysis = self.analyze(deal)
                new_loc = hist.locations_of(analysis, deal)[-1]
            record = self._record(len(before.evidence), item, new_loc, now)
            self._commit(repo, before, deal, records=[*before.evidence, record],
                         analysis=analysis, cause="evidence", now=now, evidence_id=record.id,
                         day=date)
            if self.cache_key is not None:  # the room shown next reads it from the cache
                from buyersync.services.analysis_cache import remember

                remember(self, repo.conn, deal_id, analysis)
            return analysis

        result: Analysis = self._write(
            work, lambda a: ("evidence", deal_id, {"stage": a.stage.value}), actor)
        return self._with_team(result)

    def add_evidence_items(self, deal_id: str, items: Sequence[Evidence]) -> Analysis | None:
        """Add several items at once (mail from an import), in one transaction and one
        re-analysis. Items whose `message_id` is already saved are left out; returns the new
        analysis, or None when nothing was new."""
        def work(repo: DealRepository) -> Analysis | None:
            before = self._must(repo.get(deal_id) if repo.lock(deal_id) else None, deal_id)
            saved = saved_message_ids(repo.conn, [i.message_id for i in items if i.message_id])
            fresh = [i for i in items if not i.message_id or i.message_id not in saved]
            if not fresh:
                return None
            now = self.now()
            deal = before.deal.model_copy(update={"evidence": [*before.deal.evidence, *fresh]})
            analysis = self.analyze(deal)
            newest = hist.locations_of(analysis, deal)[-1]
            if (deal.stage is not None and newest is not None and newest.stage != deal.stage
                    and newest.confidence >= RELOCATE_AT):
                deal = deal.model_copy(update={"stage": None})
                analysis = self.analyze(deal)
            locations = hist.locations_of(analysis, deal)
            records = [*before.evidence, *(
                self._record(len(before.evidence) + k, item, locations[len(before.evidence) + k], now)
                for k, item in enumerate(fresh))]
            days = [i.date for i in fresh if i.date]
            self._commit(repo, before, deal, records=records, analysis=analysis, cause="evidence",
                         now=now, evidence_id=records[-1].id, day=max(days) if days else None)
            return analysis

        result: Analysis | None = self._write(work)
        return result

    def mail_keys(self, only: str | None = None) -> dict[str, DealMailKeys]:
        """Deals with their customer's domains and contacts' addresses (for matching mail)."""
        found: dict[str, DealMailKeys] = self._read(lambda repo: mail_keys(repo.conn, only))
        return found

    def saved_message_ids(self, ids: Sequence[str]) -> dict[str, str]:
        """Of these Message-IDs, those already saved as evidence, with their deal's id."""
        found: dict[str, str] = self._read(lambda repo: saved_message_ids(repo.conn, ids))
        return found

    def record_outcome(self, deal_id: str, outcome: Outcome | str,
                       lost_reason: str | None = None, *, actor: str | None = None) -> DealView:
        """Won, lost (with the reason, if known) or open again."""
        try:
            outcome = Outcome(outcome)
        except ValueError:
            raise BadInput("outcome_value", where="outcome", field="outcome",
                           got=repr(outcome)) from None
        if lost_reason is not None and outcome != Outcome.lost:
            raise BadInput("reason_needs_lost", where="outcome", field="lost_reason")

        def work(repo: DealRepository) -> StoredDeal:
            before = self._must(repo.get(deal_id) if repo.lock(deal_id) else None, deal_id)
            reason = lost_reason if outcome == Outcome.lost else None
            if outcome == Outcome.lost and reason is None:
                reason = before.deal.lost_reason
            deal = before.deal.model_copy(update={"outcome": outcome, "lost_reason": reason})
            deal = Deal.model_validate(deal.model_dump())
            return self._commit(repo, before, deal, records=before.evidence,
                                analysis=self.analyze(deal), cause="manual", now=self.now())

        return self._view(self._write(
            work, lambda _: ("outcome", deal_id, {"outcome": str(outcome)}), actor))

    def delete(self, deal_id: str, *, actor: str | None = None) -> None:
        def work(repo: DealRepository) -> None:
            if not repo.delete(deal_id):
                raise NotFound("deal", deal_id)

        self._write(work, lambda _: ("delete", deal_id, {}), actor)

    # -- reports ----------------------------------------------------------------------------

    def learning(self, *, period_days: int | None = None, fresh: bool = True) -> Any:
        """What the team's own history teaches (services/learning.py). `fresh=False` (the
        trade-off's use) reuses the last result until a closed deal changes: open deals
        move the forecast and stall figures, not the win probabilities."""
        from buyersync.services import learning

        key = (learning.closed_signature(self.engine), self.now().date(), period_days)
        if fresh or self._learned is None or self._learned[0] != key:
            found = learning.learn(self.engine, today=self.now().date(),
                                   stall_default=self.settings.stalled_days,
                                   priors=self.priors,
                                   period_days=period_days)
            self._learned = (key, found)
        return self._learned[1]

    def learn_report(self, *, period_days: int | None = None) -> Any:
        """The `learn` object (a services.learning.LearnReport)."""
        from buyersync.services import learning

        return learning.report(self.learning(period_days=period_days))

    def _with_team(self, analysis: Analysis) -> Analysis:
        """The analysis with the team-based trade-off once there are enough closed deals."""
        from buyersync.services import learning

        if analysis.tradeoff is None or learning.closed_signature(self.engine)[0] < MIN_TEAM:
            return analysis
        tradeoff = learning.team_tradeoff(analysis, self.learning(fresh=False), analysis.lang)
        return analysis.model_copy(update={"tradeoff": tradeoff})

    def stats(self) -> WorkspaceStats:
        """Counts, and what entering early or late costs (see services/stats.py)."""
        return workspace_stats(self.engine, now=self.now(),
                               stalled_days=self.settings.stalled_days)

    def list(self, stage: Stage | str | None = None, strategy: str | None = None,
             owner: str | None = None, outcome: str | None = None, warning: str | None = None,
             stalled: bool | None = None, *, customer: str | None = None,
             search: str | None = None, owners: Sequence[str] | None = None,
             include_unowned: bool = False, limit: int | None = 50,
             offset: int = 0) -> builtins.list[DealSummary]:
        """A page of deals, most recently updated first. `limit=None`: all of them.
        `owners` narrows to a team's deals (with `include_unowned`, unassigned ones too);
        `search` matches the name or the customer."""
        try:
            where = DealFilter.model_validate(dict(
                stage=stage, strategy=strategy, owner=owner, outcome=outcome, warning=warning,
                stalled=stalled, customer=customer, search=search,
                owners=builtins.list(owners) if owners is not None else None,
                include_unowned=include_unowned))
        except ValidationError as e:
            raise invalid(e, "filter") from None
        if limit is not None and not 0 <= limit <= MAX_PAGE or offset < 0:
            raise BadInput("page_range", where="list", field="limit", max=MAX_PAGE)
        found: list[DealSummary] = self._read(lambda repo: repo.list(
            where, stalled_before=self._stalled_before(), limit=limit, offset=offset))
        return found

    # -- re-analysis ------------------------------------------------------------------------

    def refresh_page(self, after: str | None = None, limit: int = 50, *,
                     until: str | None = None,
                     actor: str | None = None) -> tuple[builtins.list[str], int]:
        """Re-analyse one page of deals (in id order, after the id `after`, up to the id
        `until`) with the current model and knowledge, in one transaction, and save those
        whose analysis moved: the brief, where each evidence item now puts the customer,
        a history row (cause `refresh`) when the stage or the drivers moved, a plan
        snapshot when the brief changed. Deals whose analysis did not move are left
        untouched (their version stays). Returns (the ids of the page, how many changed); an empty page
        means every deal was seen."""
        who = actor if actor is not None else self.actor

        def work(repo: DealRepository) -> tuple[list[str], int]:
            ids = repo.ids_after(after, limit, until)
            repo.lock_many(ids)
            changed = 0
            for before in repo.get_many(ids):
                analysis = self.analyze(before.deal)
                records = [r.model_copy(update={
                    "stage": loc.stage if loc else None,
                    "confidence": loc.confidence if loc else None,
                    "competitor_led": loc.competitor_led if loc else None,
                    "signals": loc.signals if loc else []})
                    for r, loc in zip(before.evidence, hist.locations_of(analysis, before.deal),
                                      strict=True)]
                last = before.history[-1] if before.history else None
                s = before.state
                same = (records == before.evidence and last is not None
                        and last.to_stage == analysis.stage
                        and last.drivers == hist.drivers_of(analysis)
                        and (s.stage, s.stage_source, s.strategy, s.target_stage, s.warnings)
                        == (analysis.stage, analysis.stage_source, analysis.strategy,
                            analysis.target_stage, [w.code.value for w in analysis.warnings]))
                if same:
                    continue
                self._commit(repo, before, before.deal, records=records, analysis=analysis,
                             cause="refresh", now=self.now(), closed_at=s.closed_at)
                changed += 1
                if who is not None:
                    team_store.record_on(repo.conn, who, "refresh", before.deal.id,
                                         stage=analysis.stage.value)
            return ids, changed

        result: tuple[list[str], int] = self._write(work)
        return result

    def id_boundaries(self, span: int) -> builtins.list[str]:
        """Every `span`-th deal id in id order: where to cut the workspace into ranges."""
        found: list[str] = self._read(lambda repo: repo.id_boundaries(span))
        return found


__all__ = ["DealFilter", "DealService", "DealSummary", "DealView", "EvidenceView",
           "HistoryEntry", "NewDeal", "open_workspace"]


def open_workspace(url: str | None = None, **options: Any) -> DealService:
    """The workspace at `url` (else BUYERSYNC_DB, else the SQLite file in the user's data
    folder), created or migrated on first use. A URL that is not sqlite or postgresql is a
    BadInput."""
    from pydantic import ValidationError as SettingsError

    try:
        settings = Settings(db=url) if url else Settings()
    except SettingsError:
        shown = url if url else "BUYERSYNC_DB"
        raise BadInput("bad_url_kind", where="db", url=shown) from None
    return DealService(settings=settings, **options)
