"""Team-mode tables (users, audit log) and the queries on them; `SqlTeamStore` is the
users' repository services/team.py works through (with store/sessions.py's sessions and
sign-in limiter).

They live on the workspace's `metadata` and arrive with migration 0002. Passwords are
stored only as argon2 hashes, made and checked by services/team.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Engine,
    Index,
    String,
    Table,
    insert,
    select,
    true,
    update,
)

from buyersync.store.sessions import SignInLimiter, end_sessions_of, open_session, session_user
from buyersync.store.sessions import end_session as _end_session
from buyersync.store.tables import ID, UTCDateTime, metadata

ROLES = ("seller", "manager", "admin")

users = Table(
    "users", metadata,
    Column("id", String(32), primary_key=True),
    Column("username", String(200), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(16), nullable=False),
    Column("team", String(200)),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('seller', 'manager', 'admin')", name="role"),
    Index(None, "team"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", String(32), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("username", String(200)),
    Column("action", String(32), nullable=False),
    Column("deal_id", String(ID)),
    Column("detail", JSON, nullable=False),
    Index(None, "at"),
    Index(None, "deal_id", "at"),
)

TEAM_TABLES = (users, audit_log)


@dataclass(frozen=True)
class User:
    username: str
    role: str
    team: str | None
    password_hash: str
    active: bool = True


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _user(row: Any) -> User:
    return User(username=row.username, role=row.role, team=row.team,
                password_hash=row.password_hash, active=bool(row.active))


def add_user(engine: Engine, username: str, password_hash: str, role: str,
             team: str | None = None) -> None:
    """Adds a user, or replaces the password, role and team of an existing one."""
    if role not in ROLES:  # services/team.py words it for the user; here it is a bug
        raise ValueError(role)
    with engine.begin() as conn:
        found = conn.execute(select(users.c.id).where(users.c.username == username)).first()
        values = {"password_hash": password_hash, "role": role, "team": team, "active": True}
        if found:
            conn.execute(update(users).where(users.c.id == found.id).values(**values))
            # a new password (or role) ends every session signed in with the old one
            end_sessions_of(conn, username)
        else:
            conn.execute(insert(users).values(id=uuid.uuid4().hex, username=username,
                                              created_at=_now(), **values))


def get_user(engine: Engine, username: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
    return _user(row) if row else None


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(users).order_by(users.c.username))]


def set_password(engine: Engine, username: str, password_hash: str) -> bool:
    """A new password hash; ends the user's sessions. False: no such user."""
    with engine.begin() as conn:
        done = conn.execute(update(users).where(users.c.username == username)
                            .values(password_hash=password_hash)).rowcount
        end_sessions_of(conn, username)
    return bool(done)


def deactivate(engine: Engine, username: str) -> bool:
    """The user may no longer sign in; their sessions end. False: no such user."""
    with engine.begin() as conn:
        done = conn.execute(update(users).where(users.c.username == username)
                            .values(active=False)).rowcount
        end_sessions_of(conn, username)
    return bool(done)


def team_members(engine: Engine, team: str) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(users.c.username).where(users.c.team == team)).all()
    return {r.username for r in rows}


def record(engine: Engine, username: str | None, action: str, deal_id: str | None = None,
           **detail: Any) -> None:
    """One line of the audit log: who did what to which deal, when."""
    with engine.begin() as conn:
        record_on(conn, username, action, deal_id, **detail)


def record_on(conn: Connection, username: str | None, action: str,
              deal_id: str | None = None, **detail: Any) -> None:
    """An audit line in the caller's transaction: it commits with the change it records."""
    conn.execute(insert(audit_log).values(id=uuid.uuid4().hex, at=_now(),
                                          username=username[:200] if username else None,
                                          action=action, deal_id=deal_id, detail=detail))


def audit_entries(engine: Engine, deal_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.at.desc()).limit(limit)
    if deal_id is not None:
        query = query.where(audit_log.c.deal_id == deal_id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


class SqlTeamStore:
    """The users, sessions and failed sign-ins of one workspace database, as
    services/team.py's TeamStore."""

    def __init__(self, engine: Engine, limiter: SignInLimiter | None = None) -> None:
        self.engine = engine
        # kept in the database: the count holds across workers and restarts
        self.limiter = limiter or SignInLimiter(engine)

    def get_user(self, username: str) -> User | None:
        return get_user(self.engine, username)

    def list_users(self) -> list[User]:
        return list_users(self.engine)

    def save_user(self, username: str, password_hash: str, role: str,
                  team: str | None) -> None:
        add_user(self.engine, username, password_hash, role, team)

    def set_password(self, username: str, password_hash: str) -> bool:
        return set_password(self.engine, username, password_hash)

    def deactivate(self, username: str) -> bool:
        return deactivate(self.engine, username)

    def team_members(self, team: str) -> set[str]:
        return team_members(self.engine, team)

    def record(self, username: str | None, action: str, deal_id: str | None = None,
               **detail: Any) -> None:
        record(self.engine, username, action, deal_id, **detail)

    def open_session(self, username: str, lifetime: dt.timedelta) -> str:
        return open_session(self.engine, username, lifetime)

    def session_user(self, token: str) -> str | None:
        return session_user(self.engine, token)

    def end_session(self, token: str) -> None:
        _end_session(self.engine, token)
