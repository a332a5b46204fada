"""Analyses cached in the workspace database by deal revision (store/cache.py,
services/analysis_cache.py), on SQLite and on a real PostgreSQL: a view reuses the
cached analysis, any write (through any service: another worker) makes the next view
compute afresh, and nothing is kept in the process."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, update

from buyersync.method.model import Deal, Evidence
from buyersync.method.stages import Lang
from buyersync.services.analysis_cache import refresh
from buyersync.services.deals import DealService
from buyersync.store import cache
from buyersync.store.tables import deals
from tests.counting import CountingAnalyzer

DATA = Path(__file__).resolve().parents[1] / "data"


def worker(url: str) -> tuple[DealService, CountingAnalyzer]:
    """A service as a web worker holds it: the standard analyzer, counted."""
    service = DealService(url)
    counting = CountingAnalyzer()
    service.analyze = counting  # type: ignore[assignment]
    return service, counting


def a_deal() -> Deal:
    return Deal.model_validate({"name": "Cache test", "lang": "en", "evidence": [
        {"text": "Our planners keep missing shipments and the board is unhappy."}]})


def entries(service: DealService) -> list[tuple[str, str]]:
    with service.engine.connect() as conn:
        return [(r.key, r.stamp) for r in conn.execute(select(cache.analysis_cache))]


def test_a_second_view_reads_the_cached_analysis_on_any_worker(db_url):
    first, counted_first = worker(db_url)
    second, counted_second = worker(db_url)
    with first, second:
        deal_id = first.create(a_deal())
        counted_first.calls = 0
        view = first.get(deal_id)
        assert counted_first.calls == 1
        again = second.get(deal_id)
        assert counted_second.calls == 0, "the other worker reads the first one's analysis"
        assert again.analysis == view.analysis
        assert [k for k, _ in entries(first)] == ["analysis"]


def test_adding_evidence_leaves_its_analysis_for_the_next_view(db_url):
    first, counted = worker(db_url)
    second, counted_second = worker(db_url)
    with first, second:
        deal_id = first.create(a_deal())
        counted.calls = 0
        made = first.add_evidence(deal_id, "They asked for a price for 40 licences.")
        assert counted.calls == 1
        view = second.get(deal_id)
        assert counted_second.calls == 0 and view.analysis == made


def test_a_write_on_another_worker_makes_the_next_view_fresh(db_url):
    first, counted = worker(db_url)
    second, _ = worker(db_url)
    with first, second:
        deal_id = first.create(a_deal())
        before = first.get(deal_id)
        # a write that leaves no analysis behind (adding evidence does: the test above)
        saved = second.export(deal_id)
        second.update(deal_id, saved.model_copy(update={"evidence": [*saved.evidence, Evidence(
            text="They asked for a price and a delivery date for 40 licences.")]}))
        counted.calls = 0
        after = first.get(deal_id)
        assert counted.calls == 1
        assert len(after.analysis.evidence) == len(before.analysis.evidence) + 1
        # the entry of the old revision is gone, the new one is there
        stamps = [s for _, s in entries(first)]
        assert len(stamps) == 1 and stamps[0].startswith("1|")


def test_a_new_model_or_knowledge_is_not_served_from_the_cache(db_url):
    service, counted = worker(db_url)
    with service:
        deal_id = service.create(a_deal())
        service.get(deal_id)
        # what the entry would say had another release (another fingerprint) written it
        with service.engine.begin() as conn:
            conn.execute(update(cache.analysis_cache).values(stamp=func.replace(
                cache.analysis_cache.c.stamp, cache.knowledge_fingerprint(), "0" * 16)))
        counted.calls = 0
        service.get(deal_id)
        assert counted.calls == 1


def test_refresh_computes_every_deal_once_and_then_views_are_free(db_url):
    service, counted = worker(db_url)
    with service:
        ids = [service.create(a_deal()) for _ in range(3)]
        counted.calls = 0
        assert refresh(service) == 3
        assert counted.calls == 3
        for deal_id in ids:
            service.get(deal_id)
        assert counted.calls == 3


def test_deleting_a_deal_deletes_its_cached_entries(db_url):
    service, _ = worker(db_url)
    with service:
        deal_id = service.create(a_deal())
        service.get(deal_id)
        service.delete(deal_id)
        assert entries(service) == []


def test_reference_cases_imported_by_another_worker_reach_the_next_view(db_url):
    first, counted = worker(db_url)
    second, _ = worker(db_url)
    with first, second:
        deal_id = first.create(a_deal())
        first.get(deal_id)
        second.import_references(str(DATA / "references" / "cases.yaml"))
        counted.calls = 0
        first.get(deal_id)
        assert counted.calls == 1


def test_every_write_moves_the_revision(db_url):
    service, _ = worker(db_url)
    with service:
        deal_id = service.create(a_deal())

        def revision() -> int:
            with service.engine.connect() as conn:
                return int(conn.execute(select(deals.c.revision).where(
                    deals.c.id == deal_id)).scalar_one())

        assert revision() == 0
        service.add_evidence(deal_id, "We need it before the summer.")
        service.record_outcome(deal_id, "won")
        service.update(deal_id, service.export(deal_id))
        assert revision() == 3


def test_one_service_plans_in_any_language_and_caches_each_language_apart(db_url):
    first, counted = worker(db_url)
    second, counted_second = worker(db_url)
    with first, second:
        deal_id = first.create(a_deal())
        counted.calls = 0
        own = first.get(deal_id)
        zh = first.get(deal_id, lang=Lang.zh)
        assert counted.calls == 2
        assert first.get(deal_id, lang=Lang.en).analysis == own.analysis
        assert counted.calls == 2, "the deal's own language is the deal's own plan"
        assert (own.analysis.lang, zh.analysis.lang) == (Lang.en, Lang.zh)
        assert zh.deal == own.deal, "the deal itself is shown as saved"
        assert sorted(k for k, _ in entries(first)) == ["analysis", "analysis:zh"]
        again = second.get(deal_id, lang=Lang.zh)
        assert counted_second.calls == 0, "the Chinese plan is read from the cache"
        assert again.analysis == zh.analysis


def test_the_pages_read_the_same_rows_as_sqlalchemy_does(db_url):
    """cache.read_probe and cache.read_page (db.read_row: on SQLite straight on the
    driver's connection) give what the same statements give through SQLAlchemy: the
    owner, revision, stage date as an aware datetime, the closed deals' latest change."""
    import datetime as dt

    from buyersync.method.model import Outcome
    from buyersync.store import db

    service, _ = worker(db_url)
    with service:
        deal_id = service.create(a_deal())
        closed = service.create(a_deal())
        saved = service.export(closed)
        service.update(closed, saved.model_copy(update={"outcome": Outcome.won}))
        revision = cache.read_probe(service.engine, deal_id, "room:k").revision
        stamp = f"{revision}|made|{dt.date.today().isoformat()}"  # kept by put: current
        db.in_transaction(service.engine, lambda conn: cache.put(
            conn, deal_id, "room:k", stamp, "<p>page</p>", revision))
        db.in_transaction(service.engine, lambda conn: cache.put_page(
            conn, "board:k", "made", "<p>board</p>"))
        for key in ("room:k", "room:none"):
            through = db.in_transaction(service.engine,
                                        lambda conn, k=key: cache.probe(conn, deal_id, k))
            found = cache.read_probe(service.engine, deal_id, key)
            assert found == through and found is not None
            assert found.stage_since.tzinfo is not None and found.closed.startswith("1.20")
        assert cache.read_probe(service.engine, deal_id, "room:k").stamp == stamp
        assert cache.read_probe(service.engine, deal_id, "room:k").payload == "<p>page</p>"
        held = cache.read_probe(service.engine, deal_id, "room:k", held=stamp)
        assert held is not None and (held.stamp, held.payload) == (stamp, None), \
            "a reader that holds the page made from this stamp does not read it again"
        assert cache.read_probe(service.engine, deal_id, "room:k", held="other").payload
        assert cache.read_probe(service.engine, "no-such-deal", "room:k") is None
        for key in ("board:k", "board:none"):
            assert cache.read_page(service.engine, key) == db.in_transaction(
                service.engine, lambda conn, k=key: cache.page_probe(conn, k))
        assert cache.read_page(service.engine, "board:k")[1:] == ("made", "<p>board</p>")
        assert cache.read_page(service.engine, "board:k", held="made")[1:] == ("made", None)
        assert cache.read_page(service.engine, "board:k", held="old")[2] == "<p>board</p>"


def test_a_reader_caching_while_a_writer_holds_the_deal_waits_instead_of_deadlocking(pg_url):
    """A writer holds the deal's row and will cache its analysis; meanwhile a reader caches
    the same entry. The reader must wait for the deal before it writes the entry: writing
    the entry first (its foreign-key check comes after) would hold the entry the writer
    needs while waiting for the deal the writer holds, which PostgreSQL ends as a deadlock."""
    import datetime as dt
    import threading

    from buyersync.store import db

    service = DealService(pg_url)
    deal_id = service.create(a_deal())
    with service.engine.connect() as conn:
        revision = conn.execute(select(deals.c.revision).where(deals.c.id == deal_id)).scalar_one()
    errors: list[BaseException] = []
    today = dt.date.today().isoformat()

    def reader() -> None:
        try:
            db.in_transaction(service.engine, lambda conn: cache.put(
                conn, deal_id, "room:test", f"{revision}|reader|{today}", "<p>reader</p>", revision),
                attempts=1)
        except BaseException as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    with service.engine.connect() as writer, writer.begin():
        assert writer.execute(select(deals.c.id).where(deals.c.id == deal_id)
                              .with_for_update()).first()
        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(timeout=1.5)  # the reader is now waiting, on the deal (or on the FK)
        assert thread.is_alive()
        cache.put(writer, deal_id, "room:test", f"{revision}|writer|{today}", "<p>writer</p>", revision)
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert errors == []
    with service.engine.connect() as conn:
        payload = conn.execute(select(cache.analysis_cache.c.payload).where(
            cache.analysis_cache.c.key == "room:test")).scalar_one()
    assert payload == "<p>reader</p>"  # the reader went second, after the writer committed
    service.close()
