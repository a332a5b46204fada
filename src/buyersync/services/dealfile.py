"""Reading a deal from a YAML or JSON file (or text) into a validated Deal, or a BadInput."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

from buyersync.errors import BadInput, invalid
from buyersync.method.model import Deal
from buyersync.text import Words

MAX_FILE_BYTES = 10 * 1024 * 1024
#: nodes a YAML document may hold once its aliases are expanded (a deal file has
#: thousands; a "billion laughs" document has billions)
MAX_YAML_NODES = 1_000_000
#: how deep a deal file may nest (a deal is 4 levels deep)
MAX_DEPTH = 64



def _yaml() -> tuple[Any, Any]:
    """PyYAML and its fastest safe loader, imported for YAML only: a JSON deal file (what a
    script or a CRM export writes) starts without it."""
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
            info = p.stat()
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(info.st_mode):
                # a FIFO or a device would block or never end: '-' reads standard input
                raise BadInput("not_regular", where=where)
            size = info.st_size
            if size > MAX_FILE_BYTES:
                raise BadInput("too_large", where=where, size=size, limit=MAX_FILE_BYTES)
            raw = p.read_bytes()
        except IsADirectoryError:
            raise BadInput("unreadable", where=where, detail=Words("detail.is_folder")) from None
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
            return loads_json(text)
        except json.JSONDecodeError as e:
            if where.endswith(".json"):
                raise BadInput("syntax", where=where, fmt="JSON", line=e.lineno,
                               detail=e.msg) from None
        except ValueError as e:  # an integer of more than 4,300 digits, nesting too deep
            if where.endswith(".json"):
                raise bad_value(e, where, "JSON") from None
    yaml, loader = _yaml()
    try:
        _check_yaml_size(text)
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        detail = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise BadInput("syntax", where=where, fmt="YAML", line=line, detail=detail) from None
    except (ValueError, OverflowError, RecursionError) as e:
        # a value the constructor cannot build: 2026-02-30 (no such day), an integer of
        # more than 4,300 digits, nesting deeper than Python's stack
        raise bad_value(e, where, "YAML") from None


class ValueProblem(ValueError):
    """A value a parser read but cannot be built; `key` names its message in
    text/errors.yaml (with `values` for its placeholders)."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(key)


def bad_value(error: BaseException, where: str, fmt: str) -> BadInput:
    """A parser's value error as one line: what kind of value, never the value itself."""
    if isinstance(error, ValueProblem):
        return BadInput(error.key, where=where, fmt=fmt, **error.values)
    text = str(error).splitlines()[0] if str(error) else ""
    if "digits" in text:  # int(): "Exceeds the limit (4300 digits) for integer string …"
        return BadInput("value_digits", where=where, fmt=fmt)
    if isinstance(error, RecursionError):
        return BadInput("value_deep", where=where, fmt=fmt)
    if any(word in text for word in ("day", "month", "year")):
        return BadInput("value_date", where=where, fmt=fmt, detail=text[:80])
    return BadInput("bad_value", where=where, fmt=fmt, detail=text[:120] or type(error).__name__)


def loads_json(text: str) -> Any:
    """json.loads, with nesting too deep for the decoder (RecursionError) as a ValueError
    like any other bad value."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueProblem("value_deep") from None


def _check_yaml_size(text: str) -> None:
    """Refuse a document that nests too deep or whose aliases expand to more than
    MAX_YAML_NODES nodes (a "billion laughs"), from the parser's events, before
    anything is built."""
    yaml, loader = _yaml()
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[None, 0]]  # [anchor, nodes so far]
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor or "", 1)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            stack.append([event.anchor, 1])
            if len(stack) > MAX_DEPTH:
                raise ValueProblem("value_deep")
            continue
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            anchor, size = stack.pop()
            if anchor:
                sizes[anchor] = size
        else:
            continue
        stack[-1][1] += size
        if stack[-1][1] > MAX_YAML_NODES:
            raise ValueProblem("value_aliases", limit=f"{MAX_YAML_NODES:,}")


def deal_from_data(data: Any, where: str) -> Deal:
    if not isinstance(data, dict):
        got = "nothing" if data is None else type(data).__name__
        raise BadInput("not_mapping", where=where, got=got)
    try:
        deal = Deal.model_validate(data)
    except ValueError as e:  # pydantic's ValidationError (imported only once pydantic is)
        from pydantic import ValidationError

        if not isinstance(e, ValidationError):
            raise
        raise invalid(e, where) from None
    return check_history(deal, where)


def check_history(deal: Deal, where: str) -> Deal:
    """What the model alone cannot check: a deal does not close before it opened."""
    if deal.opened is not None and deal.closed is not None and deal.closed < deal.opened:
        raise BadInput("closed_before_opened", where=where, field="closed",
                       opened=deal.opened.isoformat(), closed=deal.closed.isoformat())
    return deal
