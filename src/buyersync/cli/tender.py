"""`buyersync tender`: check a tender for clauses written around one supplier (registered on
the main app by cli.py). Parses, calls services/tender.py, prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from buyersync.cli.common import OutFormat, print_json


def tender(
    file: Annotated[str, typer.Argument(help="The tender: .docx, .pdf (with text), .txt, .md or .html")],
    datasheet: Annotated[list[str] | None, typer.Option(
        "--datasheet", "-d", help="A product datasheet to compare figures with (repeatable)")] = None,
    deal: Annotated[str | None, typer.Option(
        "--deal", help="Attach the result to this saved deal (as evidence)")] = None,
    letters: Annotated[Path | None, typer.Option(
        "--letters", help="Write the clarification, challenge and exchange-conditions letters "
                          "(.md and .docx) into this folder")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en (default: the tender's)")] = None,
    db: Annotated[str | None, typer.Option("--db", envvar="BUYERSYNC_DB",
                                           help="Workspace database URL (with --deal)")] = None,
    format: Annotated[OutFormat, typer.Option("--format", "-f", help="human or json")] = OutFormat.human,
) -> None:
    """Find the clauses of a tender that restrict competition or fit one supplier, say why
    with the rule they break, and draft the clarification questions and the challenge."""
    from buyersync.errors import BadInput
    from buyersync.services import tender as service

    if lang is not None and lang not in ("zh", "en"):
        raise BadInput("field", where="--lang", field="lang", detail=f"expected zh or en; got {lang!r}")
    report = service.check_tender_file(file, datasheet or [], lang=lang)
    if deal:
        from buyersync.services.deals import open_workspace

        with open_workspace(db) as workspace:
            service.attach(workspace, deal, report, Path(file).name)
            stored = workspace.export(deal)
    else:
        stored = None
    if letters is not None:
        letters.mkdir(parents=True, exist_ok=True)
        for kind in ("clarification", "challenge", "exchange_conditions"):
            for fmt in ("md", "docx"):
                name, data = service.letter_file(report, kind, fmt, stored)
                (letters / name).write_bytes(data)
    if format is OutFormat.json:
        print_json(report.model_dump(mode="json"))
    else:
        from buyersync.cli.render_tender import print_tender

        print_tender(report)


def register(app: typer.Typer) -> None:
    app.command("tender")(tender)
