"""`buyersync mcp`, the MCP server for AI assistants over standard input and output, and
`buyersync deals letter`, the letters of a deal's plan (personalised by a language model
when one is configured)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from buyersync.cli.common import OutFormat, cli_lang, print_json, say
from buyersync.cli.workspace import DbOpt, FmtOpt, deals_app
from buyersync.text import t

_L = cli_lang()


class LetterKind(StrEnum):
    exchange_conditions = "exchange_conditions"
    walk_away = "walk_away"


def mcp(db: DbOpt = None) -> None:
    """Serve MCP over standard input and output, for a desktop assistant (docs/assistants.md).
    The tools read and write the workspace as the local user."""
    from buyersync.mcp.server import serve_stdio

    serve_stdio(db)


def letter(
    deal_id: Annotated[str, typer.Argument(metavar="ID")],
    kind: Annotated[LetterKind, typer.Option("--kind", help=t("cli.help_letter_kind", _L))],
    llm: Annotated[bool, typer.Option(
        "--llm/--no-llm", help=t("cli.help_letter_llm", _L))] = True,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """A letter of the deal's current plan, ready to send. With BUYERSYNC_LLM_BASE_URL set it
    is personalised from the deal's evidence (the prompt is shown); otherwise, or if the
    model fails, it is the template's."""
    import sys

    from buyersync.errors import BadInput
    from buyersync.services.deals import open_workspace
    from buyersync.services.drafting import draft

    with open_workspace(db) as service:
        view = service.get(deal_id)
        found = draft(view.deal, view.analysis, kind.value, service.settings, personalise=llm)
    if found is None:
        kinds = ", ".join(x.kind for x in view.analysis.letters) or "—"
        raise BadInput("no_letter", where=deal_id, field="kind", kind=kind.value, kinds=kinds)
    if format is OutFormat.json:
        print_json(found.model_dump(mode="json", exclude_none=True))
        return
    if found.prompt:
        sys.stderr.write(t("cli.sent_to_model", _L) + "\n")
        for message in found.prompt:
            sys.stderr.write(f"[{message['role']}]\n{message['content']}\n")
        sys.stderr.write("---\n")
    if found.note:
        say(t("cli.model_not_used", _L, why=found.note))
    sys.stdout.write(f"{found.subject}\n\n{found.body}\n")


def register(app: typer.Typer) -> None:
    app.command()(mcp)
    deals_app.command("letter")(letter)
