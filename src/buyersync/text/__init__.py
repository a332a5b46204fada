"""Every sentence the product shows a person, Chinese and English side by side.

The words live in the YAML files of this package, one file per room (`errors.yaml` for
bad input, `cli.yaml` for the terminal, …); each key holds `zh` and `en`. A message is
named `FILE.KEY` and filled with `str.format` placeholders:

    t("errors.not_found", "zh", where="deal.yaml")  # → "deal.yaml：文件不存在"

This is the basement: it imports nothing of the project but the data file reader, so every floor may use it. The
language is always passed in: the entry points decide it (from `Settings` for the CLI,
from the request for the web); lower layers raise typed errors and never choose one.
The web pages' own words stay in `web/ui.yaml`; the method's knowledge in `method/data/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from buyersync.datafile import load_yaml, package_file

__all__ = ["COUNTS", "LANGS", "Words", "both", "form", "has", "lang_of", "t", "table"]

LANGS: tuple[str, str] = ("zh", "en")
#: placeholders that count something; a message whose language holds plural forms
#: ({one: …, other: …}, as English does) picks one by the first of them it is given
COUNTS: tuple[str, ...] = ("n", "count", "days")


@cache
def table(room: str) -> Mapping[str, Mapping[str, str]]:
    """All entries of `text/ROOM.yaml`: key → {"zh": …, "en": …}."""
    data: dict[str, dict[str, str]] = load_yaml(package_file("buyersync.text", f"{room}.yaml")) or {}
    return data


def _entry(key: str) -> Mapping[str, str]:
    room, _, name = key.partition(".")
    if not name:
        raise KeyError(f"{key!r}: a message key is FILE.KEY")
    return table(room)[name]


def has(key: str) -> bool:
    try:
        _entry(key)
    except (KeyError, FileNotFoundError):
        return False
    return True


def both(key: str) -> Mapping[str, str]:
    """The entry in both languages (for a data file that must carry zh and en)."""
    return _entry(key)


def lang_of(value: object) -> str:
    """"zh", "zh_CN.UTF-8", "zh-Hans" → "zh"; anything else (None, "C.UTF-8", "en_GB") → "en"."""
    return "zh" if str(value or "").lower().startswith("zh") else "en"


def form(text: object, values: Mapping[str, object]) -> str:
    """`text` itself, or of its plural forms the one its count calls for ("1 day", "2 days")."""
    if isinstance(text, Mapping):
        count = next((values[k] for k in COUNTS if k in values), None)
        return str(text["one" if count == 1 else "other"])
    return str(text)


def t(key: str, lang: object, /, **values: object) -> str:
    """The message `key` in `lang` (zh or en; a Lang enum works too), placeholders filled.
    A value that is itself `Words` is worded in the same language."""
    values = {k: v.render(lang) if isinstance(v, Words) else v for k, v in values.items()}
    text = form(_entry(key)[lang_of(lang)], values)
    return text.format(**values) if values else text


class Words:
    """A message named where it arises and worded where it is shown: a lower floor that
    does not know the reader's language says `Words("errors.no_column", field="name")`;
    the entry point calls `render(lang)`. `str()` is English, for logs and tests."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: object) -> None:
        self.key = key
        self.values = values

    def render(self, lang: object) -> str:
        return t(self.key, lang, **self.values)

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"Words({self.key!r}, **{self.values!r})"

