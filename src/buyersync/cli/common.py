"""Pieces every `buyersync` command module shares: the output format and JSON printing."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any


class OutFormat(StrEnum):
    human = "human"
    json = "json"


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")
