"""Who may see and change which deal, and passwords. (The sign-in rate limit lives in
the database: store/sessions.py.)

Access rules, applied in this order (the first that matches decides):
1. Local mode: the one person at this computer may do everything.
2. Not signed in (team mode): nothing; the API answers 401, pages send to sign-in.
3. An admin may see and change every deal.
4. The deal's owner may see and change it.
5. A manager may see and change the deals owned by members of their team, and deals
   with no owner yet (someone has to assign them).
6. Everyone else: 403.
A request made with a personal API token acts as the token's owner under these rules; a
`read` token may not change anything (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@dataclass(frozen=True)
class Principal:
    username: str
    role: str  # seller | manager | admin
    team: str | None = None
    local: bool = False
    scope: str = "write"  # a session may write; an API token may be read-only
    token: str | None = None  # the API token's id, when the request carried one

    @property
    def may_write(self) -> bool:
        return self.scope == "write"


LOCAL = Principal(username="local", role="admin", local=True)


def may_access(who: Principal | None, owner: str | None,
               team_of: Callable[[str], str | None]) -> bool:
    """The rules above; `team_of(username)` looks up an owner's team only when needed."""
    if who is None:
        return False
    if who.local or who.role == "admin":
        return True
    if owner is not None and owner == who.username:
        return True
    if who.role == "manager":
        return owner is None or (who.team is not None and team_of(owner) == who.team)
    return False


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not a real password, only spends the same time")  # text-ok: never shown: hashed


def verify_password(password_hash: str | None, password: str) -> bool:
    """Checks a password; spends the same time when the user does not exist (no user probing)."""
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
