"""The workspace commands of `buyersync` (registered on the main app by cli/__init__.py): saved
deals, evidence, outcomes, CRM imports, the schema, backup and restore.

Each command parses, calls the service (services/deals.py) once and prints: JSON with
`--format json`, Rich tables for people. Keep imports inside the command functions: this
module is imported on every CLI start.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from buyersync.cli.common import OutFormat, cli_lang, print_json, say
from buyersync.text import t

if TYPE_CHECKING:
    from buyersync.services.deals import DealService

_L = cli_lang()


def _w(key: str, **values: object) -> str:
    """A line of text/workspace.yaml in the terminal's language."""
    return t(f"workspace.{key}", _L, **values)


class DocFmt(StrEnum):
    yaml = "yaml"
    json = "json"


class OutcomeArg(StrEnum):
    won = "won"
    lost = "lost"
    open = "open"


class CrmSource(StrEnum):
    salesforce = "salesforce"
    hubspot = "hubspot"
    csv = "csv"


DbOpt = Annotated[str | None, typer.Option(
    "--db", envvar="BUYERSYNC_DB", show_envvar=True, help=_w("help_db"))]
FmtOpt = Annotated[OutFormat, typer.Option("--format", "-f", help=_w("help_format"))]

deals_app = typer.Typer(help=_w("help_deals"), no_args_is_help=True)
evidence_app = typer.Typer(help=_w("help_evidence"), no_args_is_help=True)
db_app = typer.Typer(help=_w("help_db_group"), no_args_is_help=True)


def _service(db: str | None) -> DealService:
    from buyersync.cli.common import cli_actor
    from buyersync.services.deals import open_workspace

    # every write from the terminal is audited like one from the web
    return open_workspace(db, actor=cli_actor())


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(highlight=False, stderr=stderr)


# -- deals --------------------------------------------------------------------------------

@deals_app.command("import")
def deals_import(
    files: Annotated[list[str], typer.Argument(help=_w("help_deal_files"))],
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Save deal files in the workspace, all or none. A file that carries an `id` replaces
    the saved deal with that id; without one, each import makes a new deal."""
    from buyersync.services.dealfile import read_deal_file

    deals = [read_deal_file(f) for f in files]  # every file is checked before any is saved
    with _service(db) as service:
        saved = service.import_deals(deals, cause="import")
    if format is OutFormat.json:
        print_json([{"id": i, "name": n} for i, n in saved])
        return
    from rich.table import Table

    table = Table(_w("col_id"), _w("col_name"), box=None, title=_w("imported", n=len(saved)))
    for i, n in saved:
        table.add_row(i, n)
    _console().print(table)


@deals_app.command("list")
def deals_list(
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
    stage: Annotated[str | None, typer.Option(help=_w("help_stage"))] = None,
    strategy: Annotated[str | None, typer.Option(help=_w("help_strategy"))] = None,
    owner: Annotated[str | None, typer.Option(help=_w("help_owner"))] = None,
    outcome: Annotated[str | None, typer.Option(help=_w("help_outcome_filter"))] = None,
    warning: Annotated[str | None, typer.Option(help=_w("help_warning"))] = None,
    stalled: Annotated[bool | None, typer.Option(
        "--stalled/--moving", help=_w("help_stalled"))] = None,
    limit: Annotated[int, typer.Option(help=_w("help_limit"))] = 1000,
    offset: Annotated[int, typer.Option(help=_w("help_offset"))] = 0,
) -> None:
    """Saved deals, most recently updated first."""
    with _service(db) as service:
        found = service.list(stage=stage, strategy=strategy, owner=owner, outcome=outcome,
                             warning=warning, stalled=stalled, limit=limit or None,
                             offset=offset)
    if format is OutFormat.json:
        print_json([s.model_dump(mode="json") for s in found])
        return
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column(_w("col_id"), no_wrap=True, min_width=12)
    table.add_column(_w("col_deal"), no_wrap=True, overflow="ellipsis", max_width=34)
    table.add_column(_w("col_stage"), no_wrap=True, min_width=8)
    table.add_column(_w("col_plan"), no_wrap=True, min_width=9)
    table.add_column(_w("col_warnings"), overflow="fold", max_width=24)
    table.add_column(_w("col_owner"), no_wrap=True, overflow="ellipsis", max_width=12)
    table.add_column(_w("col_updated"), no_wrap=True, min_width=10)
    for s in found:
        plan = s.strategy.value + (f" → {s.target_stage.value}" if s.target_stage else "")
        stage = s.stage.value + (f" [yellow]{_w('stalled_mark')}[/]" if s.stalled else "")
        if s.outcome.value != "open":
            stage = _w("closed_at", outcome=f"[bold]{s.outcome.value}[/]", stage=s.stage.value)
        table.add_row(s.id, s.name + (f" [dim]· {s.customer}[/]" if s.customer else ""), stage,
                      plan, " ".join(s.warnings), s.owner or "", f"{s.updated_at:%Y-%m-%d}")
    console = _console()
    console.print(table)
    if not found:
        _console(stderr=True).print(_w("no_deals"))


def _show_json(view: Any) -> dict[str, Any]:
    from buyersync.services.dealdoc import deal_json

    return deal_json(view)


@deals_app.command("show")
def deals_show(
    deal_id: Annotated[str, typer.Argument(metavar="ID")],
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """A saved deal with its current analysis and stage history."""
    with _service(db) as service:
        view = service.get(deal_id)
    if format is OutFormat.json:
        print_json(_show_json(view))
        return
    from rich.table import Table

    from buyersync.cli.render import print_analysis

    console = _console()
    shown = _w("shown", created=f"{view.created_at:%Y-%m-%d}",
               updated=f"{view.updated_at:%Y-%m-%d %H:%M}", days=view.days_in_stage)
    console.print(f"[bold]{view.deal.id}[/]  {shown}"
                  + (f"  [bold yellow]{_w('stalled')}[/]" if view.stalled else "")  # text-ok: Rich markup
                  + ("  " + _w("outcome_is", outcome=f"[bold]{view.deal.outcome.value}[/]")
                     if view.deal.outcome.value != "open" else ""))
    print_analysis(view.deal, view.analysis, console)
    if view.history:
        table = Table(_w("col_when"), _w("col_from"), _w("col_to"), "", _w("col_cause"),
                      _w("col_strategy"), box=None, title=_w("history_title"),
                      title_justify="left", header_style="bold")
        arrow = {"back": _w("move_back"), "forward": "→", "start": "●", "same": _w("move_same")}
        for h in view.history:
            table.add_row(f"{h.at:%Y-%m-%d}", h.from_stage.value if h.from_stage else "",
                          h.to_stage.value, arrow[h.direction], h.cause,
                          h.strategy.value if h.strategy else "")
        console.print()
        console.print(table)


@deals_app.command("export")
def deals_export(
    deal_id: Annotated[str, typer.Argument(metavar="ID")],
    db: DbOpt = None,
    format: Annotated[DocFmt, typer.Option("--format", "-f", help=_w("help_doc_format"))] = DocFmt.yaml,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=_w("help_output"))] = None,
) -> None:
    """A saved deal as a deal file, which `deals import` reads back to an equal deal."""
    from buyersync.services.dealdoc import dump_deal

    with _service(db) as service:
        text = dump_deal(service.export(deal_id), format.value)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@deals_app.command("delete")
def deals_delete(
    deal_id: Annotated[str, typer.Argument(metavar="ID")],
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Delete a saved deal with its evidence, contacts, history and analyses."""
    with _service(db) as service:
        service.delete(deal_id)
    if format is OutFormat.json:
        print_json({"id": deal_id, "deleted": True})
    else:
        _console().print(_w("deleted", id=deal_id))


@deals_app.command("outcome")
def deals_outcome(
    deal_id: Annotated[str, typer.Argument(metavar="ID")],
    outcome: Annotated[OutcomeArg, typer.Argument(help=_w("help_outcome"))],
    reason: Annotated[str | None, typer.Option("--reason", help=_w("help_reason"))] = None,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Record that a deal was won or lost (a lost deal's analysis diagnoses where)."""
    with _service(db) as service:
        view = service.record_outcome(deal_id, outcome.value, reason)
    if format is OutFormat.json:
        print_json(_show_json(view))
        return
    console = _console()
    console.print(_w("outcome_saved", id=deal_id, outcome=outcome.value)
                  + (_w("outcome_reason", reason=reason) if reason else ""))
    if view.analysis.diagnosis:
        d = view.analysis.diagnosis
        console.print("  " + _w("lost_at", stage=f"[bold red]{d.root_stage.value}[/]",  # text-ok: Rich markup
                                explanation=d.explanation))


@deals_app.command("stats")
def deals_stats(db: DbOpt = None, format: FmtOpt = OutFormat.human) -> None:
    """For managers: deals by stage, strategy and outcome, and what entering early or late
    costs (win rate and days to outcome by the stage at which we entered)."""
    with _service(db) as service:
        stats = service.stats()
    if format is OutFormat.json:
        print_json(stats.model_dump(mode="json"))
        return
    from rich.table import Table

    console = _console()
    sep = _w("list_sep")
    console.print(_w("stats_total", n=stats.total, stalled=stats.stalled) + "; "
                  + sep.join(f"{k} {v}" for k, v in stats.by_outcome.items()))
    console.print(_w("stats_open_by_stage",
                     counts=sep.join(f"{k} {v}" for k, v in stats.by_stage.items())))
    for title, rows in ((_w("stats_entered_at"), stats.by_entry_stage),
                        (_w("stats_entry_strategy"), stats.by_entry_strategy)):
        table = Table(title, _w("col_deals"), _w("col_open"), _w("col_won"), _w("col_lost"),
                      _w("col_win_rate"), _w("col_days_to_outcome"), box=None,
                      header_style="bold")
        for r in rows:
            table.add_row(r.key, str(r.deals), str(r.open), str(r.won), str(r.lost),
                          "—" if r.win_rate is None else f"{r.win_rate:.0%}",
                          "—" if r.mean_days_to_outcome is None else f"{r.mean_days_to_outcome:.0f}")
        console.print()
        console.print(table)


@deals_app.command("import-crm")
def deals_import_crm(
    file: Annotated[Path, typer.Argument(help=_w("help_crm_file"))],
    source: Annotated[CrmSource, typer.Option("--from", help=_w("help_crm_source"))],
    history: Annotated[Path | None, typer.Option("--history", help=_w("help_crm_history"))] = None,
    map_file: Annotated[Path | None, typer.Option("--map", help=_w("help_crm_map"))] = None,
    strict: Annotated[bool, typer.Option("--strict", help=_w("help_crm_strict"))] = False,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Import opportunities from a CRM export, all in one transaction. Bad rows are
    reported with their row numbers and skipped (with --strict: nothing is imported)."""
    from buyersync.imports import import_crm

    with _service(db) as service:
        if sys.stderr.isatty() and format is OutFormat.human:
            from rich.progress import Progress

            with Progress(console=_console(stderr=True), transient=True) as bar:
                task = bar.add_task(_w("importing"), total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                report = import_crm(service, file, source=source.value, history=history,
                                    map_file=map_file, strict=strict, progress=progress)
        else:
            report = import_crm(service, file, source=source.value, history=history,
                                map_file=map_file, strict=strict)
    if format is OutFormat.json:
        print_json(report.model_dump(mode="json"))
        return
    console = _console()
    err = _console(stderr=True)
    console.print(_w("crm_imported", n=len(report.imported), file=file.name)
                  + (_w("crm_history_rows", n=report.history_rows) if history else ""))
    if report.unknown_columns:
        err.print(f"[yellow]{_w('columns_unused')}[/] " + ", ".join(report.unknown_columns))
    for problem in report.skipped:
        line = _w("row_skipped", file=problem.file, row=problem.row, error=problem.render(_L))
        err.print(f"[yellow]{line}[/]")


@deals_app.command("load-demo")
def deals_load_demo(
    history: Annotated[int, typer.Option(
        "--history", min=0, max=20_000, help=t("learn.opt_history", _L))] = 0,
    seed: Annotated[int, typer.Option("--seed", help=t("learn.opt_seed", _L))] = 7,
    db: DbOpt = None, format: FmtOpt = OutFormat.human,
) -> None:
    """Fill an empty workspace with the bundled demo deals (does nothing otherwise)."""
    from buyersync.services.demo import load_demo

    with _service(db) as service:
        saved = load_demo(service)
        if saved and history:
            from buyersync.services.learning import simulated_deals

            made = simulated_deals(history, seed=seed, today=service.now().date())
            saved += service.import_deals(made)
    if format is OutFormat.json:
        print_json([{"id": i, "name": n} for i, n in saved])
    else:
        _console().print(_w("demo_loaded", n=len(saved)) if saved else _w("demo_not_empty"))


# -- evidence -----------------------------------------------------------------------------

@evidence_app.command("add")
def evidence_add(
    deal_id: Annotated[str, typer.Argument(metavar="ID")],
    text: Annotated[str, typer.Option("--text", "-t", help=_w("help_evidence_text"))],
    date: Annotated[str | None, typer.Option("--date", help=_w("help_evidence_date"))] = None,
    source: Annotated[str | None, typer.Option("--source", help=_w("help_evidence_source"))] = None,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Add a note, e-mail or call to a saved deal; prints the deal's new analysis."""
    from buyersync.errors import BadInput
    from buyersync.method.dates import parse_date
    from buyersync.method.model import Evidence

    body = sys.stdin.read() if text == "-" else text
    day = None
    if date is not None:
        try:
            day = parse_date(date)
        except ValueError as e:
            raise BadInput("field", where="--date", field="date", detail=str(e)) from None
    from pydantic import ValidationError

    from buyersync.errors import invalid

    try:
        Evidence.model_validate({"text": body, "date": day, "source": source})
    except ValidationError as e:
        raise invalid(e, "--text") from None
    with _service(db) as service:
        analysis = service.add_evidence(deal_id, body, day, source)
        deal = service.export(deal_id) if format is OutFormat.human else None
    if format is OutFormat.json or deal is None:
        print_json(analysis.model_dump(mode="json"))
        return
    from buyersync.cli.render import print_analysis

    print_analysis(deal, analysis)


# -- the database, backup and restore -------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None, format: FmtOpt = OutFormat.human) -> None:
    """Create the workspace schema, or migrate it to this version of buyersync."""
    with _service(db) as service:  # opening the workspace migrates it
        from buyersync.store.db import current_revision, shown_url

        revision = current_revision(service.engine)
        url = shown_url(service.engine.url)
    if format is OutFormat.json:
        print_json({"revision": revision, "url": url})
    else:
        _console().print(_w("schema_at", revision=revision, url=url))


def backup(
    file: Annotated[str, typer.Argument(help=_w("help_backup_file"))],
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Write a complete, portable copy of the workspace (JSON Lines), safe while it is in use."""
    from buyersync.services.backup import write_backup

    with _service(db) as service:
        counts = write_backup(service.engine, sys.stdout if file == "-" else Path(file))
    if format is OutFormat.json:
        print_json({"file": file, "rows": counts})
    elif file != "-":
        _console().print(_w("backed_up", n=counts.get("deals", 0), rows=sum(counts.values()),
                            file=file))


def restore(
    file: Annotated[str, typer.Argument(help=_w("help_restore_file"))],
    force: Annotated[bool, typer.Option("--force", help=_w("help_force"))] = False,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Restore a backup into an empty workspace (all or nothing)."""
    from buyersync.services.backup import read_backup

    with _service(db) as service:
        counts, users = read_backup(service.engine, Path(file) if file != "-" else sys.stdin,
                                    force=force, actor=service.actor)
    if users is not None:  # --force replaced the accounts too: say so, never silently
        say(t("cli.restore_users", _L, before=users[0], after=users[1]))
    if format is OutFormat.json:
        print_json({"file": file, "rows": counts})
    else:
        _console().print(_w("restored", n=counts.get("deals", 0), rows=sum(counts.values()),
                            file=file))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(deals_app, name="deals")
    app.add_typer(evidence_app, name="evidence")
    app.add_typer(db_app, name="db")
    app.command("backup")(backup)
    app.command("restore")(restore)
