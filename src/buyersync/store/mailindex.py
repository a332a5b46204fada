"""What matching mail to deals needs from the workspace: who each deal's contacts are, the
customer's domains, and which Message-IDs are already saved as evidence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from buyersync.store.tables import contacts, deals, evidence

CHUNK = 500


@dataclass
class DealMailKeys:
    """One deal as mail matching sees it."""

    id: str
    open: bool
    updated_at: dt.datetime
    domains: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)


def mail_keys(conn: Connection, only: str | None = None) -> dict[str, DealMailKeys]:
    """Every deal (or the one with id `only`) with its domains and contacts' addresses."""
    query = select(deals.c.id, deals.c.outcome, deals.c.updated_at, deals.c.domains)
    if only is not None:
        query = query.where(deals.c.id == only)
    found = {row.id: DealMailKeys(id=row.id, open=row.outcome == "open", updated_at=row.updated_at,
                                  domains={d.lower() for d in row.domains or []})
             for row in conn.execute(query)}
    people = select(contacts.c.deal_id, contacts.c.email).where(contacts.c.email.is_not(None))
    if only is not None:
        people = people.where(contacts.c.deal_id == only)
    for row in conn.execute(people):
        if row.deal_id in found:
            found[row.deal_id].emails.add(row.email.lower())
    return found


def saved_message_ids(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    """Of these Message-IDs, the ones already saved as evidence, with their deal's id."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), CHUNK):
        batch = wanted[start:start + CHUNK]
        query = select(evidence.c.message_id, evidence.c.deal_id).where(
            evidence.c.message_id.in_(batch))
        found.update({row.message_id: row.deal_id for row in conn.execute(query)})
    return found
