"""`buyersync tender`: check a tender for clauses written around one supplier (registered on
the root app by cli/__init__.py). Parses, calls services/tender.py, prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from buyersync.cli.common import OutFormat, cli_lang, print_json
from buyersync.text import t


def _help(key: str) -> str:
    return t(f"cli.tender_{key}", cli_lang())


def tender(
    file: Annotated[str, typer.Argument(help=_help("file"))],
    datasheet: Annotated[list[str] | None, typer.Option("--datasheet", "-d", help=_help("datasheet"))] = None,
    deal: Annotated[str | None, typer.Option("--deal", help=_help("deal"))] = None,
    letters: Annotated[Path | None, typer.Option("--letters", help=_help("letters"))] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=_help("lang"))] = None,
    db: Annotated[str | None, typer.Option("--db", envvar="BUYERSYNC_DB", help=_help("db"))] = None,
    format: Annotated[OutFormat, typer.Option("--format", "-f", help=_help("format"))] = OutFormat.human,
) -> None:
    """Find the clauses of a tender that restrict competition or fit one supplier, say why
    with the rule they break, and draft the clarification questions and the challenge."""
    from buyersync.services import tender as service
    from buyersync.tender import TenderFileError

    if lang is not None and lang not in ("zh", "en"):
        raise TenderFileError("bad_lang", where="--lang", field="lang", value=repr(lang))
    report = service.check_tender_file(file, datasheet or [], lang=lang)
    stored = None
    if deal:
        from buyersync.services.deals import open_workspace

        with open_workspace(db) as workspace:
            service.attach(workspace, deal, report, Path(file).name)
            stored = workspace.export(deal)
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
