"""The deal room's edit forms, read into changes of a Deal.

Each reader takes the deal as stored and the posted form (every field with all its values)
and returns the fields to change. Anything it cannot read raises `Refused` with a ui.yaml
key and its values: one line for the page, and nothing is saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from buyersync.method.model import Deal
from buyersync.method.stages import (
    ActionKind,
    Capability,
    Driver,
    Exchange,
    Outcome,
    Role,
    Stage,
)

Fields = dict[str, list[str]]
Reader = Callable[[Deal, Stage, Fields], dict[str, Any]]

DRIVER_PREFIX = "driver_"
_SEPARATORS = re.compile(r"[,，、;；\n]")
_YES = ("on", "1", "true", "yes")


class Refused(Exception):
    """A form that cannot be saved: `key` names the one-line message in ui.yaml."""

    def __init__(self, message_key: str, **values: str) -> None:
        self.key = message_key
        self.values = values
        super().__init__(message_key)


def _only(fields: Fields, allowed: set[str]) -> None:
    for name in fields:
        if name != "csrf_token" and name not in allowed:
            raise Refused("edit_unknown_field", field=name)


def _one(fields: Fields, name: str, default: str | None = None) -> str | None:
    values = fields.get(name)
    if not values:
        return default
    if len(values) > 1:
        raise Refused("edit_twice", field=name)
    return values[0]


def _choice(kind: Any, name: str, value: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise Refused("edit_bad_value", field=name, value=value[:60]) from None


def _index(fields: Fields, items: list[Any]) -> int:
    raw = (_one(fields, "index") or "").strip()
    if not raw.isdigit() or int(raw) >= len(items):
        raise Refused("edit_bad_index", value=raw[:20])
    return int(raw)


def drivers(deal: Deal, stage: Stage, fields: Fields) -> dict[str, Any]:
    """`driver_<stage>` for each passed stage: who shaped it. Stages not sent keep theirs."""
    passed = stage.before()
    changed = dict(deal.drivers)
    seen = False
    for name in fields:
        if name == "csrf_token":
            continue
        if not name.startswith(DRIVER_PREFIX):
            raise Refused("edit_unknown_field", field=name)
        key = name[len(DRIVER_PREFIX):]
        if key not in {s.value for s in Stage}:
            raise Refused("edit_bad_stage", name=key[:60])
        if Stage(key) not in passed:
            raise Refused("edit_stage_not_passed", name=key)
        changed[Stage(key)] = _choice(Driver, name, _one(fields, name) or "")
        seen = True
    if not seen:
        raise Refused("edit_nothing")
    return {"drivers": changed}


def facts(deal: Deal, stage: Stage, fields: Fields) -> dict[str, Any]:
    """The exchange answer, capabilities (checked ones; none checked = none), competitors
    (separated by commas), outcome and, for a lost deal, why."""
    _only(fields, {"exchange", "capabilities", "competitors", "outcome", "lost_reason"})
    exchange = _one(fields, "exchange", deal.exchange.value if deal.exchange else "")
    capabilities: list[Capability] = []
    for value in fields.get("capabilities", []):
        cap = _choice(Capability, "capabilities", value)
        if cap not in capabilities:
            capabilities.append(cap)
    competitors: list[str] = []
    for part in _SEPARATORS.split(_one(fields, "competitors") or ""):
        name = part.strip()
        if name and name not in competitors:
            competitors.append(name)
    outcome = _choice(Outcome, "outcome", _one(fields, "outcome", deal.outcome.value) or "")
    reason = (_one(fields, "lost_reason") or "").strip()
    return {"exchange": _choice(Exchange, "exchange", exchange) if exchange else None,
            "capabilities": capabilities, "competitors": competitors, "outcome": outcome,
            "lost_reason": (reason or None) if outcome == Outcome.lost else None}


def add_contact(deal: Deal, stage: Stage, fields: Fields) -> dict[str, Any]:
    _only(fields, {"name", "title", "role", "met"})
    name = (_one(fields, "name") or "").strip()
    if not name:
        raise Refused("edit_need_name")
    role = _choice(Role, "role", _one(fields, "role", Role.other.value) or "")
    met = (_one(fields, "met") or "").lower()
    if met and met not in _YES:
        raise Refused("edit_bad_value", field="met", value=met[:60])
    contact = {"name": name, "title": (_one(fields, "title") or "").strip() or None,
               "role": role, "met": bool(met)}
    return {"contacts": [c.model_dump() for c in deal.contacts] + [contact]}


def remove_contact(deal: Deal, stage: Stage, fields: Fields) -> dict[str, Any]:
    _only(fields, {"index", "name"})
    i = _index(fields, deal.contacts)
    name = _one(fields, "name")
    if name is not None and name != deal.contacts[i].name:  # the list changed meanwhile
        raise Refused("edit_stale")
    return {"contacts": [c for n, c in enumerate(deal.contacts) if n != i]}


def add_action(deal: Deal, stage: Stage, fields: Fields) -> dict[str, Any]:
    _only(fields, {"kind", "text"})
    kind = _choice(ActionKind, "kind", _one(fields, "kind", ActionKind.other.value) or "")
    text = (_one(fields, "text") or "").strip()
    if not text:
        raise Refused("edit_need_text")
    action = {"kind": kind, "text": text}
    return {"planned_actions": [a.model_dump() for a in deal.planned_actions] + [action]}


def remove_action(deal: Deal, stage: Stage, fields: Fields) -> dict[str, Any]:
    _only(fields, {"index", "text"})
    i = _index(fields, deal.planned_actions)
    text = _one(fields, "text")
    if text is not None and text != deal.planned_actions[i].text:
        raise Refused("edit_stale")
    return {"planned_actions": [a for n, a in enumerate(deal.planned_actions) if n != i]}


#: form name (also the address under /deals/{id}/) → its reader
READERS: dict[str, Reader] = {
    "drivers": drivers,
    "facts": facts,
    "contacts": add_contact,
    "contacts/remove": remove_contact,
    "actions": add_action,
    "actions/remove": remove_action,
}
