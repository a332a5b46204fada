"""Personal API tokens: made and revoked by their owner (an admin may revoke any), shown
once, kept only as a hash, scoped `read` or `write`, and written to the audit log.

A request that carries `Authorization: Bearer <token>` acts as the token's owner, with
the owner's access rules and, for a `read` token, no writes. A token stops working when it
is revoked or when its owner is removed or deactivated. Who may list or revoke whose
tokens is the access policy's answer (services/team.py: `AccessPolicy.administers`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import Engine

from buyersync.errors import BadInput, NotFound
from buyersync.services.team import AccessPolicy, TeamService
from buyersync.store import tokens as token_store

PREFIX = "bsk_"
#: last use is written at most this often per token (not one write per request)
TOUCH_EVERY = dt.timedelta(minutes=5)

__all__ = ["PREFIX", "NotAllowed", "TokenInfo", "TokenOwner", "issue", "listing", "revoke",
           "verify"]


@dataclass(frozen=True)
class TokenInfo:
    """A token as its owner sees it later (never the secret)."""

    id: str
    username: str
    name: str
    scope: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "username": self.username, "name": self.name, "scope": self.scope,
                "created_at": self.created_at.isoformat(),
                "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}


@dataclass(frozen=True)
class TokenOwner:
    """Who a valid token speaks for."""

    token_id: str
    username: str
    role: str
    team: str | None
    scope: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(row: token_store.TokenRow) -> TokenInfo:
    return TokenInfo(id=row.id, username=row.username, name=row.name, scope=row.scope,
                     created_at=row.created_at, last_used_at=row.last_used_at,
                     revoked_at=row.revoked_at)


def issue(engine: Engine, username: str, name: str, scope: str,
          team: TeamService | None = None) -> tuple[TokenInfo, str]:
    """A new token for an active user; returns it with its secret (shown this once)."""
    if scope not in token_store.SCOPES:
        raise BadInput("token_scope", where="token", field="scope", got=repr(scope))
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise BadInput("token_name", where="token", field="name")
    team = team or TeamService.on(engine)
    if team.active_user(username) is None:
        raise NotFound("user", username)
    secret = PREFIX + secrets.token_urlsafe(32)
    token_id, now = uuid.uuid4().hex, _now()
    token_store.add_token(engine, token_id=token_id, username=username, name=name, scope=scope,
                          token_hash=_hash(secret), at=now)
    team.audit(username, "token_create", None, token=token_id, name=name, scope=scope)
    return TokenInfo(id=token_id, username=username, name=name, scope=scope, created_at=now,
                     last_used_at=None, revoked_at=None), secret


def verify(engine: Engine, secret: str, team: TeamService | None = None) -> TokenOwner | None:
    """The owner of a valid, unrevoked token of an active user; else None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    row = token_store.by_hash(engine, _hash(secret))
    if row is None or row.revoked_at is not None:
        return None
    user = (team or TeamService.on(engine)).active_user(row.username)
    if user is None:
        return None
    now = _now()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        token_store.touch(engine, row.id, now)
    return TokenOwner(token_id=row.id, username=user.username, role=user.role, team=user.team,
                      scope=row.scope)


class NotAllowed(Exception):
    """The policy does not let this person see everyone's tokens."""


def listing(engine: Engine, policy: AccessPolicy, *, everyone: bool = False,
            user: str | None = None) -> list[TokenInfo]:
    """Tokens, newest first, revoked ones included: the policy's person's own; `user`'s;
    or `everyone`'s. Another person's tokens only for whoever administers (else
    NotAllowed)."""
    who = policy.who
    if who is None:
        raise NotAllowed
    wanted = None if everyone else (user if user is not None else who.username)
    if wanted != who.username and not policy.administers:
        raise NotAllowed
    return [_info(r) for r in token_store.list_tokens(engine, wanted)]


def revoke(engine: Engine, token_id: str, policy: AccessPolicy) -> TokenInfo:
    """Revoke a token. Its owner may, and whoever administers may revoke anyone's; to
    anyone else the token does not exist."""
    who = policy.who
    row = token_store.get_token(engine, token_id)
    if who is None or row is None or (row.username != who.username and not policy.administers):
        raise NotFound("token", token_id)
    token_store.revoke_token(engine, token_id, who.username, _now())
    TeamService.on(engine).audit(who.username, "token_revoke", None, token=token_id,
                                 owner=row.username)
    found = token_store.get_token(engine, token_id)
    assert found is not None
    return _info(found)
