"""Team-mode sign-in state kept in the workspace database, so that it holds across
restarts and across several server workers: open sessions (revocable) and recent failed
sign-ins (the rate limit). Tables arrive with migration 0004.

A session's token lives in the signed cookie; the database keeps only its SHA-256, so a
copy of the database cannot be replayed as a session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Callable

from sqlalchemy import Column, Connection, Engine, Index, String, Table, delete, func, insert, select

from buyersync.store.tables import UTCDateTime, metadata

sessions = Table(
    "sessions", metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie's token, hex
    Column("username", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index(None, "username"),
    Index(None, "expires_at"),
)

signin_failures = Table(
    "signin_failures", metadata,
    Column("id", String(32), primary_key=True),
    Column("key", String(64), nullable=False),  # SHA-256 of (address, user name), hex
    Column("at", UTCDateTime, nullable=False),
    Index(None, "key", "at"),
    Index(None, "at"),
)

SESSION_TABLES = (sessions, signin_failures)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


# -- sessions ---------------------------------------------------------------------------------

def open_session(engine: Engine, username: str, lifetime: dt.timedelta) -> str:
    """A new session for `username`; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < now))
        conn.execute(insert(sessions).values(id=_digest(token), username=username,
                                             created_at=now, expires_at=now + lifetime))
    return token


def session_user(engine: Engine, token: str) -> str | None:
    """The user whose live session this token is, or None (ended, expired, unknown)."""
    with engine.connect() as conn:
        row = conn.execute(select(sessions.c.username, sessions.c.expires_at)
                           .where(sessions.c.id == _digest(token))).first()
    if row is None or row.expires_at <= _now():
        return None
    return str(row.username)


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.id == _digest(token)))


def end_sessions_of(conn: Connection, username: str) -> None:
    """End every session of `username`, on the caller's connection (a password change
    does it in its own transaction)."""
    conn.execute(delete(sessions).where(sessions.c.username == username))

# -- failed sign-ins ----------------------------------------------------------------------------

class SignInLimiter:
    """At most `attempts` failed sign-ins per (address, user name) in `window` seconds,
    counted in the database: every worker and every restart sees the same count. A
    success clears it. Only a hash of the pair is stored."""

    def __init__(self, engine: Engine, attempts: int = 5, window: float = 300.0,
                 clock: Callable[[], dt.datetime] = _now) -> None:
        self.engine = engine
        self.attempts = attempts
        self.window = dt.timedelta(seconds=window)
        self.clock = clock

    @staticmethod
    def _key(ip: str, username: str) -> str:
        return _digest(f"{ip}\n{username.lower()}")

    def blocked(self, ip: str, username: str) -> bool:
        since = self.clock() - self.window
        with self.engine.connect() as conn:
            n = conn.execute(select(func.count()).select_from(signin_failures).where(
                signin_failures.c.key == self._key(ip, username),
                signin_failures.c.at > since)).scalar_one()
        return int(n) >= self.attempts

    def failed(self, ip: str, username: str) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(insert(signin_failures).values(
                id=uuid.uuid4().hex, key=self._key(ip, username), at=now))
            # old failures count for nothing: drop them as we go (bounded table)
            conn.execute(delete(signin_failures).where(signin_failures.c.at < now - self.window))

    def succeeded(self, ip: str, username: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(signin_failures).where(
                signin_failures.c.key == self._key(ip, username)))
