"""Who may see and change which deal, passwords, and the sign-in rate limit.

Access rules, applied in this order (the first that matches decides):
1. Local mode: the one person at this computer may do everything.
2. Not signed in (team mode): nothing; the API answers 401, pages send to sign-in.
3. An admin may see and change every deal.
4. The deal's owner may see and change it.
5. A manager may see and change the deals owned by members of their team, and deals
   with no owner yet (someone has to assign them).
6. Everyone else: 403.
"""

from __future__ import annotations

import threading
import time
from collections import deque
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


class SignInLimiter:
    """At most `attempts` failed sign-ins per (IP, user name) in `window` seconds, in memory.

    Kept per process: enough for one server of a small team; a success clears the count.
    """

    def __init__(self, attempts: int = 5, window: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.window = window
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        now = self.clock()
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, ip: str, username: str) -> bool:
        with self._lock:
            return len(self._recent((ip, username.lower()))) >= self.attempts

    def failed(self, ip: str, username: str) -> None:
        with self._lock:
            self._recent((ip, username.lower())).append(self.clock())
            if len(self._failures) > 10_000:  # bound memory under a spray of names
                for key in [k for k, q in self._failures.items() if not q]:
                    del self._failures[key]

    def succeeded(self, ip: str, username: str) -> None:
        with self._lock:
            self._failures.pop((ip, username.lower()), None)
