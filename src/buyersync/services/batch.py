"""Streaming batch location: JSON Lines in, JSON Lines out, one line at a time (constant memory).

This is the hot path of `buyersync locate --format jsonl`: lines are parsed with orjson
(falling back to the standard library's parser, whose answer and messages stay the
reference, for the rare line orjson refuses), located in batches as plain tuples, and each
result line is written from a template, byte for byte what `json.dumps` of the row gives.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

import orjson

from buyersync.locate import default_locator
from buyersync.locate.locator import Judged
from buyersync.method.stages import STAGES, Stage

if TYPE_CHECKING:
    from buyersync.method.model import Location


def locate_stream(src: IO[str], dst: IO[str], *,
                  progress: Callable[[int], None] | None = None) -> list[tuple[int, str]]:
    """Locate every {"id", "text"} line of `src` into `dst`, same order, `id` copied.

    A bad line yields {"id", "error"} in its place so that the output stays aligned with
    the input; the bad lines are returned as (line number, problem). `progress(n)` hears
    the number of texts located so far after each batch (the entry point draws it).
    """
    locator = default_locator()
    failed: list[tuple[int, str]] = []
    located_so_far = 0
    # Lines are read and written in small batches: memory stays constant however long the
    # input is, and the model runs once per batch instead of once per line.
    pending: list[tuple[Any, str | None, str]] = []  # (id, text, or the problem)

    def flush() -> None:
        nonlocal located_so_far
        texts = [t for _, t, _ in pending if t is not None]
        located = iter(locator.judge_many(texts))
        out = []
        for item_id, text, problem in pending:
            if text is None:
                out.append(json.dumps({"id": item_id, "error": problem}, ensure_ascii=False) + "\n")
                continue
            out.append(_row_line(item_id, next(located)))
        dst.write("".join(out))
        pending.clear()
        located_so_far += len(texts)
        if progress is not None and texts:
            progress(located_so_far)

    for number, line in enumerate(src, start=1):
        if not line.strip():
            continue
        item_id: Any = None
        try:
            item = _loads(line)
            if not isinstance(item, dict):
                raise ValueError(  # text-ok: the JSON Lines `error` field (CONTRACT), read by programs
                    "expected an object {\"id\", \"text\"}")
            item_id = item.get("id")
            text = item.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(  # text-ok: the JSON Lines `error` field (CONTRACT), read by programs
                    "field `text`: expected a non-empty string")
        except ValueError as e:  # json.JSONDecodeError is a ValueError
            failed.append((number, str(e)))
            pending.append((item_id, None, str(e)))
        else:
            pending.append((item_id, text, ""))
        if len(pending) >= BATCH:
            flush()
    flush()
    return failed


BATCH = 256


def _loads(line: str) -> Any:
    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError:  # NaN, lone surrogates, or a bad line: the standard
        return json.loads(line)     # parser decides, and words the problem
    if isinstance(item, dict) and type(item.get("id")) not in _PLAIN_IDS:
        return json.loads(line)  # orjson reads an integer past 64 bits as a float
    return item


_PLAIN_IDS = (str, int, bool, type(None))


def _string(s: str) -> str:
    """`json.dumps(s, ensure_ascii=False)`, faster (orjson escapes the same characters)."""
    try:
        return orjson.dumps(s).decode("utf-8")
    except orjson.JSONEncodeError:  # a lone surrogate: only the standard library writes it
        return json.dumps(s, ensure_ascii=False)


def _value(v: Any) -> str:
    if type(v) is str:
        return _string(v)
    if type(v) is int:
        return str(v)
    return json.dumps(v, ensure_ascii=False)


_STAGE_JSON = [(f'"{s.value}"', f'"{s.value}": ') for s in STAGES]
_BOOL = {True: "true", False: "false", None: "null"}
_STAGE_VALUE = {s: (i, json) for i, (s, (json, _)) in enumerate(zip(STAGES, _STAGE_JSON, strict=True))}
_SIGNAL_STAGE: dict[Stage | None, str] = {None: "null", **{s: json for s, (_, json) in _STAGE_VALUE.items()}}


# the scores object: each stage's key and the repr of its (float) score
_SCORES = ", ".join(key + "%r" for _, key in _STAGE_JSON)


def _row_line(item_id: Any, judged: Judged) -> str:
    """`json.dumps(_location_row(item_id, location), ensure_ascii=False) + "\\n"`, from a template."""
    stage, rounded, competitor_led, signals, uncertain = judged
    scores = _SCORES % tuple(rounded)
    kinds = _SIGNAL_STAGE
    sigs = ", ".join([f'{{"text": {_string(t)}, "stage": {kinds[s]}, "kind": "{k}"}}' for t, s, k in signals])
    at, name = _STAGE_VALUE[stage]
    return (f'{{"id": {_value(item_id)}, "stage": {name}, '
            f'"confidence": {rounded[at]!r}, "scores": {{{scores}}}, '
            f'"competitor_led": {_BOOL[competitor_led]}, "uncertain": {_BOOL[uncertain]}, '
            f'"signals": [{sigs}]}}\n')


def _location_row(item_id: Any, loc: Location) -> dict[str, Any]:
    return {"id": item_id, "stage": loc.stage.value, "confidence": loc.confidence,
            "scores": {s.value: v for s, v in loc.scores.items()},
            "competitor_led": loc.competitor_led, "uncertain": loc.uncertain,
            "signals": [{"text": s.text, "stage": s.stage.value if s.stage else None,
                         "kind": s.kind} for s in loc.signals]}
