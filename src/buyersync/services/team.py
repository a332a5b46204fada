"""Users, sign-in and access: the one door the web, the API, the MCP server and the CLI
go through for accounts, and the one place the access rule is written.

`TeamService` adds, lists and removes users, sets passwords (hashed here, argon2: no entry
point ever sees a hash), signs people in and out and audits it. `AccessPolicy`, built for
one signed-in person (`TeamService.policy(who)`), answers every access question: may they
see or change this deal (its owner given), which deals may they list (a `DealScope`, the
filter the deal listing applies in its query), may they see the team's pipeline, may they
administer (everyone's tokens). The single-deal answer and the list filter come from the
same rule, so a deal a person can open is exactly a deal they can list.

Access rules, applied in this order (the first that matches decides):
1. Local mode: the one person at this computer may do everything.
2. Not signed in (team mode): nothing.
3. An admin may see and change every deal.
4. The deal's owner may see and change it.
5. A manager may see and change the deals owned by members of their team, and deals
   with no owner yet (someone has to assign them).
6. Everyone else: nothing.
A request made with a personal API token acts as the token's owner under these rules; a
`read` token may not change anything.

The service works on a `TeamStore` (store/team.py's `SqlTeamStore` on the workspace
database; an in-memory one in the unit tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

from buyersync.errors import BadInput, NotFound
from buyersync.store.team import ROLES

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from buyersync.store.team import User

__all__ = ["LOCAL", "MIN_PASSWORD", "ROLES", "AccessPolicy", "DealScope", "Principal",
           "SignInRefused", "TeamService", "TeamStore", "check_user_name", "hash_password",
           "shell_principal",
           "verify_password"]

MIN_PASSWORD = 8
MAX_NAME = 200


def check_user_name(username: str) -> str:
    """The name, stripped; a BadInput unless it has 1 to 200 characters."""
    name = username.strip()
    if not name or len(name) > MAX_NAME:
        raise BadInput("user_name", where="user", field="name")
    return name


# -- who is asking ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Principal:
    """The person a request (or a command) acts for."""

    username: str
    role: str  # seller | manager | admin
    team: str | None = None
    local: bool = False
    scope: str = "write"  # a session may write; an API token may be read-only
    token: str | None = None  # the API token's id, when the request carried one

    @property
    def may_write(self) -> bool:
        return self.scope == "write"


#: local mode: the one person at this computer
LOCAL = Principal(username="local", role="admin", local=True)


def shell_principal(actor: str) -> Principal:
    """Whoever runs commands on the server's shell: they administer the workspace (as
    with `users add`); `actor` is the name the audit log gives them."""
    return Principal(username=actor, role="admin", local=True)


# -- where users live -------------------------------------------------------------------------

class SignInLimits(Protocol):
    """Failed sign-ins per (address, user name): store/sessions.py's SignInLimiter."""

    def blocked(self, ip: str, username: str) -> bool: ...
    def failed(self, ip: str, username: str) -> None: ...
    def succeeded(self, ip: str, username: str) -> None: ...


class TeamStore(Protocol):
    """What the service needs of the users' storage (store/team.py: SqlTeamStore)."""

    @property
    def limiter(self) -> SignInLimits: ...

    def get_user(self, username: str) -> User | None: ...
    def list_users(self) -> list[User]: ...
    def save_user(self, username: str, password_hash: str, role: str,
                  team: str | None) -> None:
        """Add a user, or replace an existing one's password, role and team (and end
        every session they have open)."""
    def set_password(self, username: str, password_hash: str) -> bool:
        """A new password (ends their sessions); False when there is no such user."""
    def deactivate(self, username: str) -> bool:
        """Sign a user out for good (ends their sessions); False when there is none."""
    def team_members(self, team: str) -> set[str]: ...
    def record(self, username: str | None, action: str, deal_id: str | None = None,
               **detail: Any) -> None: ...
    def open_session(self, username: str, lifetime: dt.timedelta) -> str: ...
    def session_user(self, token: str) -> str | None: ...
    def end_session(self, token: str) -> None: ...


# -- passwords --------------------------------------------------------------------------------

@cache
def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2 hash of `password` (the only form a password is ever stored in)."""
    return str(_hasher().hash(password))


@cache
def _dummy_hash() -> str:
    return hash_password("not a real password, only spends the same time")  # text-ok: never shown: hashed


def verify_password(password_hash: str | None, password: str) -> bool:
    """Checks a password; spends the same time when the user does not exist (no user probing)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(password_hash or _dummy_hash(), password)) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Passwords:
    """How passwords are hashed and checked (argon2; unit tests may pass a cheaper pair)."""

    hash: Callable[[str], str] = hash_password
    verify: Callable[[str | None, str], bool] = verify_password


# -- access -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DealScope:
    """The deals a person may list, as filters of the deal listing (DealService.list):
    `owner` (one owner), `owners` (a team's members) with `include_unowned`. `nothing`:
    no deal at all (a seller asking for someone else's)."""

    owner: str | None = None
    owners: tuple[str, ...] | None = None
    include_unowned: bool = False
    nothing: bool = False

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for DealService.list (call it only when not `nothing`)."""
        found: dict[str, Any] = {}
        if self.owner is not None:
            found["owner"] = self.owner
        if self.owners is not None:
            found.update(owners=list(self.owners), include_unowned=self.include_unowned)
        return found

    def admits(self, owner: str | None) -> bool:
        """Whether a deal with this owner is in the scope (what the query does, in Python)."""
        if self.nothing:
            return False
        if self.owner is not None and owner != self.owner:
            return False
        if self.owners is not None:
            return owner in self.owners or (owner is None and self.include_unowned)
        return True


class AccessPolicy:
    """The access rules (module docstring) for one person. Team lookups happen only when
    a question needs them, at most once per policy."""

    def __init__(self, who: Principal | None, store: TeamStore | None) -> None:
        self.who = who
        self._store = store
        self._members: frozenset[str] | None = None
        self._teams: dict[str, str | None] = {}

    # -- the person -----------------------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.who is not None

    @property
    def sees_everything(self) -> bool:
        """Local mode or an admin: every deal, every token."""
        return self.who is not None and (self.who.local or self.who.role == "admin")

    @property
    def administers(self) -> bool:
        """May list and revoke everyone's API tokens."""
        return self.sees_everything

    @property
    def sees_pipeline(self) -> bool:
        """May open the manager's view (the team's funnel and forecast)."""
        return self.sees_everything or (self.who is not None and self.who.role == "manager")

    @property
    def may_write(self) -> bool:
        """Not a read-only API token."""
        return self.who is not None and self.who.may_write

    @property
    def assigns_owners(self) -> bool:
        """May save a deal under someone else's name (a seller owns what they save)."""
        return self.sees_everything or (self.who is not None and self.who.role == "manager")

    # -- one deal -------------------------------------------------------------------------

    def may_view(self, owner: str | None) -> bool:
        who = self.who
        if who is None:
            return False
        if self.sees_everything:
            return True
        if owner is not None and owner == who.username:
            return True
        if who.role == "manager":
            return owner is None or (who.team is not None and self._team_of(owner) == who.team)
        return False

    def may_edit(self, owner: str | None) -> bool:
        return self.may_write and self.may_view(owner)

    # -- lists ----------------------------------------------------------------------------

    def deal_scope(self, owner: str | None = None) -> DealScope:
        """The deals this person may list, narrowed to `owner` when one is asked for."""
        who = self.who
        if who is None:
            return DealScope(nothing=True)
        if self.sees_everything:
            return DealScope(owner=owner)
        if who.role == "manager":
            return DealScope(owner=owner, owners=tuple(sorted(self.members())),
                             include_unowned=True)
        if owner is not None and owner != who.username:  # a seller: their own deals only
            return DealScope(nothing=True)
        return DealScope(owner=who.username)

    def members(self) -> frozenset[str]:
        """The user names of this person's team (only themselves without a team)."""
        if self._members is None:
            who = self.who
            if who is None:
                self._members = frozenset()
            elif who.team is None or self._store is None:
                self._members = frozenset({who.username})
            else:
                self._members = frozenset(self._store.team_members(who.team) | {who.username})
        return self._members

    def _team_of(self, username: str) -> str | None:
        if username not in self._teams:
            user = self._store.get_user(username) if self._store is not None else None
            self._teams[username] = user.team if user is not None else None
        return self._teams[username]


# -- the service ------------------------------------------------------------------------------

class SignInRefused(Exception):
    """A sign-in that did not succeed: `reason` is `failed` (unknown user, wrong password,
    removed user) or `throttled` (too many failures from this address lately)."""

    def __init__(self, reason: Literal["failed", "throttled"]) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass
class TeamService:
    """Accounts, sign-in and access over a TeamStore."""

    store: TeamStore
    passwords: Passwords = field(default_factory=Passwords)

    @classmethod
    def on(cls, engine: Engine) -> TeamService:
        """The service on a workspace database."""
        from buyersync.store.team import SqlTeamStore

        return cls(SqlTeamStore(engine))

    # -- accounts -------------------------------------------------------------------------

    def _checked(self, username: str, password: str | None, role: str | None) -> str:
        name = check_user_name(username)
        if password is not None and len(password) < MIN_PASSWORD:
            raise BadInput("user_password", where="user", field="password", n=MIN_PASSWORD)
        if role is not None and role not in ROLES:
            raise BadInput("user_role", where="user", field="role", got=repr(role))
        return name

    def add_user(self, username: str, password: str, role: str = "seller",
                 team: str | None = None, *, actor: str | None = None) -> User:
        """Add a user, or reset an existing user's password, role and team (which ends
        their open sessions). Returns the user as saved."""
        name = self._checked(username, password, role)
        team = (team or "").strip() or None
        if team is not None and len(team) > MAX_NAME:
            raise BadInput("user_team", where="user", field="team")
        self.store.save_user(name, self.passwords.hash(password), role, team)
        self.store.record(actor, "user_add", None, user=name, role=role, team=team)
        user = self.store.get_user(name)
        assert user is not None
        return user

    def set_password(self, username: str, password: str, *, actor: str | None = None) -> None:
        """A new password; every session signed in with the old one ends."""
        name = self._checked(username, password, None)
        if not self.store.set_password(name, self.passwords.hash(password)):
            raise NotFound("user", name)
        self.store.record(actor, "user_password", None, user=name)

    def remove_user(self, username: str, *, actor: str | None = None) -> None:
        """Take a user's access away at once: sessions end, tokens stop working, sign-in
        fails. Their deals, history and audit lines stay (adding them again restores them)."""
        name = username.strip()
        if not self.store.deactivate(name):
            raise NotFound("user", name)
        self.store.record(actor, "user_remove", None, user=name)

    def users(self) -> list[User]:
        """Every account, active or removed, by name."""
        return sorted(self.store.list_users(), key=lambda u: u.username)

    def active_user(self, username: str) -> User | None:
        """The user by this name if they may sign in (exists and not removed)."""
        user = self.store.get_user(username)
        return user if user is not None and user.active else None

    def principal(self, username: str, *, scope: str = "write",
                  token: str | None = None) -> Principal | None:
        """The Principal of an active user (None: no such user, or removed)."""
        user = self.active_user(username)
        if user is None:
            return None
        return Principal(username=user.username, role=user.role, team=user.team,
                         scope=scope, token=token)

    # -- sign-in --------------------------------------------------------------------------

    def sign_in(self, username: str, password: str, *, address: str,
                lifetime: dt.timedelta) -> tuple[Principal, str]:
        """Check a password and open a session; returns who signed in and the session's
        token. Raises SignInRefused (and audits the failure)."""
        name = username.strip()
        limits = self.store.limiter
        if limits.blocked(address, name):
            raise SignInRefused("throttled")
        user = self.store.get_user(name) if name else None
        # verify even when there is no such user, so the answer takes as long either way
        ok = self.passwords.verify(user.password_hash if user else None, password)
        if not ok or user is None or not user.active:
            limits.failed(address, name)
            self.store.record(name[:MAX_NAME] or None, "signin_failed", None, address=address)
            raise SignInRefused("failed")
        limits.succeeded(address, name)
        token = self.store.open_session(user.username, lifetime)
        self.store.record(user.username, "signin", None, address=address)
        return Principal(username=user.username, role=user.role, team=user.team), token

    def session_principal(self, username: str, token: str) -> Principal | None:
        """Who a session cookie speaks for: its session must still be open (sign-out and a
        new password end it, whoever kept a copy of the cookie) and its user active."""
        if self.store.session_user(token) != username:
            return None
        return self.principal(username)

    def end_session(self, token: str) -> None:
        self.store.end_session(token)

    def sign_out(self, token: str | None, username: str | None) -> None:
        if token is not None:
            self.store.end_session(token)
        if username is not None:
            self.store.record(username, "signout")

    # -- access ---------------------------------------------------------------------------

    def policy(self, who: Principal | None) -> AccessPolicy:
        """The access rules for `who` (None: not signed in)."""
        return AccessPolicy(who, self.store)

    def audit(self, who: Principal | str | None, action: str, deal_id: str | None = None,
              **detail: Any) -> None:
        name = who.username if isinstance(who, Principal) else who
        self.store.record(name, action, deal_id, **detail)


def local_policy() -> AccessPolicy:
    """The policy of the person at this computer (local mode, the CLI): everything."""
    return AccessPolicy(LOCAL, None)

