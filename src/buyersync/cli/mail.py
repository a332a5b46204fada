"""`buyersync evidence import-mail` and `fetch-mail`: evidence straight from mail files and
IMAP folders (registered on the `evidence` sub-app of cli/workspace.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from buyersync.cli.common import OutFormat, cli_lang, print_json
from buyersync.cli.workspace import DbOpt, FmtOpt, evidence_app
from buyersync.text import t

if TYPE_CHECKING:
    from buyersync.imports.mail import MailMessage

_L = cli_lang()
DealOpt = Annotated[str | None, typer.Option("--deal", help=t("cli.help_mail_deal", _L))]


def _save(messages: list[MailMessage], deal: str | None, db: str | None,
          format: OutFormat) -> None:
    from buyersync.services.deals import open_workspace
    from buyersync.services.mail import import_mail as run

    with open_workspace(db) as service:
        report = run(service, messages, deal_id=deal)
    if format is OutFormat.json:
        print_json(report.as_json())
        return
    from rich.console import Console

    out = Console(highlight=False)
    out.print(t("cli.mail_summary", _L, messages=len(messages), attached=len(report.attached),
                unmatched=len(report.unmatched), duplicates=report.duplicates))
    for m in report.unmatched:
        out.print(f"  [yellow]{t('cli.mail_unmatched', _L)}[/] {m.from_}  {m.subject}")


def import_mail(
    paths: Annotated[list[str], typer.Argument(help=t("cli.help_mail_paths", _L))],
    deal: DealOpt = None,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Save e-mails as evidence on the deals they belong to, matched by the contacts'
    addresses, the customer's domains and the thread. Messages already saved are skipped."""
    from buyersync.imports.mail import read_mail

    _save(list(read_mail(paths)), deal, db, format)  # every file is read before any is saved


def fetch_mail(
    host: Annotated[str, typer.Option("--host", help=t("cli.help_imap_host", _L))],
    user: Annotated[str, typer.Option("--user", help=t("cli.help_imap_user", _L))],
    folder: Annotated[str, typer.Option("--folder", help=t("cli.help_imap_folder", _L))] = "INBOX",
    since: Annotated[str | None, typer.Option("--since", help=t("cli.help_imap_since", _L))] = None,
    port: Annotated[int | None, typer.Option("--port", help=t("cli.help_imap_port", _L))] = None,
    security: Annotated[str, typer.Option(
        "--security", help=t("cli.help_imap_security", _L))] = "ssl",
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help=t("cli.help_imap_password", _L))] = False,
    deal: DealOpt = None,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Fetch one IMAP folder (read-only: nothing is marked read) and save its mail as
    evidence, as `import-mail` does."""
    import datetime as dt
    import sys

    from buyersync.cli.common import cli_settings
    from buyersync.errors import BadInput
    from buyersync.imports.imapfetch import fetch_imap

    day = None
    if since is not None:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            raise BadInput("field", where="--since", field="since",
                           detail=f"YYYY-MM-DD? {since[:40]!r}") from None
    if security == "plain" and host not in ("127.0.0.1", "::1", "localhost"):
        raise BadInput("imap_plain_remote", where="--security", field="security")
    password = (sys.stdin.readline().rstrip("\r\n") if password_stdin
                else cli_settings().imap_password or "")
    if not password:
        raise BadInput("imap_password", where="--password-stdin", field="password")
    messages = list(fetch_imap(host, user, password, port=port, folder=folder, since=day,
                               security=security))
    _save(messages, deal, db, format)


def register(app: typer.Typer) -> None:
    """Add `import-mail` and `fetch-mail` to the `evidence` commands."""
    evidence_app.command("import-mail")(import_mail)
    evidence_app.command("fetch-mail")(fetch_mail)
