"""Reading a deal from a YAML or JSON file (or text) into a validated Deal, or a BadInput."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from buyersync.errors import BadInput
from buyersync.method.model import Deal

MAX_FILE_BYTES = 10 * 1024 * 1024

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


def read_deal_file(path: str) -> Deal:
    """`path` is a file name or '-' for standard input."""
    where = "<stdin>" if path == "-" else path
    if path == "-":
        raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    else:
        p = Path(path)
        if not p.exists():
            raise BadInput("not_found", where=where)
        try:
            size = p.stat().st_size
            if size > MAX_FILE_BYTES:
                raise BadInput("too_large", where=where, size=size, limit=MAX_FILE_BYTES)
            raw = p.read_bytes()
        except IsADirectoryError:
            raise BadInput("unreadable", where=where, detail="it is a folder") from None
        except OSError as e:
            raise BadInput("unreadable", where=where, detail=e.strerror or e) from None
    if len(raw) > MAX_FILE_BYTES:
        raise BadInput("too_large", where=where, size=len(raw), limit=MAX_FILE_BYTES)
    return parse_deal_bytes(raw, where)


def parse_deal_bytes(raw: bytes, where: str) -> Deal:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput("binary", where=where) from None
    if "\x00" in text:
        raise BadInput("binary", where=where)
    if not text.strip():
        raise BadInput("empty", where=where)
    return deal_from_data(_parse(text, where), where)


def _parse(text: str, where: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")) or where.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            if where.endswith(".json"):
                raise BadInput("syntax", where=where, fmt="JSON", line=e.lineno,
                               detail=e.msg) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        detail = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise BadInput("syntax", where=where, fmt="YAML", line=line, detail=detail) from None


def deal_from_data(data: Any, where: str) -> Deal:
    if not isinstance(data, dict):
        got = "nothing" if data is None else type(data).__name__
        raise BadInput("not_mapping", where=where, got=got)
    try:
        deal = Deal.model_validate(data)
    except ValidationError as e:
        raise bad_input_from(e, where) from None
    return check_history(deal, where)


def bad_input_from(error: ValidationError, where: str) -> BadInput:
    """The first validation error as one line naming the field and what was expected."""
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "(deal)"
    detail = first["msg"]
    if first["type"] == "extra_forbidden":
        detail = "unknown field"
    elif "input" in first and first["type"] not in ("missing",):
        shown = repr(first["input"])
        detail = f"{detail}; got {shown[:60]}"
    return BadInput("field", where=where, field=field, detail=detail)


def check_history(deal: Deal, where: str) -> Deal:
    """What the model alone cannot check: a deal does not close before it opened."""
    if deal.opened is not None and deal.closed is not None and deal.closed < deal.opened:
        raise BadInput("closed_before_opened", where=where, field="closed",
                       opened=deal.opened.isoformat(), closed=deal.closed.isoformat())
    return deal
