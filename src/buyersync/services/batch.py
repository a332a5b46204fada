"""Streaming batch location: JSON Lines in, JSON Lines out, one line at a time (constant memory)."""

from __future__ import annotations

import json
from typing import IO, Any

from buyersync.locate import default_locator
from buyersync.method.model import Location


def locate_stream(src: IO[str], dst: IO[str], *, progress: bool = False) -> list[tuple[int, str]]:
    """Locate every {"id", "text"} line of `src` into `dst`, same order, `id` copied.

    A bad line yields {"id", "error"} in its place so that the output stays aligned with
    the input; the bad lines are returned as (line number, problem).
    """
    locator = default_locator()
    failed: list[tuple[int, str]] = []
    bar = _Progress() if progress else None
    # Lines are read and written in small batches: memory stays constant however long the
    # input is, and the model runs once per batch instead of once per line.
    pending: list[tuple[Any, str | None, str]] = []  # (id, text, or the problem)

    def flush() -> None:
        texts = [t for _, t, _ in pending if t is not None]
        located = iter(locator.locate_many(texts))
        for item_id, text, problem in pending:
            if text is None:
                dst.write(json.dumps({"id": item_id, "error": problem}, ensure_ascii=False) + "\n")
                continue
            dst.write(json.dumps(_location_row(item_id, next(located)), ensure_ascii=False) + "\n")
            if bar:
                bar.advance()
        pending.clear()

    for number, line in enumerate(src, start=1):
        if not line.strip():
            continue
        item_id: Any = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("expected an object {\"id\", \"text\"}")
            item_id = item.get("id")
            text = item.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ValueError("field `text`: expected a non-empty string")
        except ValueError as e:  # json.JSONDecodeError is a ValueError
            failed.append((number, str(e)))
            pending.append((item_id, None, str(e)))
        else:
            pending.append((item_id, text, ""))
        if len(pending) >= BATCH:
            flush()
    flush()
    if bar:
        bar.close()
    return failed


BATCH = 256


def _location_row(item_id: Any, loc: Location) -> dict[str, Any]:
    return {"id": item_id, "stage": loc.stage.value, "confidence": loc.confidence,
            "scores": {s.value: v for s, v in loc.scores.items()},
            "competitor_led": loc.competitor_led, "uncertain": loc.uncertain,
            "signals": [{"text": s.text, "stage": s.stage.value if s.stage else None,
                         "kind": s.kind} for s in loc.signals]}


class _Progress:
    """A counter on standard error (the input's length is unknown while streaming)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(SpinnerColumn(), TextColumn("{task.completed} texts located"),
                                  TimeElapsedColumn(), transient=True,
                                  console=Console(stderr=True))
        self._progress.start()
        self._task = self._progress.add_task("locate", total=None)
        self._n = 0

    def advance(self) -> None:
        self._n += 1
        if self._n % 200 == 0:
            self._progress.update(self._task, completed=self._n)

    def close(self) -> None:
        self._progress.update(self._task, completed=self._n)
        self._progress.stop()
