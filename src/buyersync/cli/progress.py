"""Progress bars on standard error: the services report counts through a callback, the
terminal draws them (Rich, imported only when a bar is shown)."""

from __future__ import annotations

from typing import Any

from buyersync.cli.common import cli_lang
from buyersync.text import t


class Counter:
    """A running count of an input whose length is unknown while streaming; pass
    `counter.update` as a service's `progress` callback, `close()` when done."""

    def __init__(self, key: str) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        label = t(key, cli_lang(), count="{task.completed}")
        self._progress: Any = Progress(SpinnerColumn(), TextColumn(label), TimeElapsedColumn(),
                                       transient=True, console=Console(stderr=True))
        self._progress.start()
        self._task = self._progress.add_task("count", total=None)

    def update(self, done: int) -> None:
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        self._progress.stop()
