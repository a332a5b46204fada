"""Typed errors the lower floors raise and the entry points word.

`BadInput` is input a user can fix: a key of `text/errors.yaml` and the values that fill
it (`where`, `field`, `detail`, …). `NotFound` is an id that names nothing. Every entry
point turns them into its own answer (CLI: one line and exit 2, HTTP: 422 or 404) in the
user's language with `render(lang)`; none lets a traceback reach the user. `str(error)` is
the English line, for logs and tests.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from typing import Any, NamedTuple

from buyersync.text import Words, has, t


class BadInput(Exception):
    """Input a user can fix; `render(lang)` is the one line to show them."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        self.field = values.get("field")
        super().__init__(self.render("en"))

    def render(self, lang: object = "en", words: Mapping[str, str] | None = None) -> str:
        """The line to show. A lower floor names a setting or an input by its neutral
        name (`where="db"`); the entry point says how its user knows it (`words`: the
        CLI's {"db": "--db"}), else `errors.where_NAME` words it ("the workspace
        database")."""
        key = f"errors.{self.key}" if has(f"errors.{self.key}") else "errors.field"
        values: dict[str, object] = {k: v if isinstance(v, Words) else str(v) for k, v in self.values.items()}
        where = values.get("where")
        if isinstance(where, str):
            if words and where in words:
                values["where"] = words[where]
            elif has(f"errors.where_{where}"):
                values["where"] = t(f"errors.where_{where}", lang)
        return t(key, lang, **values)


class NotFound(Exception):
    """An id that names nothing in the workspace (CLI: exit 2, HTTP: 404)."""

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(self.render("en"))

    def render(self, lang: object = "en") -> str:
        kind = t(f"errors.kind_{self.kind}", lang) if has(f"errors.kind_{self.kind}") else self.kind
        return t("errors.no_such_id", lang, kind=kind, ident=repr(self.ident))


class Conflict(Exception):
    """A write that would overwrite what is already there or what changed meanwhile
    (HTTP: 409/412, CLI: exit 2). `reason`: `exists` (an id that is taken) or `changed`
    (the deal moved on since the caller read it)."""

    def __init__(self, kind: str, ident: str, reason: str = "exists") -> None:
        self.kind = kind
        self.ident = ident
        self.reason = reason
        super().__init__(self.render("en"))

    def render(self, lang: object = "en") -> str:
        kind = t(f"errors.kind_{self.kind}", lang) if has(f"errors.kind_{self.kind}") else self.kind
        return t(f"errors.conflict_{self.reason}", lang, kind=kind, ident=repr(self.ident))


# what a line shows of a bad value: a little of it, never the whole (it may be huge)
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxdict, _SHORT.maxlist = 2, 4, 4
_SHORT.maxstring, _SHORT.maxlong, _SHORT.maxother = 50, 40, 50


class Problem(NamedTuple):
    """The first problem of a validation error: its path (`("contacts", 0, "role")`),
    that path as one field name (`contacts.0.role`), and what was wrong with it."""

    loc: tuple[str | int, ...]
    field: str
    detail: str | Words

    def words(self) -> Words:
        """"field: what was wrong", for a line that names its own place (a CRM row)."""
        return Words("detail.field_problem", field=self.field, problem=self.detail)


def problem_of(error: Any, *, skip: int = 0) -> Problem:
    """The first problem of a pydantic ValidationError (or one entry of its `errors()`):
    the one helper every floor uses to turn validation into one clear line. `skip`
    drops leading parts of the path that name no field (FastAPI's "body").

    An unknown field, a missing one and a value not among those allowed are worded from
    text/detail.yaml; any other
    problem keeps pydantic's sentence (without its "Value error, " prefix) and shows a
    little of the value it got. A problem of the whole object (an empty path) never
    shows the value: that is every field at once, secrets among them."""
    first = error if isinstance(error, Mapping) else error.errors()[0]
    loc = tuple(first.get("loc", ()))[skip:]
    kind = first.get("type")
    detail: str | Words
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        detail = Words("detail.unknown_field")
    elif kind in ("missing", "missing_argument"):
        detail = Words("detail.required")
    elif kind in ("enum", "literal_error") and loc and "input" in first:
        expected = str((first.get("ctx") or {}).get("expected", ""))
        detail = Words("detail.one_of", allowed=expected, got=_SHORT.repr(first["input"])[:60])
    else:
        detail = str(first.get("msg", "")).removeprefix("Value error, ")
        if loc and "input" in first:
            detail = Words("detail.got", problem=detail, got=_SHORT.repr(first["input"])[:60])
    return Problem(loc, ".".join(str(p) for p in loc), detail)


def invalid(error: Any, where: str | Words) -> BadInput:
    """A pydantic ValidationError as a BadInput: `where` (a file, an input), the field
    and what was wrong (`problem_of`)."""
    problem = problem_of(error)
    if not problem.field:
        return BadInput("message", where=where, detail=problem.detail)
    return BadInput("field", where=where, field=problem.field, detail=problem.detail)
