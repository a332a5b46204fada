"""Reading a labelled corpus file (JSON Lines of `{"text", "stage" | "stage_ok", …}`), streamed
line by line: what training and evaluation both read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from buyersync.errors import BadInput


def read_labelled(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise BadInput("jsonl_line", where=str(path), line=number, detail=e.msg) from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise BadInput("jsonl_not_text", where=str(path), line=number)
            yield row
