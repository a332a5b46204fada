"""Users, sign-in and the access policy (services/team.py) on an in-memory team store.

The store is a fake (cosmicpython's FakeRepository): the service's logic is what these
tests are about, not SQL; tests/integration/test_team_store.py runs the real store on
SQLite and PostgreSQL. Passwords use a cheap stand-in hasher so that the tests stay fast;
one test checks the real argon2 pair."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from buyersync.errors import BadInput, NotFound
from buyersync.services.team import (
    LOCAL,
    AccessPolicy,
    DealScope,
    Passwords,
    Principal,
    SignInRefused,
    TeamService,
    hash_password,
    shell_principal,
    verify_password,
)
from buyersync.store.team import User

HOUR = dt.timedelta(hours=1)


class FakeLimiter:
    def __init__(self, attempts: int = 3) -> None:
        self.attempts = attempts
        self.failures: dict[tuple[str, str], int] = {}

    def blocked(self, ip: str, username: str) -> bool:
        return self.failures.get((ip, username.lower()), 0) >= self.attempts

    def failed(self, ip: str, username: str) -> None:
        key = (ip, username.lower())
        self.failures[key] = self.failures.get(key, 0) + 1

    def succeeded(self, ip: str, username: str) -> None:
        self.failures.pop((ip, username.lower()), None)


class FakeTeamStore:
    """The TeamStore protocol in dictionaries; counts lookups so tests can see laziness."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.sessions: dict[str, str] = {}
        self.audit: list[tuple[str | None, str, str | None, dict[str, Any]]] = []
        self.limiter = FakeLimiter()
        self.lookups = 0
        self._tokens = itertools.count(1)

    def get_user(self, username: str) -> User | None:
        self.lookups += 1
        return self.users.get(username)

    def list_users(self) -> list[User]:
        return list(self.users.values())

    def _end_sessions_of(self, username: str) -> None:
        self.sessions = {k: v for k, v in self.sessions.items() if v != username}

    def save_user(self, username: str, password_hash: str, role: str, team: str | None) -> None:
        if username in self.users:
            self._end_sessions_of(username)
        self.users[username] = User(username, role, team, password_hash, True)

    def set_password(self, username: str, password_hash: str) -> bool:
        user = self.users.get(username)
        if user is None:
            return False
        self.users[username] = User(username, user.role, user.team, password_hash, user.active)
        self._end_sessions_of(username)
        return True

    def deactivate(self, username: str) -> bool:
        user = self.users.get(username)
        if user is None:
            return False
        self.users[username] = User(username, user.role, user.team, user.password_hash, False)
        self._end_sessions_of(username)
        return True

    def team_members(self, team: str) -> set[str]:
        self.lookups += 1
        return {u.username for u in self.users.values() if u.team == team}

    def record(self, username: str | None, action: str, deal_id: str | None = None,
               **detail: Any) -> None:
        self.audit.append((username, action, deal_id, detail))

    def open_session(self, username: str, lifetime: dt.timedelta) -> str:
        token = f"t{next(self._tokens)}"
        self.sessions[token] = username
        return token

    def session_user(self, token: str) -> str | None:
        return self.sessions.get(token)

    def end_session(self, token: str) -> None:
        self.sessions.pop(token, None)


#: a stand-in for argon2 that is obviously not one (the real pair is tested below)
CHEAP = Passwords(hash=lambda p: "h:" + p[::-1],
                  verify=lambda h, p: h is not None and h == "h:" + p[::-1])
PASSWORD = "correct horse"


@pytest.fixture
def store() -> FakeTeamStore:
    return FakeTeamStore()


@pytest.fixture
def team(store: FakeTeamStore) -> TeamService:
    service = TeamService(store, CHEAP)
    for name, role, group in (("alice", "seller", "north"), ("bob", "seller", "south"),
                              ("mona", "manager", "north"), ("sam", "manager", None),
                              ("root", "admin", None)):
        service.add_user(name, PASSWORD, role, group, actor="setup")
    return service


def who(team: TeamService, name: str) -> Principal:
    found = team.principal(name)
    assert found is not None
    return found


# -- accounts ---------------------------------------------------------------------------------

def test_a_user_is_stored_with_a_hash_never_the_password_and_the_addition_is_audited(team, store):
    user = store.users["alice"]
    assert user.password_hash != PASSWORD and CHEAP.verify(user.password_hash, PASSWORD)
    assert ("setup", "user_add", None, {"user": "alice", "role": "seller", "team": "north"}) \
        in store.audit


@pytest.mark.parametrize(("name", "password", "role", "field"), [
    ("", PASSWORD, "seller", "name"),
    ("   ", PASSWORD, "seller", "name"),
    ("x" * 201, PASSWORD, "seller", "name"),
    ("carol", "short", "seller", "password"),
    ("carol", PASSWORD, "owner", "role"),
])
def test_bad_account_input_is_one_bad_input_naming_the_field_and_saves_nothing(
        team, store, name, password, role, field):
    before = dict(store.users)
    with pytest.raises(BadInput) as caught:
        team.add_user(name, password, role)
    assert caught.value.field == field
    english, chinese = str(caught.value), caught.value.render("zh")
    assert "\n" not in english and f"`{field}`" in english and f"`{field}`" in chinese
    assert chinese != english
    assert store.users == before


def test_users_are_listed_by_name_with_removed_ones_marked(team):
    team.remove_user("bob")
    listed = team.users()
    assert [u.username for u in listed] == sorted(u.username for u in listed)
    assert {u.username: u.active for u in listed}["bob"] is False
    assert team.active_user("bob") is None and team.active_user("alice") is not None


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(team, store):
    _, token = team.sign_in("alice", PASSWORD, address="1.2.3.4", lifetime=HOUR)
    assert team.session_principal("alice", token) is not None
    team.set_password("alice", "another password")
    assert team.session_principal("alice", token) is None
    with pytest.raises(SignInRefused):
        team.sign_in("alice", PASSWORD, address="1.2.3.4", lifetime=HOUR)
    assert team.sign_in("alice", "another password", address="1.2.3.4", lifetime=HOUR)


def test_removing_a_user_ends_their_sessions_and_refuses_their_sign_in(team, store):
    _, token = team.sign_in("bob", PASSWORD, address="1.2.3.4", lifetime=HOUR)
    team.remove_user("bob", actor="root")
    assert team.session_principal("bob", token) is None
    assert team.principal("bob") is None
    with pytest.raises(SignInRefused) as refused:
        team.sign_in("bob", PASSWORD, address="1.2.3.4", lifetime=HOUR)
    assert refused.value.reason == "failed"
    assert ("root", "user_remove", None, {"user": "bob"}) in store.audit


def test_changing_or_removing_someone_who_does_not_exist_is_not_found(team):
    with pytest.raises(NotFound):
        team.remove_user("nobody")
    with pytest.raises(NotFound):
        team.set_password("nobody", PASSWORD)


# -- sign-in ----------------------------------------------------------------------------------

def test_signing_in_opens_a_session_for_that_user_only_and_audits_it(team, store):
    person, token = team.sign_in(" alice ", PASSWORD, address="1.2.3.4", lifetime=HOUR)
    assert person == Principal("alice", "seller", "north")
    assert team.session_principal("alice", token) == person
    assert team.session_principal("bob", token) is None  # a cookie naming someone else
    assert store.audit[-1] == ("alice", "signin", None, {"address": "1.2.3.4"})
    team.sign_out(token, "alice")
    assert team.session_principal("alice", token) is None
    assert store.audit[-1][:2] == ("alice", "signout")


def test_wrong_passwords_are_refused_audited_and_then_throttled_per_address(team, store):
    for _ in range(store.limiter.attempts):
        with pytest.raises(SignInRefused) as refused:
            team.sign_in("alice", "wrong password", address="6.6.6.6", lifetime=HOUR)
        assert refused.value.reason == "failed"
    assert [a for a in store.audit if a[1] == "signin_failed"][-1][3] == {"address": "6.6.6.6"}
    with pytest.raises(SignInRefused) as refused:  # even the right password, now
        team.sign_in("alice", PASSWORD, address="6.6.6.6", lifetime=HOUR)
    assert refused.value.reason == "throttled"
    # another address is not held back by this one's failures
    assert team.sign_in("alice", PASSWORD, address="7.7.7.7", lifetime=HOUR)


def test_an_unknown_user_is_refused_like_a_wrong_password(team):
    with pytest.raises(SignInRefused) as refused:
        team.sign_in("mallory", PASSWORD, address="1.2.3.4", lifetime=HOUR)
    assert refused.value.reason == "failed"


def test_the_real_password_pair_accepts_the_password_only():
    hashed = hash_password(PASSWORD)
    assert hashed != PASSWORD and verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "!")
    assert not verify_password(None, PASSWORD)  # no such user: spends the time, says no
    assert not verify_password("not a hash", PASSWORD)


# -- the access policy ------------------------------------------------------------------------

OWNERS = ("alice", "bob", "mona", "sam", "root", "stranger", None)


@pytest.mark.parametrize(("name", "owner", "allowed"), [
    ("root", "bob", True),
    ("alice", "alice", True),
    ("alice", "bob", False),
    ("alice", None, False),
    ("mona", "alice", True),
    ("mona", "bob", False),
    ("mona", None, True),
    ("sam", "alice", False),  # a manager without a team: their own and the unassigned
    ("sam", "sam", True),
    ("sam", None, True),
])
def test_the_access_rules_apply_in_their_documented_order(team, name, owner, allowed):
    assert team.policy(who(team, name)).may_view(owner) is allowed


def test_local_mode_may_do_everything_and_nobody_signed_in_nothing(team):
    for owner in OWNERS:
        assert team.policy(LOCAL).may_edit(owner)
        assert not team.policy(None).may_view(owner)
    assert team.policy(None).deal_scope().nothing
    assert team.policy(LOCAL).deal_scope() == DealScope()


@pytest.mark.parametrize("name", ["alice", "bob", "mona", "sam", "root"])
@pytest.mark.parametrize("asked", [None, "alice", "bob", "stranger"])
def test_a_deal_is_listed_exactly_when_it_may_be_opened(team, name, asked):
    """One rule: the list filter admits a deal if and only if the single-deal check does
    (narrowed to the owner asked for)."""
    policy = team.policy(who(team, name))
    scope = policy.deal_scope(asked)
    for owner in OWNERS:
        expected = policy.may_view(owner) and (asked is None or owner == asked)
        assert scope.admits(owner) is expected, (name, asked, owner)


def test_the_list_filter_is_what_the_deal_listing_takes(team):
    assert team.policy(who(team, "alice")).deal_scope().filters() == {"owner": "alice"}
    assert team.policy(who(team, "alice")).deal_scope("bob").nothing
    assert team.policy(who(team, "mona")).deal_scope().filters() == {
        "owners": ["alice", "mona"], "include_unowned": True}
    assert team.policy(who(team, "root")).deal_scope("bob").filters() == {"owner": "bob"}
    assert team.policy(LOCAL).deal_scope().filters() == {}


def test_a_read_token_may_view_but_never_edit(team):
    reader = Principal("alice", "seller", "north", scope="read", token="t1")
    policy = team.policy(reader)
    assert policy.may_view("alice") and not policy.may_edit("alice")
    assert not policy.may_write


@pytest.mark.parametrize(("name", "pipeline", "administers", "assigns"), [
    ("alice", False, False, False),
    ("mona", True, False, True),
    ("root", True, True, True),
])
def test_roles_decide_the_manager_view_token_administration_and_assigning(
        team, name, pipeline, administers, assigns):
    policy = team.policy(who(team, name))
    assert (policy.sees_pipeline, policy.administers, policy.assigns_owners) == (
        pipeline, administers, assigns)


def test_an_unknown_role_is_treated_as_no_more_than_a_seller(team):
    odd = team.policy(Principal("nobody", "none"))
    assert not odd.sees_pipeline and not odd.administers
    assert odd.deal_scope().filters() == {"owner": "nobody"}
    assert not odd.may_view(None) and not odd.may_view("alice")


def test_the_shell_administers_and_local_mode_sees_the_pipeline():
    shell = AccessPolicy(shell_principal("cli:ops"), None)
    assert shell.administers and shell.sees_pipeline and shell.may_view("anyone")
    assert shell.who is not None and shell.who.username == "cli:ops"


def test_the_policy_looks_a_team_up_only_when_a_question_needs_it_and_once(team, store):
    store.lookups = 0
    seller = team.policy(Principal("alice", "seller", "north"))
    seller.may_view("bob"), seller.deal_scope()
    assert store.lookups == 0
    manager = team.policy(Principal("mona", "manager", "north"))
    for _ in range(3):
        manager.may_view("alice")
        manager.deal_scope()
    assert store.lookups == 2  # alice's team once, the team's members once
