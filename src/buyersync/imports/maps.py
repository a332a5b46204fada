"""Column and stage maps for CRM imports: built-in ones for Salesforce, HubSpot and plain
CSV (imports/maps/*.yaml, which document their defaults), and a user's `--map` file laid
over them key by key (a user's `stages` add to the built-in ones)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from buyersync.errors import BadInput, invalid
from buyersync.method.stages import Stage
from buyersync.text import Words

SOURCES = ("salesforce", "hubspot", "csv")
FIELDS = ("id", "name", "customer", "stage", "amount", "currency", "owner", "created",
          "closed", "won", "is_closed", "outcome", "lost_reason", "evidence", "lang",
          "entry_stage", "played")
HISTORY_FIELDS = ("deal_id", "stage", "at")
Target = Literal["problem", "pain", "goal", "requirements", "measures", "solution", "value",
                 "risk", "cost", "won", "lost"]


def norm(name: str) -> str:
    """How column and stage names compare: without case, edge spaces or doubled spaces."""
    return re.sub(r"\s+", " ", name.replace("\ufeff", "")).strip().casefold()


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class HistoryMap(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: dict[Literal["deal_id", "stage", "at"], list[str]] = Field(default_factory=dict)

    @field_validator("columns", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return {k: _as_list(x) for k, x in v.items()} if isinstance(v, dict) else v


class CrmMap(BaseModel):
    """How one CRM's export maps onto deals."""

    model_config = ConfigDict(extra="forbid")
    name: str = "custom"
    id_prefix: str = ""
    columns: dict[Literal[FIELDS], list[str]] = Field(  # type: ignore[valid-type]
        default_factory=dict)
    stages: dict[str, Target | None] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list, description="columns not to report")
    true_values: list[str] = Field(  # text-ok: words to recognise in CRM input
        default_factory=lambda: ["true", "1", "yes", "y", "是"])
    false_values: list[str] = Field(  # text-ok: words to recognise in CRM input
        default_factory=lambda: ["false", "0", "no", "n", "否", ""])
    date_formats: list[str] = Field(default_factory=lambda: [  # text-ok: date formats to parse
        "%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%Y/%m/%d", "%Y/%m/%d %H:%M",
        "%d.%m.%Y", "%Y年%m月%d日"])
    decimal_comma: bool = False
    sheet: str | None = Field(default=None, description="the .xlsx sheet (default: the first)")
    defaults: dict[str, Any] = Field(default_factory=dict,
                                     description="deal fields every imported deal gets")
    history: HistoryMap = Field(default_factory=HistoryMap)

    @field_validator("columns", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return {k: _as_list(x) for k, x in v.items()} if isinstance(v, dict) else v

    @field_validator("stages", mode="before")
    @classmethod
    def _stage_names(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): (x.strip().lower() if isinstance(x, str) else x) for k, x in v.items()}
        return v

    def stage_of(self, crm_stage: str) -> Stage | Literal["won", "lost"] | None | str:
        """The buying stage (or won/lost) of a CRM stage name; the name itself if unmapped."""
        table = {norm(k): v for k, v in self.stages.items()}
        key = norm(crm_stage)
        if key not in table:
            return crm_stage
        value = table[key]
        if value in ("won", "lost") or value is None:
            return value
        return Stage(value)


def _read_yaml(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise BadInput("syntax", where=where, fmt="YAML", line=mark.line + 1 if mark else "?",
                       detail=getattr(e, "problem", None) or Words("detail.invalid_yaml")) from None
    except (ValueError, OverflowError, RecursionError) as e:  # 2026-02-30, 4,300+ digits
        detail = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        raise BadInput("bad_value", where=where, fmt="YAML", detail=detail) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadInput("not_mapping", where=where, got=type(data).__name__)
    return data


def builtin(source: str) -> dict[str, Any]:
    if source not in SOURCES:
        raise BadInput("field", where="from", field="from",
                       detail=Words("detail.one_of", allowed=", ".join(SOURCES), got=repr(source)))
    text = resources.files("buyersync.imports").joinpath("maps", f"{source}.yaml").read_text(
        "utf-8")
    return _read_yaml(text, f"{source}.yaml")


def load_map(source: str, map_file: Path | None = None) -> CrmMap:
    """The built-in map of `source`, with a user's map file laid over it."""
    data = builtin(source)
    where = str(map_file) if map_file else f"{source}.yaml"
    if map_file is not None:
        if not map_file.is_file():
            raise BadInput("not_found", where=where)
        try:
            text = map_file.read_text("utf-8")
        except UnicodeDecodeError:
            raise BadInput("not_utf8", where=where) from None
        except OSError as e:
            raise BadInput("unreadable", where=where, detail=e.strerror or e) from None
        extra = _read_yaml(text, where)
        for key, value in extra.items():
            if key in ("columns", "stages", "defaults") and isinstance(value, dict):
                data[key] = {**data.get(key, {}), **value}
            elif key == "history" and isinstance(value, dict):
                columns = {**data.get("history", {}).get("columns", {}),
                           **(value.get("columns") or {})}
                data["history"] = {**value, "columns": columns}
            else:
                data[key] = value
    try:
        return CrmMap.model_validate(data)
    except ValidationError as e:
        raise invalid(e, where) from None
