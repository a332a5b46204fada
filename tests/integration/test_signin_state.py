"""Sign-in state kept in the workspace database (store/sessions.py), on SQLite and on a
real PostgreSQL: the rate limit holds across several workers, sessions end when asked."""

from __future__ import annotations

import datetime as dt

from buyersync.services.team import hash_password
from buyersync.store import sessions as session_store
from buyersync.store import team as team_store
from buyersync.store.sessions import SignInLimiter

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_failed_sign_ins_are_counted_across_workers_until_the_window_passes(service):
    now = [T0]
    # two limiters on one database: two server workers (or two servers) behind one address
    first = SignInLimiter(service.engine, attempts=5, window=300, clock=lambda: now[0])
    second = SignInLimiter(service.engine, attempts=5, window=300, clock=lambda: now[0])
    for i in range(5):
        worker = first if i % 2 else second
        assert not worker.blocked("1.2.3.4", "Alice")
        worker.failed("1.2.3.4", "Alice")
    assert first.blocked("1.2.3.4", "alice") and second.blocked("1.2.3.4", "ALICE")
    assert not first.blocked("5.6.7.8", "alice"), "per address and user"
    now[0] = T0 + dt.timedelta(seconds=301)
    assert not second.blocked("1.2.3.4", "alice")


def test_a_successful_sign_in_clears_the_count_for_every_worker(service):
    first, second = SignInLimiter(service.engine, attempts=2), SignInLimiter(service.engine,
                                                                              attempts=2)
    first.failed("ip", "bob")
    second.succeeded("ip", "bob")
    first.failed("ip", "bob")
    assert not second.blocked("ip", "bob")


def test_a_session_lives_until_it_is_ended_or_expires(service):
    engine = service.engine
    token = session_store.open_session(engine, "alice", dt.timedelta(hours=1))
    assert session_store.session_user(engine, token) == "alice"
    assert session_store.session_user(engine, token + "x") is None
    session_store.end_session(engine, token)
    assert session_store.session_user(engine, token) is None
    expired = session_store.open_session(engine, "alice", dt.timedelta(seconds=-1))
    assert session_store.session_user(engine, expired) is None


def test_a_new_password_ends_every_session_of_that_user_only(service):
    engine = service.engine
    team_store.add_user(engine, "alice", hash_password("first password 1"), "seller", "north")
    team_store.add_user(engine, "bob", hash_password("first password 2"), "seller", "north")
    phone = session_store.open_session(engine, "alice", dt.timedelta(hours=1))
    laptop = session_store.open_session(engine, "alice", dt.timedelta(hours=1))
    bobs = session_store.open_session(engine, "bob", dt.timedelta(hours=1))
    team_store.add_user(engine, "alice", hash_password("second password"), "seller", "north")
    assert session_store.session_user(engine, phone) is None
    assert session_store.session_user(engine, laptop) is None
    assert session_store.session_user(engine, bobs) == "bob"


def test_the_database_keeps_no_session_token_in_the_clear(service):
    token = session_store.open_session(service.engine, "alice", dt.timedelta(hours=1))
    with service.engine.connect() as conn:
        stored = [r.id for r in conn.execute(session_store.sessions.select())]
    assert stored and token not in stored
