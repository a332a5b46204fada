"""`buyersync scale locate`: `locate --format jsonl` over many files on a Dask cluster
(services/scale.py; Dask is the optional extra `buyersync[scale]`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from buyersync.cli.common import cli_lang
from buyersync.text import t

_L = cli_lang()
scale_app = typer.Typer(help=t("jobs.help_scale", _L), no_args_is_help=True)


@scale_app.command("locate")
def scale_locate(
    files: Annotated[list[str], typer.Argument(help=t("jobs.help_scale_files", _L))],
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, max=512,
                                         help=t("jobs.help_scale_workers", _L))] = 2,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help=t("jobs.help_scale_scheduler", _L))] = None,
    output: Annotated[str, typer.Option("--output", "-o", help=t("jobs.help_scale_output", _L))]
    = "-",
    blocksize: Annotated[str, typer.Option("--blocksize", help=t("jobs.help_scale_blocksize", _L))]
    = "8MiB",
) -> None:
    """Which buying stage each line of JSON Lines files shows, on a Dask cluster: the same
    lines as `locate --format jsonl`, in input order."""
    from buyersync.errors import BadInput
    from buyersync.services.scale import locate_files

    if output == "-":
        report = locate_files(files, sys.stdout, workers=workers, scheduler=scheduler,
                              blocksize=blocksize)
    else:
        target = Path(output)
        if not target.parent.is_dir():
            raise BadInput("not_found", where=str(target.parent))
        with target.open("w", encoding="utf-8") as out:
            report = locate_files(files, out, workers=workers, scheduler=scheduler,
                                  blocksize=blocksize)
    sys.stdout.flush()
    sys.stderr.write(t("jobs.scale_done", _L, **report.model_dump()) + "\n")
    if report.failed:
        raise BadInput("scale_bad_lines", where=", ".join(files)[:200], failed=report.failed,
                       lines=report.lines)


def register(app: typer.Typer) -> None:
    """Add `scale …` to the main app."""
    app.add_typer(scale_app, name="scale")
