"""The pages' language: chosen by a cookie, else by Accept-Language; words from ui.yaml."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from buyersync.method import knowledge as kb
from buyersync.method.stages import Lang
from buyersync.text import form

LANG_COOKIE = "buyersync_lang"
_STAGE_WORD = re.compile(r"\b(problem|pain|goal|requirements|measures|solution|value|risk|cost)\b")


@cache
def words() -> dict[str, dict[str, Any]]:
    text = resources.files("buyersync.web").joinpath("ui.yaml").read_text("utf-8")
    data: dict[str, dict[str, Any]] = yaml.safe_load(text)
    return data


def negotiate(cookie: str | None, accept_language: str | None) -> Lang:
    """The cookie wins (the person chose); else the first zh or en in Accept-Language."""
    if cookie in ("zh", "en"):
        return Lang(cookie)
    if accept_language is not None and len(accept_language) > 200:
        return _from_header.__wrapped__(accept_language)  # not kept: odd and long
    return _from_header(accept_language)


@lru_cache(maxsize=256)  # browsers send a few headers over and over
def _from_header(accept_language: str | None) -> Lang:
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ("zh", "en") and q > 0:
            ranked.append((-q, i, primary))
    return Lang(sorted(ranked)[0][2]) if ranked else Lang.en


class PageWords:
    """A page's words (web/ui.yaml) in one language: `t("key", n=3)` in templates, the
    sentence with its placeholders filled. Not `text.Words`, which is one message named
    by a lower floor and worded later in any language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: Any) -> str:
        entry = words().get(key)
        if entry is None:  # a code added to the method before ui.yaml caught up: show the key
            return key
        text = form(entry[self.lang.value], values)  # plural forms, as text/ reads them
        return text.format(**values) if values else text

    def stage(self, stage: Any) -> str:
        return kb.stage_name(str(stage), self.lang)

    def label(self, group: str, key: Any) -> str:
        return kb.label(group, str(key), self.lang)

    def rule(self, rule: str) -> str:
        """A method rule's label ("§4 solution") with the stage named in the page's language."""
        return _STAGE_WORD.sub(lambda m: self.stage(m.group(1)), rule)

    def source(self, source: str) -> str:
        """Where a piece of evidence came from, in words when it is one of the usual ones."""
        key = "source_" + source.strip().lower().replace("-", "").replace(" ", "")
        return self(key) if key in words() else source

    def stages(self, stages: Any) -> list[str]:
        return [self.stage(s) for s in stages]

    def join(self, items: Any) -> str:
        """Items in a row with the language's own separator (、 in Chinese, a comma in English)."""
        return kb.message("generic", "list_sep", self.lang).join(str(i) for i in items)
