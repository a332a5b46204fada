"""Personal API tokens (team mode): who owns each, its scope, and only a hash of its secret.

The table joins the workspace's `metadata` and arrives with migration 0006. A token's
secret is random (256 bits), so a plain SHA-256 is enough to make a copied table useless,
and a request finds its token by one indexed lookup (a slow password hash would have to
be tried row by row).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CheckConstraint, Column, Engine, Index, String, Table, insert, select, update

from buyersync.store.tables import UTCDateTime, metadata

SCOPES = ("read", "write")

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", String(32), primary_key=True),
    Column("username", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("scope", String(8), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Column("revoked_by", String(200)),
    CheckConstraint("scope IN ('read', 'write')", name="scope"),
    Index(None, "username"),
)


@dataclass(frozen=True)
class TokenRow:
    id: str
    username: str
    name: str
    scope: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_by: str | None


def _row(row: Any) -> TokenRow:
    return TokenRow(id=row.id, username=row.username, name=row.name, scope=row.scope,
                    created_at=row.created_at, last_used_at=row.last_used_at,
                    revoked_at=row.revoked_at, revoked_by=row.revoked_by)


def add_token(engine: Engine, *, token_id: str, username: str, name: str, scope: str,
              token_hash: str, at: dt.datetime) -> None:
    with engine.begin() as conn:
        conn.execute(insert(api_tokens).values(id=token_id, username=username, name=name,
                                               scope=scope, token_hash=token_hash, created_at=at))


def by_hash(engine: Engine, token_hash: str) -> TokenRow | None:
    with engine.connect() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
    return _row(row) if row else None


def get_token(engine: Engine, token_id: str) -> TokenRow | None:
    with engine.connect() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
    return _row(row) if row else None


def list_tokens(engine: Engine, username: str | None = None) -> list[TokenRow]:
    query = select(api_tokens).order_by(api_tokens.c.created_at.desc())
    if username is not None:
        query = query.where(api_tokens.c.username == username)
    with engine.connect() as conn:
        return [_row(r) for r in conn.execute(query)]


def revoke_token(engine: Engine, token_id: str, by: str, at: dt.datetime) -> bool:
    """Mark a token revoked (kept for the record); False if it was already revoked."""
    with engine.begin() as conn:
        done = conn.execute(update(api_tokens).where(api_tokens.c.id == token_id,
                                                     api_tokens.c.revoked_at.is_(None))
                            .values(revoked_at=at, revoked_by=by))
    return bool(done.rowcount)


def touch(engine: Engine, token_id: str, at: dt.datetime) -> None:
    with engine.begin() as conn:
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at))
