"""Typed errors of the tender reader: a key, the file and the detail; the entry points word
them in the user's language from data/messages.yaml (`render(lang)`; str(error) is English)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

from buyersync.errors import BadInput
from buyersync.text import lang_of


@cache
def _messages() -> dict[str, dict[str, str]]:
    text = resources.files("buyersync.tender").joinpath("data", "messages.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    errors: dict[str, dict[str, str]] = data["errors"]
    return errors


class TenderFileError(BadInput):
    """A tender or datasheet file that cannot be read: corrupt, encrypted, scanned, too big."""

    def render(self, lang: object = "en", words: Mapping[str, str] | None = None) -> str:
        template = _messages().get(self.key) or _messages()["unreadable"]
        return template[lang_of(lang)].format(**{k: str(v) for k, v in self.values.items()})
