"""Background work: re-analysing every deal, mail and CRM imports, bulk locating, as jobs.

A job is a kind and its arguments (JSON: paths, a source, the id of a deal). On a
PostgreSQL workspace a job can be queued in the database itself (procrastinate, in the
schema of store/jobqueue.py) and done by any number of workers on any machine that
reaches the database (`buyersync jobs worker`); each queued job is taken by exactly one
worker (procrastinate fetches with `FOR UPDATE SKIP LOCKED`). On SQLite (one user, one
machine) there is no queue and no worker to run: the same job runs inline.

The kinds:
- `refresh`: re-analyse every deal after a model or knowledge update and save those whose
  analysis moved (DealService.refresh_page, page by page in id order).
- `crm`: a CRM export through imports.crm (as `deals import-crm`).
- `mail`: mail files and folders through services.mail (as `evidence import-mail`).
- `locate`: a JSON Lines file of {"id", "text"} located into another (as `locate --format
  jsonl`), the output written whole or not at all.

Paths are taken as absolute at queue time; a worker on another machine must see the same
path (shared storage). procrastinate is imported only when a queue is used.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from buyersync.errors import BadInput
from buyersync.services.deals import DealService

if TYPE_CHECKING:
    from procrastinate import App

Kind = Literal["refresh", "crm", "mail", "locate"]
KINDS: tuple[str, ...] = ("refresh", "crm", "mail", "locate")
#: the tasks of the queue: the kinds, and `refresh_range`, one part of a queued refresh
TASKS: tuple[str, ...] = (*KINDS, "refresh_range")
#: deals per `refresh_range` job: a queued refresh is cut into ranges that every worker
#: shares (2 million deals make 4,000 jobs)
REFRESH_SPAN = 500
Progress = Callable[[int, int], None]
#: deals re-analysed per transaction: the write lock is held for one page at a time
REFRESH_PAGE = 50
TASK_PREFIX = "buyersync."


class RefreshReport(BaseModel):
    seen: int = 0
    changed: int = 0


class Submitted(BaseModel):
    """What `submit` did: queued (with the job's id) or ran inline (with its result)."""

    kind: str
    queued: bool
    job_id: int | None = None
    #: every job queued (a refresh is queued as one job per range of deals)
    job_ids: list[int] = []
    result: dict[str, Any] | None = None


def refresh_all(service: DealService, *, progress: Progress | None = None,
                page: int = REFRESH_PAGE, after: str | None = None,
                until: str | None = None) -> RefreshReport:
    """Re-analyse every deal of the workspace with the current model and knowledge, one
    page per transaction, and (with the real analyser) leave each page's analyses in the
    workspace's analysis cache (services/analysis_cache.py) for the first viewer;
    `progress(done, total)` after each page. With `after`/`until`, only the deals whose
    ids lie in that range (after `after`, up to `until`)."""
    report = RefreshReport()
    total = service.count() if after is None and until is None else 0
    while True:
        ids, changed = service.refresh_page(after, page, until=until)
        if not ids:
            break
        if service.cache_key is not None:
            from buyersync.services import analysis_cache

            analysis_cache.refresh(service, ids)
        report.seen += len(ids)
        report.changed += changed
        after = ids[-1]
        if progress:
            progress(report.seen, max(total, report.seen))
    return report


def refresh_ranges(service: DealService,
                   span: int | None = None) -> list[tuple[str | None, str | None]]:
    """The workspace cut into ranges of `span` deals (REFRESH_SPAN), (after, until] in id order;
    the first starts at the beginning and the last is open-ended, so that deals saved
    meanwhile fall in one of them."""
    ends: list[str | None] = [*service.id_boundaries(span or REFRESH_SPAN), None]
    starts: list[str | None] = [None, *ends[:-1]]
    return list(zip(starts, ends, strict=True))


def job_args(kind: str, **given: Any) -> dict[str, Any]:
    """The arguments of a job, checked and made absolute (a BadInput names what is wrong)."""
    if kind not in KINDS:
        raise KeyError(kind)
    args: dict[str, Any] = {}
    if kind == "crm":
        args = {"file": _existing(given["file"]), "source": str(given["source"]),
                "history": _existing(given["history"]) if given.get("history") else None,
                "map_file": _existing(given["map_file"]) if given.get("map_file") else None,
                "strict": bool(given.get("strict", False))}
    elif kind == "mail":
        args = {"paths": [_existing(p) for p in given["paths"]],
                "deal_id": given.get("deal_id")}
    elif kind == "locate":
        output = Path(given["output"]).expanduser().resolve()
        if not output.parent.is_dir():
            raise BadInput("not_found", where=str(output.parent))
        args = {"input": _existing(given["input"]), "output": str(output)}
    if given.get("actor"):
        args["actor"] = str(given["actor"])
    return args


def _existing(path: str | Path) -> str:
    resolved = Path(path).expanduser().resolve()
    if not resolved.exists():
        raise BadInput("not_found", where=str(path))
    return str(resolved)


def run_job(service: DealService | None, kind: str, args: dict[str, Any], *,
            progress: Progress | None = None) -> dict[str, Any]:
    """Do one job now, in this process; returns its result (JSON). `service` is the
    workspace (unused by `locate`)."""
    if kind == "locate":
        return _locate_file(Path(args["input"]), Path(args["output"]))
    if service is None:
        raise TypeError("this job needs the workspace")
    actor = args.get("actor")
    if kind in ("refresh", "refresh_range"):
        saved_actor, service.actor = service.actor, actor or service.actor
        try:
            return refresh_all(service, progress=progress, after=args.get("after"),
                               until=args.get("until")).model_dump()
        finally:
            service.actor = saved_actor
    if kind == "crm":
        from buyersync.imports import import_crm

        report = import_crm(service, Path(args["file"]), source=args["source"],
                            history=Path(args["history"]) if args.get("history") else None,
                            map_file=Path(args["map_file"]) if args.get("map_file") else None,
                            strict=bool(args.get("strict")), progress=progress)
        return {"imported": len(report.imported), "skipped": len(report.skipped),
                "history_rows": report.history_rows}
    if kind == "mail":
        from buyersync.imports.mail import read_mail
        from buyersync.services.mail import import_mail

        messages = list(read_mail(args["paths"]))  # every file is read before any is saved
        mail = import_mail(service, messages, deal_id=args.get("deal_id"))
        return {"messages": len(messages), "attached": len(mail.attached),
                "unmatched": len(mail.unmatched), "duplicates": mail.duplicates}
    raise KeyError(kind)


def _locate_file(source: Path, output: Path) -> dict[str, Any]:
    """Locate a JSON Lines file into `output`, which appears whole or not at all."""
    from buyersync.services.batch import locate_stream

    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with open(source, encoding="utf-8") as src, os.fdopen(fd, "w", encoding="utf-8") as dst:
            failed = locate_stream(src, dst)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {"output": str(output), "failed": len(failed)}


# -- the queue (PostgreSQL) ---------------------------------------------------------------

def has_queue(service: DealService) -> bool:
    """Whether this workspace can queue jobs (PostgreSQL), or runs them inline (SQLite)."""
    return service.engine.dialect.name == "postgresql"


def queue_app(service: DealService) -> App:
    """procrastinate's app on this workspace's database, with one task per kind. The
    tasks work on `service`'s workspace (a worker's own)."""
    import procrastinate

    from buyersync.store.jobqueue import QUEUE, queue_conninfo

    connector = procrastinate.PsycopgConnector(conninfo=queue_conninfo(service.engine.url),
                                               min_size=1, max_size=4)
    app = procrastinate.App(connector=connector)
    for kind in TASKS:
        def task(kind: str = kind, **args: Any) -> dict[str, Any]:
            return run_job(service, kind, args)

        app.task(name=TASK_PREFIX + kind, queue=QUEUE)(_named(task, kind))
    return app


def _named(task: Callable[..., dict[str, Any]], kind: str) -> Callable[..., dict[str, Any]]:
    task.__name__ = task.__qualname__ = f"{kind}_job"
    return task


def submit(service: DealService, kind: str, args: dict[str, Any], *, queue: bool = True,
           progress: Progress | None = None) -> Submitted:
    """Queue a job on a PostgreSQL workspace (`queue`), or run it inline (SQLite, or
    `queue=False`). A refresh is queued as one `refresh_range` job per range of deals
    (`refresh_ranges`), so that every worker takes a share; while a range of an earlier
    refresh still waits, queueing another is a BadInput naming it."""
    if not (queue and has_queue(service)):
        return Submitted(kind=kind, queued=False,
                         result=run_job(service, kind, args, progress=progress))
    from procrastinate.exceptions import AlreadyEnqueued

    from buyersync.store.jobqueue import QUEUE

    app = queue_app(service)
    with app.open():
        try:
            if kind == "refresh":
                name = TASK_PREFIX + "refresh_range"
                first, *rest = [{**args, "after": a, "until": u}
                                for a, u in refresh_ranges(service)]
                # the first range carries the lock: a refresh whose first range still
                # waits refuses another before anything is queued
                ids = [app.configure_task(name, queue=QUEUE,
                                          queueing_lock=TASK_PREFIX + "refresh").defer(**first)]
                if rest:
                    ids += app.configure_task(name, queue=QUEUE).batch_defer(*rest)
            else:
                ids = [app.configure_task(TASK_PREFIX + kind, queue=QUEUE).defer(**args)]
        except AlreadyEnqueued:
            raise BadInput("job_waiting", where="--queue", kind=kind) from None
    return Submitted(kind=kind, queued=True, job_id=ids[0], job_ids=ids)


def work(service: DealService, *, once: bool = False, concurrency: int = 1,
         name: str | None = None) -> None:
    """Run a worker on this workspace's queue: until stopped (SIGINT, SIGTERM), or with
    `once` until the queue is empty. A SQLite workspace has no queue (BadInput)."""
    if not has_queue(service):
        raise BadInput("queue_needs_postgresql", where="db")
    from buyersync.store.jobqueue import QUEUE

    queue_app(service).run_worker(queues=[QUEUE], wait=not once, concurrency=concurrency,
                                  name=name, delete_jobs="never")


def list_jobs(service: DealService, *, status: str | None = None,
              limit: int = 50) -> list[Any]:
    """The newest jobs of the queue (store.jobqueue.QueuedJob); BadInput on SQLite."""
    if not has_queue(service):
        raise BadInput("queue_needs_postgresql", where="db")
    from buyersync.store.jobqueue import list_jobs as listed

    return list(listed(service.engine, status=status, limit=limit))
