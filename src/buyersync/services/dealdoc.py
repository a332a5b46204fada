"""A saved deal written back as a deal file (YAML or JSON) that `deals import` and
`analyze` read to an equal deal: nothing lost, Chinese kept as is, dates as dates."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml

from buyersync.method.model import Deal


def deal_document(deal: Deal) -> dict[str, Any]:
    """The deal's fields in file order, leaving out what is empty (it reads back the same)."""
    data = deal.model_dump(mode="json", exclude_none=True)
    return {k: v for k, v in data.items() if v not in ([], {})}


#: what the workspace knows of a saved deal besides its fields and analysis
_WORKSPACE_FIELDS = ("created_at", "updated_at", "stage_since", "days_in_stage", "stalled")


def deal_json(view: Any, *, workspace: bool = False) -> dict[str, Any]:
    """A saved deal as every entry point shows it (`deals show --format json`, the
    assistants' get_deal, the API's GET /api/v1/deals/ID): the deal's fields with `id` and
    its `analysis` (CONTRACT). `workspace`: also when it was saved and how long it has been
    in its stage (the API, whose clients keep their copy fresh by them)."""
    data: dict[str, Any] = {**deal_document(view.deal),
                            "analysis": view.analysis.model_dump(mode="json")}
    for name in _WORKSPACE_FIELDS if workspace else ():
        if hasattr(view, name):
            value = getattr(view, name)
            data[name] = value.isoformat() if isinstance(value, dt.datetime | dt.date) else value
    return data


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # long or multi-line texts as block scalars, so that an exported deal stays readable
    style = "|" if "\n" in value and not value.startswith((" ", "\t")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_deal(deal: Deal, fmt: str = "yaml") -> str:
    doc = deal_document(deal)
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    for item in doc.get("evidence", []):
        if "date" in item:
            item["date"] = dt.date.fromisoformat(item["date"])
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
