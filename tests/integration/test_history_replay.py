"""The stage history of a new deal, replayed from evidence located once, is the history
the old replay wrote by locating every prefix of the evidence again (its algorithm is
kept here as the reference), on the demo deals and a generated set."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import pytest

from buyersync.locate.deal import current_stage, inferred_drivers
from buyersync.locate.locator import Locator
from buyersync.method.model import Analysis, Deal
from buyersync.method.stages import Stage
from buyersync.services import history as hist
from buyersync.services.analysis import analyze
from buyersync.services.deals import DealService
from buyersync.services.demo import demo_deals
from buyersync.store.records import HistoryEntry, StoredDeal

NOW = dt.datetime(2026, 9, 1, 12, 0, tzinfo=dt.UTC)


def old_replay(stored: StoredDeal) -> list[HistoryEntry]:
    """The replay as it was: the stage after each item from the locations of the prefix
    (locate.deal, in the listed order), and a fresh analysis (locating every item of the
    prefix again) wherever that moved."""
    deal, records = stored.deal, stored.evidence
    analysis = analyze(deal)
    if deal.stage is not None or len(records) < 2 or len(records) > hist.REPLAY_MAX:
        last = records[-1] if records else None
        return [hist.entry(None, {}, hist.step_of(analysis), at=hist.moment(last.date if last else None, NOW,
                                                               None),
                           cause="import", evidence_id=last.id if last else None)]
    locations = hist.locations_of(analysis, deal)
    history: list[HistoryEntry] = []
    seen = None
    for k, record in enumerate(records, 1):
        found = current_stage(locations[:k])
        stage = found[0] if found else Stage.problem
        brief = (stage, inferred_drivers(locations[:k], stage, deal.drivers))
        if brief == seen and k < len(records):
            continue
        seen = brief
        step: Analysis = analysis if k == len(records) else analyze(
            deal.model_copy(update={"evidence": deal.evidence[:k]}))
        previous = history[-1] if history else None
        if previous and previous.to_stage == step.stage and previous.drivers == hist.drivers_of(step):
            continue
        at = hist.moment(record.date, NOW, floor=previous.at if previous else None)
        history.append(hist.entry(previous, previous.drivers if previous else {}, hist.step_of(step), at=at,
                                  cause="import", evidence_id=record.id))
    return history


def generated(n: int = 30, seed: int = 5) -> list[Deal]:
    """Deals whose evidence comes from the demo deals', dated in order, no stage given;
    some carry given drivers or competitors."""
    rng = random.Random(seed)
    demo = demo_deals()
    pool = [e.text for d in demo for e in d.evidence]
    deals = []
    for i in range(n):
        texts = rng.sample(pool, rng.randint(2, 12))
        start = dt.date(2026, 3, 1) + dt.timedelta(days=i)
        deals.append(Deal.model_validate({
            "name": f"generated {i}", "competitors": ["Rival"] if i % 3 == 0 else [],
            "drivers": {"problem": "us"} if i % 4 == 0 else {},
            "evidence": [{"text": t, "date": (start + dt.timedelta(days=5 * k)).isoformat()}
                         for k, t in enumerate(texts)]}))
    return deals


def shown(history: list[HistoryEntry], stored: StoredDeal) -> list[tuple[object, ...]]:
    """The rows in the order they were written (the store reads rows of the same moment,
    e.g. future-dated items clamped to now, in no particular order)."""
    position = {r.id: r.position for r in stored.evidence}
    rows = [(h.at, h.from_stage, h.to_stage, h.drivers, h.driver_changes, h.strategy, h.cause,
             h.evidence_id) for h in history]
    return sorted(rows, key=lambda r: (r[0], position.get(str(r[-1]), -1)))


@pytest.fixture
def workspace(tmp_path) -> Iterator[DealService]:
    with DealService(f"sqlite:///{tmp_path / 'replay.sqlite3'}", clock=lambda: NOW) as service:
        yield service


@pytest.fixture
def located(monkeypatch) -> list[str]:
    """Every text the locator reads."""
    texts: list[str] = []
    many = Locator.locate_many

    def counting(self: Locator, batch: list[str]):  # type: ignore[no-untyped-def]
        texts.extend(batch)
        return many(self, batch)

    monkeypatch.setattr(Locator, "locate_many", counting)
    monkeypatch.setattr(Locator, "locate", lambda self, text: counting(self, [text])[0])
    return texts


def test_the_replayed_history_is_the_old_one_with_each_item_located_once(workspace, located):
    deals = demo_deals() + generated()
    saved = workspace.import_deals(deals)
    items = sum(len(d.evidence) for d in deals)
    assert len(located) == items  # each evidence item read once, prefixes never again
    stored = workspace.get_many([deal_id for deal_id, _ in saved])
    replayed = [s for s in stored if len(s.history) > 1]
    assert len(replayed) >= 10  # the set has deals that move, not only one-row histories
    for deal in stored:
        assert shown(deal.history, deal) == shown(old_replay(deal), deal), deal.deal.name
