"""The deal service on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, func, select

from buyersync.errors import BadInput, NotFound
from buyersync.method.stages import Outcome, Stage, Strategy
from buyersync.services.deals import DealService, NewDeal
from buyersync.services.demo import load_demo
from buyersync.store import repository as repo_module
from buyersync.store.tables import WORKSPACE_TABLES, analyses, evidence, stage_history
from tests.integration.conftest import START, deal

COMPETITOR_SHAPED = {s: "competitor" for s in ["problem", "pain", "goal", "requirements",
                                               "measures"]}


def rows(service: DealService, table) -> int:
    with service.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_saved_deal_reads_back_with_its_analysis_and_a_first_history_row(service, clock):
    deal_id = service.create(deal(stage="measures", drivers={"problem": "us"}))
    view = service.get(deal_id)
    assert view.deal.id == deal_id and view.deal.stage == Stage.measures
    assert view.analysis.stage == Stage.measures and view.analysis.stage_source == "given"
    assert [(h.from_stage, h.to_stage, h.cause) for h in view.history] == [
        (None, Stage.measures, "manual")]
    assert view.created_at == clock.now and view.stage_since == clock.now
    assert view.days_in_stage == 0 and not view.stalled


def test_adding_evidence_that_shows_a_later_stage_moves_the_deal_and_writes_history(
        service, clock):
    deal_id = service.create(deal(evidence=[{"text": "[requirements] they listed needs"}]))
    clock.advance(3)
    analysis = service.add_evidence(deal_id, "[solution] the tender arrived",
                                    date=dt.date(2026, 6, 3), source="email")
    assert analysis.stage == Stage.solution
    view = service.get(deal_id)
    last = view.history[-1]
    assert (last.from_stage, last.to_stage, last.cause, last.direction) == (
        Stage.requirements, Stage.solution, "evidence", "forward")
    assert last.evidence_id == view.evidence[-1].id
    assert last.at == dt.datetime(2026, 6, 3, tzinfo=dt.UTC)  # the evidence's own date
    assert view.stage_since == last.at
    assert [e.stage for e in view.evidence] == [Stage.requirements, Stage.solution]
    assert view.deal.evidence[-1].source == "email"


def test_a_pull_back_is_recorded_as_a_move_back_in_the_history(service, clock):
    deal_id = service.create(deal(evidence=[{"text": "[solution] RFP received"}]))
    clock.advance(10)
    service.add_evidence(deal_id, "[goal] the CEO restated what the project is for")
    moves = [(h.from_stage, h.to_stage, h.direction) for h in service.get(deal_id).history]
    assert moves == [(None, Stage.solution, "start"), (Stage.solution, Stage.goal, "back")]


def test_evidence_that_says_nothing_new_writes_no_history(service, clock):
    deal_id = service.create(deal(evidence=[{"text": "[pain] it hurts"}]))
    clock.advance(1)
    service.add_evidence(deal_id, "a friendly lunch, nothing said about the project")
    view = service.get(deal_id)
    assert len(view.history) == 1 and len(view.evidence) == 2
    assert view.updated_at == clock.now and view.stage_since == START


def test_a_clearly_located_item_takes_over_from_a_stage_the_seller_gave(service):
    deal_id = service.create(deal(stage="measures"))
    analysis = service.add_evidence(deal_id, "[solution] bids are due Friday")
    assert analysis.stage == Stage.solution and analysis.stage_source == "evidence"
    assert service.export(deal_id).stage is None


def test_the_history_of_a_deal_located_from_several_items_starts_where_we_entered(service):
    items = [{"text": "[problem] first call", "date": "2026-01-10"},
             {"text": "[pain] they costed it", "date": "2026-02-01"},
             {"text": "nothing new", "date": "2026-02-15"},
             {"text": "[goal] the VP set a target", "date": "2026-03-01"}]
    view = service.get(service.create(deal(evidence=items), cause="import"))
    assert [(h.to_stage, h.at.date().isoformat(), h.cause) for h in view.history] == [
        (Stage.problem, "2026-01-10", "import"), (Stage.pain, "2026-02-01", "import"),
        (Stage.goal, "2026-03-01", "import")]
    assert view.history[0].evidence_id == view.evidence[0].id


def test_a_deal_whose_stage_has_not_moved_for_the_configured_days_is_stalled(service, clock):
    deal_id = service.create(deal(stage="pain"))
    clock.advance(20)
    assert not service.get(deal_id).stalled
    assert service.list(stalled=True) == []
    clock.advance(1)
    view = service.get(deal_id)
    assert view.stalled and view.days_in_stage == 21
    assert [s.id for s in service.list(stalled=True)] == [deal_id]
    assert service.list(stalled=False) == []


def test_a_closed_deal_is_never_stalled(service, clock):
    deal_id = service.create(deal(stage="cost"))
    service.record_outcome(deal_id, "won")
    clock.advance(100)
    assert not service.get(deal_id).stalled
    assert [s.id for s in service.list(stalled=False)] == [deal_id]


def test_list_filters_by_stage_strategy_owner_outcome_and_warning(service, clock):
    ours = service.create(deal(name="ours", stage="goal", owner="ann",
                               drivers={"problem": "us", "pain": "us"}))
    clock.advance(1)
    theirs = service.create(deal(
        name="theirs", stage="solution", owner="bob", drivers=COMPETITOR_SHAPED,
        planned_actions=[{"kind": "quote", "text": "quote as asked"}]))
    clock.advance(1)
    lost = service.create(deal(name="lost", stage="cost", owner="ann", outcome="lost"))

    def ids(**filters):
        return [s.id for s in service.list(**filters)]

    assert ids() == [lost, theirs, ours]  # most recently updated first
    assert ids(stage="solution") == [theirs]
    assert ids(strategy="in_step") == [ours]
    assert ids(owner="ann") == [lost, ours]
    assert ids(outcome="lost") == [lost]
    assert ids(warning="following") == [theirs]
    assert ids(stage="goal", owner="bob") == []
    assert ids(limit=2) == [lost, theirs] and ids(limit=2, offset=2) == [ours]
    assert ids(owners=["bob", "cy"]) == [theirs] and ids(owners=[]) == []
    unowned = service.create(deal(name="nobody's"))
    assert ids(owners=["bob"], include_unowned=True) == [unowned, theirs]
    assert ids(search="THEIR") == [theirs]
    summary = service.list(stage="solution")[0]
    assert summary.strategy == Strategy.pull_back and "following" in summary.warnings
    assert service.count(owner="ann") == 2 and service.count() == 4


def test_a_filter_with_a_value_outside_the_vocabulary_is_bad_input(service):
    with pytest.raises(BadInput, match="stage"):
        service.list(stage="closing")
    with pytest.raises(BadInput, match="warning"):
        service.list(warning="50%' OR 1=1 --")


@pytest.mark.parametrize("call", [
    lambda s: s.get("nope"), lambda s: s.export("nope"), lambda s: s.delete("nope"),
    lambda s: s.add_evidence("nope", "hello"), lambda s: s.record_outcome("nope", "won"),
    lambda s: s.update("nope", deal()), lambda s: s.analyses("nope"),
])
def test_an_unknown_id_is_not_found_for_every_operation(service, call):
    with pytest.raises(NotFound, match="nope"):
        call(service)


def test_importing_a_deal_without_an_id_twice_creates_two_deals(service):
    first = service.create(deal(name="twice"), cause="import")
    second = service.create(deal(name="twice"), cause="import")
    assert first != second and service.count() == 2


def test_importing_a_deal_that_carries_an_id_again_replaces_it(service, clock):
    service.create(deal(id="crm-42", name="v1", stage="pain"), cause="import")
    clock.advance(2)
    assert service.create(deal(id="crm-42", name="v2", stage="goal"), cause="import") == "crm-42"
    view = service.get("crm-42")
    assert service.count() == 1 and view.deal.name == "v2" and view.created_at == START
    assert [(h.from_stage, h.to_stage, h.cause) for h in view.history] == [
        (None, Stage.pain, "import"), (Stage.pain, Stage.goal, "import")]


def test_two_deals_with_the_same_id_in_one_import_are_refused(service):
    with pytest.raises(BadInput, match="same-id|crm-1"):
        service.import_deals([deal(id="crm-1"), deal(id="crm-1")])
    assert service.count() == 0


def test_an_import_that_fails_half_way_saves_nothing(service, monkeypatch):
    real = repo_module.DealRepository.add_many

    def add_then_fail(self, items, **options):
        real(self, items, **options)  # the rows are written …
        raise RuntimeError("disk on fire")  # … and then the transaction fails

    monkeypatch.setattr(repo_module.DealRepository, "add_many", add_then_fail)
    with pytest.raises(RuntimeError):
        service.import_deals([deal(name=f"d{i}", evidence=[{"text": "[pain] x"}])
                              for i in range(700)])
    assert all(rows(service, t) == 0 for t in WORKSPACE_TABLES)


def test_update_replaces_the_fields_and_keeps_the_rows_of_unchanged_evidence(service, clock):
    deal_id = service.create(deal(evidence=[{"text": "[problem] a"}, {"text": "[pain] b"}]))
    before = service.get(deal_id)
    clock.advance(1)
    changed = deal(**{**before.deal.model_dump(), "name": "renamed", "owner": "cy",
                      "contacts": [{"name": "李总", "role": "executive"}],
                      "evidence": [*before.deal.model_dump()["evidence"], {"text": "[goal] c"}]})
    after = service.update(deal_id, changed)
    assert after.deal.name == "renamed" and after.deal.contacts[0].name == "李总"
    assert [e.id for e in after.evidence[:2]] == [e.id for e in before.evidence]
    assert after.history[-1].cause == "manual" and after.history[-1].to_stage == Stage.goal


def test_update_refuses_a_body_that_names_another_deal(service):
    deal_id = service.create(deal())
    with pytest.raises(BadInput, match="id"):
        service.update(deal_id, deal(id="someone-else"))


def test_recording_a_loss_keeps_the_reason_and_the_time_and_diagnoses_it(service, clock):
    deal_id = service.create(deal(stage="cost", drivers=COMPETITOR_SHAPED))
    clock.advance(5)
    view = service.record_outcome(deal_id, Outcome.lost, "price")
    assert view.deal.outcome == Outcome.lost and view.deal.lost_reason == "price"
    assert view.closed_at == clock.now and view.analysis.diagnosis is not None
    reopened = service.record_outcome(deal_id, "open")
    assert reopened.closed_at is None and reopened.deal.lost_reason is None
    with pytest.raises(BadInput):
        service.record_outcome(deal_id, "won", "a reason for a win")


def test_deleting_a_deal_removes_everything_that_hangs_off_it(service):
    deal_id = service.create(deal(evidence=[{"text": "[pain] a"}],
                                  contacts=[{"name": "Ann"}],
                                  planned_actions=[{"kind": "quote"}]))
    service.record_outcome(deal_id, "won")
    service.delete(deal_id)
    assert all(rows(service, t) == 0 for t in WORKSPACE_TABLES)


def test_a_plan_snapshot_is_saved_whenever_the_brief_of_the_analysis_changes(service, clock):
    deal_id = service.create(deal(evidence=[{"text": "[pain] a"}]))
    clock.advance(1)
    service.add_evidence(deal_id, "nothing new")
    assert len(service.analyses(deal_id)) == 1
    clock.advance(1)
    service.add_evidence(deal_id, "[goal] a target")
    saved = service.analyses(deal_id)
    assert len(saved) == 2 and saved[0]["plan"]["stage"] == "goal"
    assert rows(service, analyses) == 2


def test_reading_a_page_of_deals_costs_one_query_per_table_not_one_per_deal(service):
    ids = [d for d, _ in service.import_deals([
        deal(name=f"d{i}", evidence=[{"text": "[pain] x"}, {"text": "[goal] y"}],
             contacts=[{"name": "Ann"}], planned_actions=[{"kind": "meeting"}])
        for i in range(30)])]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(service.engine, "before_cursor_execute", count)
    try:
        loaded = service.get_many(ids)
        assert len(statements) == 5  # deals, evidence, contacts, actions, history
        statements.clear()
        assert len(service.list(limit=30)) == 30
        assert len(statements) == 1
    finally:
        event.remove(service.engine, "before_cursor_execute", count)
    assert [d.deal.id for d in loaded] == ids
    assert all(len(d.evidence) == 2 and len(d.history) == 2 for d in loaded)


def test_stats_show_win_rate_and_days_to_outcome_by_the_stage_we_entered(service, clock):
    early = [deal(name=f"early{i}", evidence=[{"text": "[problem] x", "date": "2026-01-01"}])
             for i in range(3)]
    late = [deal(name=f"late{i}", evidence=[{"text": "[solution] RFP", "date": "2026-05-02"}],
                 drivers=COMPETITOR_SHAPED) for i in range(2)]
    saved = service.import_deals([*early, *late])
    for (deal_id, _), outcome in zip(saved, ["won", "won", "lost", "lost", "open"], strict=True):
        if outcome != "open":
            service.record_outcome(deal_id, outcome)
    stats = service.stats()
    assert stats.total == 5 and stats.by_outcome == {"won": 2, "lost": 2, "open": 1}
    entry = {r.key: r for r in stats.by_entry_stage}
    assert list(entry) == ["problem", "solution"]
    assert (entry["problem"].won, entry["problem"].lost, entry["problem"].win_rate) == (2, 1, 0.6667)
    assert entry["problem"].mean_days_to_outcome == pytest.approx((START - dt.datetime(
        2026, 1, 1, tzinfo=dt.UTC)).total_seconds() / 86400, abs=0.1)
    assert (entry["solution"].win_rate, entry["solution"].open) == (0.0, 1)
    assert {r.key for r in stats.by_entry} == {"problem/in_step", "solution/pull_back"}
    assert stats.by_stage == {"solution": 1}


def test_crm_history_becomes_the_deals_stage_moves(service):
    moves = [(dt.datetime(2026, 1, 5, tzinfo=dt.UTC), Stage.pain),
             (dt.datetime(2026, 2, 5, tzinfo=dt.UTC), Stage.requirements),
             (dt.datetime(2026, 3, 5, tzinfo=dt.UTC), Stage.goal)]
    [(deal_id, _)] = service.import_deals([NewDeal(deal(stage="goal"), stage_moves=moves)])
    view = service.get(deal_id)
    assert [(h.to_stage, h.direction) for h in view.history] == [
        (Stage.pain, "start"), (Stage.requirements, "forward"), (Stage.goal, "back")]
    assert view.stage_since == moves[-1][0]
    with service.engine.connect() as conn:
        causes = conn.execute(select(stage_history.c.cause)).scalars().all()
    assert set(causes) == {"import"}


def test_the_demo_deals_fill_an_empty_workspace_once(real_service):
    saved = load_demo(real_service)
    assert len(saved) >= 7
    assert load_demo(real_service) == []
    strategies = {s.strategy for s in real_service.list()}
    assert strategies == {Strategy.in_step, Strategy.pull_back, Strategy.walk_away}
    assert {s.outcome for s in real_service.list()} == {Outcome.open, Outcome.lost}
    assert rows(real_service, evidence) > 15
