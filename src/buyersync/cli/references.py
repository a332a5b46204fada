"""`buyersync references`: the team's reference cases (frames of reference, 参照系).

`import FILE` stores the cases of a YAML or JSON file (all or nothing); `list` shows them.
The planner quotes the best-matching case in the moves of saved deals' analyses.
"""

from __future__ import annotations

import typer

from buyersync.cli.common import OutFormat, cli_lang, print_json
from buyersync.cli.workspace import DbOpt, FmtOpt, _console, _service
from buyersync.text import t

references_app = typer.Typer(no_args_is_help=True)


@references_app.callback()
def references() -> None:
    """Reference cases the advice can quote (frames of reference)."""


@references_app.command("import")
def references_import(file: str, db: DbOpt = None, format: FmtOpt = OutFormat.human) -> None:
    """Import reference cases from FILE: a list of {customer, industry, size, problem,
    result, contact}."""
    with _service(db) as service:
        ids = service.import_references(file)
    if format is OutFormat.json:
        print_json([{"id": i} for i in ids])
    else:
        _console().print(t("cli.references_imported", cli_lang(), count=len(ids), file=file))


@references_app.command("list")
def references_list(db: DbOpt = None, format: FmtOpt = OutFormat.human) -> None:
    """List the workspace's reference cases."""
    with _service(db) as service:
        cases = service.references()
    if format is OutFormat.json:
        print_json([c.model_dump(exclude_none=True) for c in cases])
        return
    console = _console()
    for c in cases:
        console.print(f"[bold]{c.customer}[/] {c.industry or ''} {c.size or ''}".rstrip())
        console.print(f"  {c.problem} → {c.result}")


def register(app: typer.Typer) -> None:
    app.add_typer(references_app, name="references")
