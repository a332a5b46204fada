"""`buyersync tokens`: personal API tokens for team mode, managed from the server's shell
(whoever runs these commands administers the workspace, as with `users add`)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

from buyersync.cli.common import OutFormat, cli_lang, print_json, say
from buyersync.cli.workspace import DbOpt, FmtOpt
from buyersync.text import t

_L = cli_lang()
tokens_app = typer.Typer(help=t("cli.help_tokens", _L), no_args_is_help=True)


class ScopeOpt(StrEnum):
    read = "read"
    write = "write"


def _workspace(db: str | None) -> Any:
    from buyersync.services.deals import open_workspace

    return open_workspace(db)


def _shell(engine: Any) -> Any:
    """The access policy of whoever runs these commands: they administer the workspace."""
    from buyersync.cli.common import cli_actor
    from buyersync.services.team import TeamService, shell_principal

    return TeamService.on(engine).policy(shell_principal(cli_actor()))


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Argument(help=t("cli.help_token_user", _L))],
    name: Annotated[str, typer.Option("--name", help=t("cli.help_token_name", _L))],
    scope: Annotated[ScopeOpt, typer.Option("--scope", help=t("cli.help_token_scope", _L))]
    = ScopeOpt.read,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Make a token; its secret is printed this once and never stored."""
    from buyersync.services.tokens import issue

    with _workspace(db) as service:
        info, secret = issue(service.engine, user, name, scope.value)
    if format is OutFormat.json:
        print_json({**info.as_json(), "token": secret})
        return
    sys.stdout.write(f"{secret}\n")
    say(t("cli.token_created", _L, id=info.id, user=user, scope=scope.value))


@tokens_app.command("list")
def tokens_list(
    user: Annotated[str | None, typer.Option("--user", help=t("cli.help_token_filter", _L))] = None,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Tokens (never their secrets), newest first, revoked ones included."""
    from buyersync.services.tokens import listing

    with _workspace(db) as service:
        found = listing(service.engine, _shell(service.engine), everyone=user is None,
                        user=user)
    if format is OutFormat.json:
        print_json([x.as_json() for x in found])
        return
    for x in found:
        if x.revoked_at:
            state = t("cli.token_revoked_on", _L, day=f"{x.revoked_at:%Y-%m-%d}")
        elif x.last_used_at:
            state = t("cli.token_used_on", _L, day=f"{x.last_used_at:%Y-%m-%d}")
        else:
            state = t("cli.token_never_used", _L)
        sys.stdout.write(f"{x.id}  {x.username}  {x.scope:5}  {x.name}  ({state})\n")


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID")],
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Revoke a token at once (as an admin)."""
    from buyersync.services.tokens import revoke

    with _workspace(db) as service:
        info = revoke(service.engine, token_id, _shell(service.engine))
    if format is OutFormat.json:
        print_json(info.as_json())
    else:
        sys.stdout.write(t("cli.token_revoked", _L, id=info.id, user=info.username,
                           name=info.name) + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens")
