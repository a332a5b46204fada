"""Which language a deal is written in, when it does not say: zh if Chinese characters carry it."""

from __future__ import annotations

from collections.abc import Iterable

from buyersync.method.stages import Lang


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def detect(texts: Iterable[str]) -> Lang:
    """zh when Chinese characters make up at least a fifth of the letters, else en.

    A Chinese character carries about as much as an English word, so mixed notes where
    English phrases sit inside Chinese sentences still count as Chinese.
    """
    cjk = latin = 0
    for text in texts:
        for ch in text:
            if is_cjk(ch):
                cjk += 1
            elif ch.isascii() and ch.isalpha():
                latin += 1
    return Lang.zh if cjk and cjk * 5 >= (cjk + latin / 5) else Lang.en
