"""The machinery of the method's models: plain dataclasses that pydantic validates.

The models of `method/model.py` are standard-library dataclasses whose fields carry their
rules as `Annotated` markers (`Limit`, `After`, `Before`, `Describe`). pydantic reads the
markers through its `__get_pydantic_core_schema__` protocol and validates, dumps and
publishes JSON Schemas exactly as it would for its own models; the web app, the store and
the assistants use it so.

A command that reads one deal file does not need pydantic's machinery, and importing it is
most of such a command's start-up. So, while pydantic is not imported yet, `model_validate`
and `model_dump` run a plain-Python twin of pydantic's work driven by the same markers:
it accepts only input it can vouch for (the exact types a YAML or JSON file gives) and
hands anything else to pydantic, so errors are always pydantic's own. Tests hold the twin
equal to pydantic on every deal and analysis the project has and on mutated ones.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import enum
import math
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Literal, Self, get_args, get_origin

_LIMIT_KEYS = frozenset({"min_length", "max_length", "ge", "allow_inf_nan", "pattern"})


class Limit:
    """Constraints pydantic applies to the inner value (its `Field(max_length=…)` and kin):
    `min_length`, `max_length` (characters of a string, items of a list), `ge`,
    `allow_inf_nan`, `pattern`."""

    __slots__ = ("rules",)

    def __init__(self, **rules: Any) -> None:
        unknown = set(rules) - _LIMIT_KEYS
        if unknown:
            raise TypeError(f"unknown limit: {sorted(unknown)}")
        self.rules = rules

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return {**handler(source), **self.rules}


class After:
    """A function run on the value once it is valid (pydantic's `AfterValidator`)."""

    __slots__ = ("func",)

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.func, handler(source))


class Before:
    """A function run on the raw value before it is validated (`BeforeValidator`)."""

    __slots__ = ("func",)

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_before_validator_function(self.func, handler(source))


class Describe:
    """A field's description in the published JSON Schema."""

    __slots__ = ("text",)

    def __init__(self, description: str) -> None:
        self.text = description

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        return {**handler(schema), "description": self.text}


class Doubt(Exception):
    """The plain validator cannot vouch for a value: pydantic decides."""


Check = Callable[[Any], Any]


def _doubt(value: Any) -> Any:
    raise Doubt


def _check_str(value: Any) -> Any:
    if type(value) is not str:
        raise Doubt
    return value


def _check_bool(value: Any) -> Any:
    if type(value) is not bool:
        raise Doubt
    return value


def _check_int(value: Any) -> Any:
    if type(value) is not int:
        raise Doubt
    return value


def _check_float(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return float(value)
    raise Doubt


def _check_date(value: Any) -> Any:
    if type(value) is not dt.date:
        raise Doubt
    return value


def _enum_check(kind: type[enum.Enum]) -> Check:
    members = kind._value2member_map_

    def check(value: Any) -> Any:
        if isinstance(value, kind):
            return value
        if type(value) is str:
            member = members.get(value)
            if member is not None:
                return member
        raise Doubt

    return check


def _literal_check(allowed: tuple[Any, ...]) -> Check:
    if not all(type(a) is str for a in allowed):
        raise TypeError("only string literals are supported")
    values = frozenset(allowed)

    def check(value: Any) -> Any:
        if type(value) is str and value in values:
            return value
        raise Doubt

    return check


def _optional_check(inner: Check) -> Check:
    def check(value: Any) -> Any:
        return None if value is None else inner(value)

    return check


def _list_check(item: Check) -> Check:
    def check(value: Any) -> Any:
        if type(value) is not list:
            raise Doubt
        return [item(v) for v in value]

    return check


def _dict_check(key: Check, item: Check) -> Check:
    def check(value: Any) -> Any:
        if type(value) is not dict:
            raise Doubt
        return {key(k): item(v) for k, v in value.items()}

    return check


def _model_check(kind: type[Model]) -> Check:
    def check(value: Any) -> Any:
        if isinstance(value, kind):
            return value
        if type(value) is not dict:
            raise Doubt
        return plain_validate(kind, value)

    return check


def _plain_text(value: str) -> bool:
    """Printable ASCII or ordinary white space: where Python's regular expressions and
    pydantic's (Rust's) agree on every character class the models use."""
    return value.isascii() and all(" " <= c <= "~" or c in "\t\n\r\x0b\x0c" for c in value)


def _limit_check(inner: Check, rules: dict[str, Any]) -> Check:
    low = rules.get("min_length")
    high = rules.get("max_length")
    ge = rules.get("ge")
    finite = rules.get("allow_inf_nan") is False
    pattern = re.compile(rules["pattern"]) if "pattern" in rules else None

    def check(value: Any) -> Any:
        value = inner(value)
        if low is not None and len(value) < low:
            raise Doubt
        if high is not None and len(value) > high:
            raise Doubt
        if finite and not math.isfinite(value):
            raise Doubt
        if ge is not None and not value >= ge:
            raise Doubt
        if pattern is not None:
            if not _plain_text(value):
                raise Doubt
            found = pattern.search(value)
            if found is None or found.end() != len(value):
                raise Doubt
        return value

    return check


def _wrap(inner: Check, before: list[Callable[[Any], Any]],
          after: list[Callable[[Any], Any]]) -> Check:
    if not before and not after:
        return inner

    def check(value: Any) -> Any:
        try:
            for func in before:
                value = func(value)
        except Exception:  # pydantic words what the function refused
            raise Doubt from None
        value = inner(value)
        try:
            for func in after:
                value = func(value)
        except Exception:
            raise Doubt from None
        return value

    return check


def _compile(hint: Any) -> Check:
    origin = get_origin(hint)
    if origin is typing.Annotated:
        base, *meta = get_args(hint)
        check = _compile(base)
        before: list[Callable[[Any], Any]] = []
        after: list[Callable[[Any], Any]] = []
        rules: dict[str, Any] = {}
        for mark in meta:
            if isinstance(mark, Limit):
                if after:
                    raise TypeError("a Limit must come before any After")
                rules.update(mark.rules)
            elif isinstance(mark, After):
                after.append(mark.func)
            elif isinstance(mark, Before):
                before.append(mark.func)
            elif not isinstance(mark, Describe):
                raise TypeError(f"unknown marker {mark!r}")
        if rules:
            check = _limit_check(check, rules)
        return _wrap(check, before, after)
    if origin in (typing.Union, types.UnionType):
        args = get_args(hint)
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1 or len(args) != 2:
            raise TypeError(f"unsupported union {hint!r}")
        return _optional_check(_compile(rest[0]))
    if origin is list:
        return _list_check(_compile(get_args(hint)[0]))
    if origin is dict:
        key, item = get_args(hint)
        return _dict_check(_compile(key), _compile(item))
    if origin is Literal:
        return _literal_check(get_args(hint))
    if isinstance(hint, type):
        if issubclass(hint, enum.Enum):
            return _enum_check(hint)
        if issubclass(hint, Model):
            return _model_check(hint)
        simple = {str: _check_str, bool: _check_bool, int: _check_int, float: _check_float,
                  dt.date: _check_date}
        if hint in simple:
            return simple[hint]
    raise TypeError(f"unsupported field type {hint!r}")


class _Field(typing.NamedTuple):
    name: str
    check: Check
    required: bool
    default: Any
    factory: Callable[[], Any] | None


_PLANS: dict[type, tuple[dict[str, _Field], tuple[_Field, ...]]] = {}


def _hints(kind: type) -> dict[str, Any]:
    """The field annotations of `kind` and its bases, as objects. A module that writes its
    annotations as objects (no `from __future__ import annotations`) is read directly;
    `typing.get_type_hints` evaluates strings, which costs a start-up ~10 ms."""
    merged: dict[str, Any] = {}
    for base in reversed(kind.__mro__):
        merged.update(base.__dict__.get("__annotations__", {}))
    if any(isinstance(v, str) for v in merged.values()):
        return typing.get_type_hints(kind, include_extras=True)
    return merged


def _plan(kind: type[Model]) -> tuple[dict[str, _Field], tuple[_Field, ...]]:
    plan = _PLANS.get(kind)
    if plan is None:
        hints = _hints(kind)
        fields = []
        for f in dataclasses.fields(typing.cast(Any, kind)):
            factory = None if f.default_factory is dataclasses.MISSING else f.default_factory
            required = f.default is dataclasses.MISSING and factory is None
            fields.append(_Field(f.name, _compile(hints[f.name]), required, f.default, factory))
        plan = _PLANS[kind] = ({f.name: f for f in fields}, tuple(fields))
    return plan


def plain_validate(kind: type[Model], data: dict[str, Any]) -> Any:
    """`kind` built from `data` as pydantic would build it, or Doubt."""
    by_name, ordered = _plan(kind)
    for key in data:
        if key not in by_name:
            raise Doubt
    values = {}
    for f in ordered:
        if f.name in data:
            values[f.name] = f.check(data[f.name])
        elif f.required:
            raise Doubt
        elif f.factory is not None:
            values[f.name] = f.factory()
        else:
            values[f.name] = f.default
    return kind(**values)


def _dump(value: Any, json: bool, exclude_none: bool) -> Any:
    if isinstance(value, Model):
        out = {}
        for f in dataclasses.fields(typing.cast(Any, value)):
            v = getattr(value, f.name)
            if v is None and exclude_none:
                continue
            out[f.name] = _dump(v, json, exclude_none)
        return out
    if isinstance(value, list):
        return [_dump(v, json, exclude_none) for v in value]
    if isinstance(value, dict):
        return {_dump(k, json, exclude_none): _dump(v, json, exclude_none)
                for k, v in value.items()}
    if json:
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float) and not math.isfinite(value):
            return None
    return value


_ADAPTERS: dict[type, Any] = {}
_FLOATS: dict[type, tuple[str, ...]] = {}


def _is_float(hint: Any) -> bool:
    if get_origin(hint) is typing.Annotated:
        return _is_float(get_args(hint)[0])
    if get_origin(hint) in (typing.Union, types.UnionType):
        return any(_is_float(a) for a in get_args(hint))
    return hint is float


def _float_fields(kind: type) -> tuple[str, ...]:
    found = _FLOATS.get(kind)
    if found is None:
        hints = _hints(kind)
        found = _FLOATS[kind] = tuple(f.name for f in dataclasses.fields(kind)
                                      if _is_float(hints[f.name]))
    return found


class Model:
    """The base of the method's models: the part of pydantic's model interface the project
    uses, on a dataclass. Subclasses are `@dataclass`es; `__pydantic_config__` carries
    pydantic settings (`extra="forbid"` for input a user writes)."""

    __slots__ = ()
    __pydantic_config__: ClassVar[dict[str, Any]] = {}

    def __post_init__(self) -> None:
        """A whole number given for a float field is kept as a float, as pydantic keeps it
        (so `20` is written `20.0`, whoever built the model)."""
        for name in _float_fields(type(self)):
            value = getattr(self, name)
            if type(value) is int:
                setattr(self, name, float(value))

    @classmethod
    def adapter(cls) -> Any:
        """pydantic's TypeAdapter for this model (imports pydantic)."""
        found = _ADAPTERS.get(cls)
        if found is None:
            from pydantic import TypeAdapter

            found = _ADAPTERS[cls] = TypeAdapter(cls)
        return found

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        if "pydantic" not in sys.modules and type(data) is dict:
            try:
                return typing.cast(Self, plain_validate(cls, data))
            except Doubt:
                pass
        return typing.cast(Self, cls.adapter().validate_python(data))

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> Self:
        return typing.cast(Self, cls.adapter().validate_json(data))

    @classmethod
    def model_construct(cls, **values: Any) -> Self:
        """Built without validation, from values known to be valid."""
        return cls(**values)

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        return typing.cast(dict[str, Any], cls.adapter().json_schema())

    def model_dump(self, *, mode: Literal["python", "json"] = "python",
                   include: Iterable[str] | None = None, exclude: Iterable[str] | None = None,
                   exclude_none: bool = False, by_alias: bool = False) -> dict[str, Any]:
        """pydantic's dump when pydantic is loaded, else its plain twin (the models have no
        aliases: `by_alias` changes nothing)."""
        if "pydantic" in sys.modules:
            out = self.adapter().dump_python(
                self, mode=mode, exclude_none=exclude_none, by_alias=by_alias,
                include=set(include) if include is not None else None,
                exclude=set(exclude) if exclude is not None else None)
            return typing.cast(dict[str, Any], out)
        out = _dump(self, mode == "json", exclude_none)
        if include is not None:
            keep = set(include)
            out = {k: v for k, v in out.items() if k in keep}
        if exclude is not None:
            drop = set(exclude)
            out = {k: v for k, v in out.items() if k not in drop}
        return typing.cast(dict[str, Any], out)

    def model_dump_json(self, *, exclude_none: bool = False, indent: int | None = None) -> str:
        return typing.cast(bytes, self.adapter().dump_json(
            self, exclude_none=exclude_none, indent=indent)).decode()

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with `update`'s fields replaced, unvalidated (as pydantic's)."""
        base = copy.deepcopy(self) if deep else self
        return typing.cast(Self, dataclasses.replace(typing.cast(Any, base), **(update or {})))


def plain_dump(model: Model, *, json: bool = True, exclude_none: bool = False) -> Any:
    """The plain-Python twin of pydantic's dump (for tests that hold the two equal)."""
    return _dump(model, json, exclude_none)


__all__ = ["After", "Before", "Describe", "Doubt", "Limit", "Model", "plain_dump",
           "plain_validate"]
