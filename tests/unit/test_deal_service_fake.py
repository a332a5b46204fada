"""DealService's own logic (history, hand-over of a given stage, closing times, all or
nothing, optimistic versions) on a fake repository: no database, milliseconds per test.
The real repository is tested against SQLite and PostgreSQL in tests/integration."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest

from buyersync.config import Settings
from buyersync.errors import BadInput, Conflict, NotFound
from buyersync.method.model import Analysis, Deal, Location
from buyersync.method.planner import plan
from buyersync.method.stages import STAGES, Lang, Outcome, Stage
from buyersync.services.deals import DealService, version_of
from buyersync.store.records import HistoryEntry, StoredDeal

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
_TAG = re.compile(r"\[(\w+)\]")


class FakeRepository:
    """The part of store.repository.DealRepository the service's writes and reads use,
    over a dict of stored deals."""

    def __init__(self, deals: dict[str, StoredDeal]) -> None:
        self.deals = deals
        self.conn = None

    def exists(self, deal_id: str) -> bool:
        return deal_id in self.deals

    def lock(self, deal_id: str) -> bool:
        return deal_id in self.deals

    def lock_many(self, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if i in self.deals}

    def get(self, deal_id: str) -> StoredDeal | None:
        found = self.deals.get(deal_id)
        return found.model_copy(deep=True) if found else None

    def get_many(self, ids: Sequence[str]) -> list[StoredDeal]:
        return [self.deals[i].model_copy(deep=True) for i in ids if i in self.deals]

    def add_many(self, items: Iterable[tuple[StoredDeal, dict[str, Any] | None]], *,
                 done: Callable[[int], None] | None = None) -> int:
        n = 0
        for stored, _snapshot in items:
            assert stored.deal.id is not None
            self.deals[stored.deal.id] = stored.model_copy(deep=True)
            n += 1
        return n

    def update(self, stored: StoredDeal, before: StoredDeal, *,
               new_history: Sequence[HistoryEntry] = (), snapshot: Any = None) -> None:
        assert stored.deal.id == before.deal.id and stored.deal.id is not None
        assert stored.history[-len(new_history):] == list(new_history) or not new_history
        self.deals[stored.deal.id] = stored.model_copy(deep=True)

    def delete(self, deal_id: str) -> bool:
        return self.deals.pop(deal_id, None) is not None


class FakeWorkspace:
    """Transactions over the fake: a failed one leaves the deals as they were."""

    def __init__(self) -> None:
        self.deals: dict[str, StoredDeal] = {}
        self.transactions = 0

    def __call__(self, work: Callable[[Any], Any], write: bool, retry: bool) -> Any:
        self.transactions += 1
        before = copy.deepcopy(self.deals)
        try:
            return work(FakeRepository(self.deals))
        except BaseException:
            self.deals.clear()
            self.deals.update(before)
            raise


def tagged(text: str) -> Location | None:
    found = _TAG.search(text)
    if not found or found.group(1) not in Stage.__members__:
        return None
    stage = Stage(found.group(1))
    return Location(stage=stage, confidence=0.92, competitor_led=None,
                    scores={s: (0.92 if s is stage else 0.01) for s in STAGES})


def tagged_analyzer(deal: Deal) -> Analysis:
    locations = [tagged(e.text) for e in deal.evidence]
    located = [loc.stage for loc in locations if loc is not None]
    stage = deal.stage or (located[-1] if located else Stage.problem)
    return plan(deal, stage=stage, stage_source="given" if deal.stage else "evidence",
                lang=Lang.en, drivers=deal.drivers, locations=locations)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def fake() -> FakeWorkspace:
    return FakeWorkspace()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(fake: FakeWorkspace, clock: Clock) -> DealService:
    return DealService(settings=Settings(stalled_days=21), analyzer=tagged_analyzer,
                       clock=clock, transact=fake)


def deal(**fields: Any) -> Deal:
    return Deal.model_validate({"name": "Fake deal", "lang": "en", **fields})


def test_a_deal_located_from_several_items_replays_its_history_item_by_item(service, fake):
    deal_id = service.create(deal(evidence=[
        {"text": "[problem] downtime", "date": "2026-05-01"},
        {"text": "[pain] the plant lost a shift", "date": "2026-05-08"},
        {"text": "a note that shows nothing", "date": "2026-05-09"},
        {"text": "[requirements] they listed needs", "date": "2026-05-15"}]))
    history = fake.deals[deal_id].history
    assert [(h.from_stage, h.to_stage) for h in history] == [
        (None, Stage.problem), (Stage.problem, Stage.pain), (Stage.pain, Stage.requirements)]
    assert [h.at.date() for h in history] == [dt.date(2026, 5, 1), dt.date(2026, 5, 8),
                                             dt.date(2026, 5, 15)]
    assert fake.deals[deal_id].state.stage_since == history[-1].at


def test_clear_evidence_takes_over_a_given_stage_and_writes_a_history_row(service, fake, clock):
    deal_id = service.create(deal(stage="goal"))
    clock.now += dt.timedelta(days=2)
    analysis = service.add_evidence(deal_id, "[solution] the tender arrived")
    stored = fake.deals[deal_id]
    assert analysis.stage == Stage.solution and stored.deal.stage is None
    last = stored.history[-1]
    assert (last.from_stage, last.to_stage, last.cause) == (Stage.goal, Stage.solution, "evidence")
    assert last.evidence_id == stored.evidence[-1].id and stored.state.stage_since == clock.now


def test_evidence_that_shows_nothing_keeps_the_stage_and_writes_no_row(service, fake):
    deal_id = service.create(deal(stage="goal"))
    service.add_evidence(deal_id, "we had lunch")
    assert len(fake.deals[deal_id].history) == 1 and fake.deals[deal_id].deal.stage == Stage.goal


def test_an_import_with_two_deals_of_one_id_saves_none(service, fake):
    with pytest.raises(BadInput, match="two deals"):
        service.import_deals([deal(id="same"), deal(id="same", name="Other")])
    assert fake.deals == {}


def test_a_failed_write_leaves_the_deal_as_it_was(service, fake):
    deal_id = service.create(deal(stage="goal"))
    before = fake.deals[deal_id].model_copy(deep=True)

    def refuse(_deal: Deal, _stage: Stage) -> dict[str, Any]:
        return {"outcome": "not-an-outcome"}

    with pytest.raises(BadInput):
        service.change(deal_id, refuse)
    assert fake.deals[deal_id] == before


def test_closing_a_deal_stamps_the_time_and_reopening_clears_it(service, fake, clock):
    deal_id = service.create(deal(stage="solution"))
    clock.now += dt.timedelta(days=5)
    service.record_outcome(deal_id, "lost", "price")
    assert fake.deals[deal_id].state.closed_at == clock.now
    assert fake.deals[deal_id].deal.lost_reason == "price"
    service.record_outcome(deal_id, Outcome.open)
    assert fake.deals[deal_id].state.closed_at is None


def test_an_update_from_a_stale_version_is_a_conflict_and_changes_nothing(service, fake, clock):
    deal_id = service.create(deal(stage="goal"))
    stale = version_of(fake.deals[deal_id].state)
    clock.now += dt.timedelta(minutes=1)
    service.update(deal_id, deal(stage="pain"), version=stale)
    with pytest.raises(Conflict):
        service.update(deal_id, deal(stage="cost"), version=stale)
    assert fake.deals[deal_id].deal.stage == Stage.pain


def test_an_unknown_id_is_not_found(service):
    with pytest.raises(NotFound):
        service.get("missing")
    with pytest.raises(NotFound):
        service.add_evidence("missing", "[pain] anything")
