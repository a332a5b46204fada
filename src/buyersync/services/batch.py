"""Streaming batch location: JSON Lines in, JSON Lines out, one line at a time (constant memory)."""

from __future__ import annotations

import json
from typing import IO, Any

from buyersync.locate import default_locator


def locate_stream(src: IO[str], dst: IO[str], *, progress: bool = False) -> list[tuple[int, str]]:
    """Locate every {"id", "text"} line of `src` into `dst`, same order, `id` copied.

    A bad line yields {"id", "error"} in its place so that the output stays aligned with
    the input; the bad lines are returned as (line number, problem).
    """
    locator = default_locator()
    failed: list[tuple[int, str]] = []
    bar = _Progress() if progress else None
    dumps = json.dumps
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
            problem = str(e)
            failed.append((number, problem))
            dst.write(dumps({"id": item_id, "error": problem}, ensure_ascii=False) + "\n")
            continue
        loc = locator.locate(text)
        out = {"id": item_id, "stage": loc.stage.value, "confidence": loc.confidence,
               "scores": {s.value: v for s, v in loc.scores.items()},
               "competitor_led": loc.competitor_led,
               "signals": [{"text": s.text, "stage": s.stage.value if s.stage else None,
                            "kind": s.kind} for s in loc.signals]}
        dst.write(dumps(out, ensure_ascii=False) + "\n")
        if bar:
            bar.advance()
    if bar:
        bar.close()
    return failed


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
