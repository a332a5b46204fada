"""`buyersync jobs …` (the queue's worker, its list, queued imports and bulk locating) and
`buyersync deals refresh` (registered on the `deals` group of cli/workspace.py).

On a PostgreSQL workspace a job is queued in the database and done by `jobs worker`; on
SQLite the same work runs in this process, with a progress bar (services/jobs.py).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from buyersync.cli.common import OutFormat, cli_lang, print_json
from buyersync.cli.workspace import CrmSource, DbOpt, FmtOpt, deals_app
from buyersync.text import t

if TYPE_CHECKING:
    from buyersync.services.jobs import Submitted

_L = cli_lang()
jobs_app = typer.Typer(help=t("jobs.help_jobs", _L), no_args_is_help=True)
queue_app = typer.Typer(help=t("jobs.help_queue", _L), no_args_is_help=True)


class JobStatus(StrEnum):
    todo = "todo"
    doing = "doing"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"
    aborted = "aborted"


def _workspace(db: str | None) -> Any:
    from buyersync.cli.common import cli_actor
    from buyersync.services.deals import open_workspace

    return open_workspace(db, actor=cli_actor())


def _err() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _submit(db: str | None, kind: str, args: dict[str, Any], queue: bool,
            format: OutFormat) -> None:
    """Queue the job (PostgreSQL) or run it here with a progress bar; print what happened."""
    from buyersync.services.jobs import has_queue, submit

    with _workspace(db) as service:
        queued = queue and has_queue(service)
        if queue and not queued and format is OutFormat.human:
            _err().print(t("jobs.inline", _L))
        if queued or not (sys.stderr.isatty() and format is OutFormat.human):
            done = submit(service, kind, args, queue=queue)
        else:
            from rich.progress import Progress

            with Progress(console=_err(), transient=True) as bar:
                task = bar.add_task(t("jobs.refreshing", _L) if kind == "refresh" else kind,
                                    total=None)

                def progress(n: int, total: int) -> None:
                    bar.update(task, completed=n, total=total)

                done = submit(service, kind, args, queue=False, progress=progress)
    _report(done, format)


def _report(done: Submitted, format: OutFormat) -> None:
    if format is OutFormat.json:
        print_json(done.model_dump(mode="json"))
    elif done.queued:
        print(t("jobs.queued", _L, id=done.job_id, kind=done.kind))
    elif done.kind == "refresh" and done.result is not None:
        print(t("jobs.refreshed", _L, **done.result))
    else:
        print(t("jobs.done", _L, kind=done.kind,
                result=json.dumps(done.result, ensure_ascii=False)))


# -- deals refresh ---------------------------------------------------------------------------

def deals_refresh(
    queue: Annotated[bool, typer.Option("--queue", help=t("jobs.help_queue_flag", _L))] = False,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Re-analyse every saved deal with the current model and knowledge (after an update)
    and save those whose analysis moved; history rows say `refresh`."""
    from buyersync.cli.common import cli_actor

    _submit(db, "refresh", {"actor": cli_actor()}, queue, format)


# -- jobs --------------------------------------------------------------------------------------

@jobs_app.command("worker")
def jobs_worker(
    db: DbOpt = None,
    once: Annotated[bool, typer.Option("--once", help=t("jobs.help_once", _L))] = False,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", min=1, max=64, help=t("jobs.help_concurrency", _L))] = 1,
    name: Annotated[str | None, typer.Option("--name", help=t("jobs.help_name", _L))] = None,
) -> None:
    """Do queued jobs: run as many workers as you like, on any machine that reaches the
    workspace's PostgreSQL; each job is done by one of them. Stops on Ctrl-C or SIGTERM
    (with --once: when the queue is empty)."""
    import logging

    from buyersync.services.jobs import work

    with _workspace(db) as service:
        # the queue's own log (a line as each job starts and ends) on standard error
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        log = logging.getLogger("procrastinate")
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        work(service, once=once, concurrency=concurrency, name=name)


@jobs_app.command("list")
def jobs_list(
    db: DbOpt = None,
    status: Annotated[JobStatus | None, typer.Option("--status", help=t("jobs.help_status", _L))]
    = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000,
                                       help=t("jobs.help_limit", _L))] = 50,
    format: FmtOpt = OutFormat.human,
) -> None:
    """The newest jobs of the queue, with their state."""
    from buyersync.services.jobs import list_jobs

    with _workspace(db) as service:
        found = list_jobs(service, status=status.value if status else None, limit=limit)
    if format is OutFormat.json:
        print_json([j.model_dump(mode="json") for j in found])
        return
    if not found:
        _err().print(t("jobs.no_jobs", _L))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*(t(f"jobs.col_{c}", _L) for c in
                    ("id", "task", "status", "attempts", "queued", "finished", "args")),
                  box=None, header_style="bold")
    for j in found:
        args = {k: v for k, v in j.args.items() if k != "actor"}
        table.add_row(str(j.id), j.task.removeprefix("buyersync."), j.status, str(j.attempts),
                      f"{j.queued_at:%Y-%m-%d %H:%M:%S}" if j.queued_at else "",
                      f"{j.finished_at:%Y-%m-%d %H:%M:%S}" if j.finished_at else "",
                      json.dumps(args, ensure_ascii=False))
    Console(highlight=False).print(table)


# -- jobs queue ------------------------------------------------------------------------------

@queue_app.command("refresh")
def queue_refresh(db: DbOpt = None, format: FmtOpt = OutFormat.human) -> None:
    """Queue `deals refresh`: re-analyse every deal."""
    deals_refresh(queue=True, db=db, format=format)


@queue_app.command("crm")
def queue_crm(
    file: Annotated[Path, typer.Argument(help=t("jobs.help_crm_file", _L))],
    source: Annotated[CrmSource, typer.Option("--from", help=t("jobs.help_crm_from", _L))],
    history: Annotated[Path | None, typer.Option(
        "--history", help=t("jobs.help_crm_history", _L))] = None,
    map_file: Annotated[Path | None, typer.Option("--map", help=t("jobs.help_crm_map", _L))]
    = None,
    strict: Annotated[bool, typer.Option("--strict", help=t("jobs.help_crm_strict", _L))]
    = False,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Queue a CRM import (as `deals import-crm`)."""
    from buyersync.cli.common import cli_actor
    from buyersync.services.jobs import job_args

    args = job_args("crm", file=file, source=source.value, history=history,
                    map_file=map_file, strict=strict, actor=cli_actor())
    _submit(db, "crm", args, True, format)


@queue_app.command("mail")
def queue_mail(
    paths: Annotated[list[str], typer.Argument(help=t("cli.help_mail_paths", _L))],
    deal: Annotated[str | None, typer.Option("--deal", help=t("cli.help_mail_deal", _L))] = None,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Queue a mail import (as `evidence import-mail`)."""
    from buyersync.cli.common import cli_actor
    from buyersync.services.jobs import job_args

    _submit(db, "mail", job_args("mail", paths=paths, deal_id=deal, actor=cli_actor()),
            True, format)


@queue_app.command("locate")
def queue_locate(
    input: Annotated[Path, typer.Argument(help=t("jobs.help_locate_input", _L))],
    output: Annotated[Path, typer.Option("--output", "-o", help=t("jobs.help_locate_output", _L))],
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Queue the locating of a JSON Lines file (as `locate --format jsonl`)."""
    from buyersync.services.jobs import job_args

    _submit(db, "locate", job_args("locate", input=input, output=output), True, format)


def register(app: typer.Typer) -> None:
    """Add `jobs …` to the main app and `refresh` to the `deals` commands."""
    deals_app.command("refresh")(deals_refresh)
    jobs_app.add_typer(queue_app, name="queue")
    app.add_typer(jobs_app, name="jobs")
