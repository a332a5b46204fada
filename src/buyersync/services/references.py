"""The team's reference cases: import them from a file, list them, match one to a deal.

A reference file is YAML or JSON: a list of cases, or a mapping with `cases:`. Each case has
`customer`, `problem` and `result` (with its figures), and optionally `industry`, `size`,
`contact` and `id`. Importing is all or nothing: one bad case and nothing is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import Engine

from buyersync.errors import BadInput, invalid
from buyersync.method.model import ReferenceCase
from buyersync.store import references as store
from buyersync.text import Words

MAX_FILE_BYTES = 5_000_000


def read_cases_file(path: str) -> list[ReferenceCase]:
    p = Path(path)
    if not p.is_file():
        raise BadInput("not_found", where=path)
    if p.stat().st_size > MAX_FILE_BYTES:
        raise BadInput("too_large", where=path, size=p.stat().st_size, limit=MAX_FILE_BYTES)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput("binary", where=path) from None
    try:
        data: Any = yaml.safe_load(text)  # YAML reads JSON too
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise BadInput("syntax", where=path, fmt="YAML", line=mark.line + 1 if mark else "?",
                       detail=getattr(e, "problem", None) or "unreadable") from None
    if isinstance(data, dict) and "cases" in data:
        data = data["cases"]
    if not isinstance(data, list) or not data:
        raise BadInput("not_case_list", where=path)
    cases = []
    for i, item in enumerate(data, 1):
        try:
            cases.append(ReferenceCase.model_validate(item))
        except ValidationError as e:
            raise invalid(e, Words("detail.in_case", where=path, n=i)) from None
    return cases


def import_cases(engine: Engine, path: str) -> list[str]:
    """Read the file and store its cases in one transaction; returns their ids."""
    return store.add_cases(engine, read_cases_file(path))


def list_cases(engine: Engine) -> list[ReferenceCase]:
    return store.list_cases(engine)
