"""Validation problems as the API's 422 body: FastAPI's `detail` list, plus the first
field by name and one line saying what was wrong with it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.encoders import jsonable_encoder

_WHERE = ("body", "query", "path", "header", "cookie")


def field_name(loc: Sequence[Any]) -> str:
    """("body", "evidence", 0, "text") → "evidence.0.text"; ("query", "limit") → "limit"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _WHERE:
        parts = parts[1:]
    return ".".join(parts) or "body"


def field_errors(errors: Sequence[Any], prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    detail: list[dict[str, Any]] = []
    for e in errors:
        item = {k: e[k] for k in ("type", "loc", "msg", "input") if k in e}
        item["loc"] = [*prefix, *item.get("loc", ())]
        # huge inputs (a 100 kB text) must not be echoed back whole
        if isinstance(item.get("input"), str) and len(item["input"]) > 200:
            item["input"] = item["input"][:200] + "…"
        detail.append(item)
    first = detail[0] if detail else {"loc": ["body"], "msg": "invalid input"}
    field = field_name(first["loc"])
    if first.get("type") == "extra_forbidden":
        message = f"{field}: unknown field"
    elif first.get("type") == "missing":
        message = f"{field}: required"
    else:
        message = f"{field}: {first['msg']}"
    return {"detail": jsonable_encoder(detail, custom_encoder={bytes: _bytes}),
            "field": field, "message": message}


def _bytes(value: bytes) -> str:
    return value.decode("utf-8", "replace")[:200]
