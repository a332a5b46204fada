"""Locating historical activity at scale on Dask: JSON Lines of {"id", "text"} (e-mails,
CRM notes, call summaries exported from anywhere) split into partitions that the workers
of a Dask cluster locate in parallel, with the same lines `locate --format jsonl` writes.

    import dask.bag as db
    from buyersync.services.scale import locate_bag

    lines = db.read_text("s3://archive/notes-*.jsonl", blocksize="64MiB", linedelimiter="\\n")
    locate_bag(lines).to_textfiles("s3://archive/located-*.jsonl")   # written by the workers

Each partition goes through `services.batch.locate_stream`, the CLI's own path, so a line
comes out as the CLI writes it (a bad line as {"id", "error"} in its place) and the order
of lines within and across partitions is kept. A worker loads the model once, on its first
partition. `locate_files` is the same for one output stream (the CLI's `scale locate`),
on a cluster it starts on this machine or on one you point it at.

Dask is an optional extra (`pip install 'buyersync[scale]'`), imported only here.
"""

from __future__ import annotations

import io
import time
from collections import deque
from collections.abc import Iterable, Sequence
from typing import IO, Any

from pydantic import BaseModel

from buyersync.errors import BadInput

#: a dask.bag.Bag (Dask ships no type information that mypy strict accepts)
Bag = Any

#: bytes of input per partition: large enough that scheduling costs little next to the
#: locating (≈ 1,000 lines of notes per MiB), small enough to spread over the workers
BLOCKSIZE = "8MiB"


class ScaleReport(BaseModel):
    """What `locate_files` did."""

    lines: int = 0
    failed: int = 0
    partitions: int = 0
    workers: int = 0
    seconds: float = 0.0


def locate_lines(lines: Iterable[str]) -> list[str]:
    """Locate one partition of JSON Lines input; the output lines, without newlines, one
    per non-blank input line and in the same order."""
    from buyersync.services.batch import locate_stream

    src = io.StringIO("".join(line if line.endswith("\n") else line + "\n" for line in lines))
    dst = io.StringIO()
    locate_stream(src, dst)
    return dst.getvalue().splitlines()


def locate_bag(lines: Bag) -> Bag:
    """A Dask bag of JSON Lines input → a bag of located lines (partition for partition)."""
    return lines.map_partitions(locate_lines)


def read_lines(paths: Sequence[str], blocksize: str | int = BLOCKSIZE) -> Bag:
    """JSON Lines files as a bag of lines, split at line ends into blocks of `blocksize`."""
    return _module("dask.bag").read_text(list(paths), blocksize=blocksize, linedelimiter="\n",
                                         encoding="utf-8")


def _module(name: str) -> Any:
    """A module of the optional `scale` extra, or a BadInput saying how to install it."""
    from importlib import import_module

    try:
        return import_module(name)
    except ImportError:
        raise BadInput("scale_missing", where=name.partition(".")[0]) from None


def local_cluster(workers: int) -> Any:
    """A Dask cluster on this machine: `workers` processes of one thread each (the
    locator is pure Python and NumPy: processes, not threads, run it in parallel)."""
    dask = _module("dask")
    # no sampling profiler in the workers: it wakes every 10 ms and costs CPU the
    # locating needs (a cluster of your own keeps its own settings)
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        return _module("distributed").LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=40)


def locate_block(block: bytes) -> tuple[str, int]:
    """Locate one block of JSON Lines input (whole lines, UTF-8); the output text and the
    number of bad lines in it."""
    from buyersync.services.batch import locate_stream

    dst = io.StringIO()
    failed = locate_stream(io.StringIO(block.decode("utf-8")), dst)
    return dst.getvalue(), len(failed)


def locate_files(paths: Sequence[str], out: IO[str], *, workers: int = 2,
                 scheduler: str | None = None, blocksize: str | int = BLOCKSIZE,
                 window: int | None = None) -> ScaleReport:
    """Locate JSON Lines files on a Dask cluster and write the results to `out` in input
    order, as the blocks finish (at most `window` blocks in flight, so memory stays flat
    however long the input). `scheduler`: the address of a running cluster
    (tcp://host:8786); else a local cluster of `workers` processes is started and stopped.
    A path that does not exist is a BadInput.

    The blocks travel as bytes and come back as one text each (not as a bag of lines):
    the same work as `locate_bag`, with less to serialise."""
    from pathlib import Path

    for path in paths:
        if "://" not in path and not any(c in path for c in "*?[") and not Path(path).exists():
            raise BadInput("not_found", where=path)
    delayed = _module("dask").delayed
    read_bytes = _module("dask.bytes").read_bytes
    client_of = _module("distributed").Client

    started = time.perf_counter()
    cluster = None if scheduler else local_cluster(workers)
    try:
        with client_of(scheduler or cluster) as client:
            report = ScaleReport(workers=len(client.scheduler_info()["workers"]))
            _, blocks = read_bytes(list(paths), delimiter=b"\n", blocksize=blocksize,
                                   sample=False)
            parts = [delayed(locate_block)(b) for per_file in blocks for b in per_file]
            report.partitions = len(parts)
            ahead = window or 2 * max(report.workers, 1)
            pending: deque[Any] = deque()
            for part in parts:
                pending.append(client.compute(part))
                if len(pending) >= ahead:
                    _write(pending.popleft().result(), out, report)
            while pending:
                _write(pending.popleft().result(), out, report)
    finally:
        if cluster is not None:
            cluster.close()
    report.seconds = time.perf_counter() - started
    return report


def _write(located: tuple[str, int], out: IO[str], report: ScaleReport) -> None:
    text, failed = located
    out.write(text)
    report.lines += text.count("\n")
    report.failed += failed
