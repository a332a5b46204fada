"""Validation problems as the API's 422 body: FastAPI's `detail` list, plus the first
field by name and one line saying what was wrong with it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fastapi.encoders import jsonable_encoder

from buyersync.errors import problem_of
from buyersync.text import t

_WHERE = ("body", "query", "path", "header", "cookie")


def field_name(loc: Sequence[Any]) -> str:
    """("body", "evidence", 0, "text") → "evidence.0.text"; ("query", "limit") → "limit"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _WHERE:
        parts = parts[1:]
    return ".".join(parts) or "body"


def field_errors(errors: Sequence[Any], prefix: tuple[str, ...] = (), lang: object = "en") -> dict[str, Any]:
    detail: list[dict[str, Any]] = []
    for e in errors:
        item = {k: e[k] for k in ("type", "loc", "msg") if k in e}
        item["loc"] = [_text(p) if isinstance(p, str) else p for p in (*prefix, *e.get("loc", ()))]
        item["msg"] = _text(str(item.get("msg", "")))
        if "input" in e and _shown(e["input"]) is not None:
            item["input"] = _shown(e["input"])
        detail.append(item)
    first = detail[0] if detail else {"loc": ["body"], "msg": t("detail.invalid_input", lang)}
    field = field_name(first["loc"])
    # worded as every other entry point words a validation problem (errors.problem_of)
    raw = {**errors[0], "msg": first["msg"]} if errors else first
    message = t("detail.field_problem", lang, field=field, problem=problem_of(raw).detail)
    return {"detail": jsonable_encoder(detail, custom_encoder={bytes: _bytes}),
            "field": field, "message": message}


def _text(value: str, limit: int = 200) -> str:
    """Text safe to echo: no lone surrogates (not UTF-8), and not more than `limit`."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    return value[:limit] + "…" if len(value) > limit else value


def _shown(value: Any) -> Any:
    """The offending input, echoed only when small and plain: huge bodies, NaN or
    infinity (not JSON) and lone surrogates must not break the 422 answer itself."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**15 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return None


def _bytes(value: bytes) -> str:
    return value.decode("utf-8", "replace")[:200]
