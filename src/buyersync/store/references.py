"""The team's reference cases (frames of reference, 参照系) and the two queries on them.

The table lives on the workspace's `metadata` and arrives with migration 0005.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Engine, Integer, String, Table, Text, func, insert, select

from buyersync.method.model import ReferenceCase
from buyersync.store.tables import ID, metadata

reference_cases = Table(
    "reference_cases", metadata,
    Column("id", String(ID), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("customer", String(500), nullable=False),
    Column("industry", Text),
    Column("size", Text),
    Column("problem", Text, nullable=False),
    Column("result", Text, nullable=False),
    Column("contact", Text),
)

FIELDS = ("id", "customer", "industry", "size", "problem", "result", "contact")


def add_cases(engine: Engine, cases: Sequence[ReferenceCase]) -> list[str]:
    """Store the cases in one transaction; a case without an id gets one. Returns the ids."""
    with engine.begin() as conn:
        start = conn.execute(select(func.coalesce(func.max(reference_cases.c.position), -1))
                             ).scalar_one() + 1
        rows = []
        for i, case in enumerate(cases):
            data = case.model_dump()
            data["id"] = case.id or uuid.uuid4().hex
            rows.append({**data, "position": start + i})
        if rows:
            conn.execute(insert(reference_cases), rows)
    return [r["id"] for r in rows]


def list_cases(engine: Engine) -> list[ReferenceCase]:
    with engine.connect() as conn:
        result = conn.execute(select(reference_cases).order_by(reference_cases.c.position))
        return [_case(row) for row in result]


def _case(row: Any) -> ReferenceCase:
    m = row._mapping
    return ReferenceCase.model_validate({k: m[k] for k in FIELDS if m[k] is not None})
