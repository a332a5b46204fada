"""`buyersync users`: team-mode accounts, from the server's shell (whoever runs these
commands administers the workspace). Each command calls services/team.py's TeamService,
which hashes passwords, checks names and audits the change.

Keep imports inside the command functions: this module is imported on every CLI start.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from buyersync.cli.common import OutFormat, cli_lang, print_json
from buyersync.text import t

if TYPE_CHECKING:
    from buyersync.services.team import TeamService

_L = cli_lang()


def _help(key: str) -> str:
    return t(f"commands.help_{key}", _L)


def _u(key: str, **values: object) -> str:
    return t(f"users.{key}", _L, **values)


users_app = typer.Typer(help=_help("users"), no_args_is_help=True)


class RoleOpt(StrEnum):
    seller = "seller"
    manager = "manager"
    admin = "admin"


DbOption = Annotated[str | None, typer.Option("--db", help=_help("db"))]
FmtOption = Annotated[OutFormat, typer.Option("--format", "-f", help=t("workspace.help_format", _L))]


@contextmanager
def _team(db: str | None) -> Iterator[TeamService]:
    """The team service on the workspace (created or migrated on first use)."""
    from buyersync.services.deals import open_workspace
    from buyersync.services.team import TeamService

    with open_workspace(db) as workspace:
        yield TeamService.on(workspace.engine)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(t("commands.password_prompt", _L), hide_input=True,
                            confirmation_prompt=True))


def _say(line: str) -> None:
    sys.stdout.write(f"buyersync: {line}\n")


@users_app.command("add", help=_u("help_add"))
def users_add(
    name: Annotated[str, typer.Argument(help=_help("user_name"))],
    role: Annotated[RoleOpt, typer.Option(help=_help("role"))] = RoleOpt.seller,
    team: Annotated[str | None, typer.Option(help=_help("user_team"))] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help=_help("password_stdin"))] = False,
    db: DbOption = None,
) -> None:
    """Add a user (or reset an existing user's password, role and team)."""
    from buyersync.cli.common import cli_actor
    from buyersync.services.team import check_user_name

    name = check_user_name(name)  # before asking for a password
    password = _password(password_stdin)
    with _team(db) as accounts:
        user = accounts.add_user(name, password, role.value, team, actor=cli_actor())
    _say(t("commands.user_saved_team", _L, name=user.username, role=user.role, team=user.team)
         if user.team else t("commands.user_saved", _L, name=user.username, role=user.role))


@users_app.command("list", help=_u("help_list"))
def users_list(db: DbOption = None, format: FmtOption = OutFormat.human) -> None:
    """Every account with its role, team and whether it may sign in."""
    with _team(db) as accounts:
        found = accounts.users()
    if format is OutFormat.json:
        print_json([{"username": u.username, "role": u.role, "team": u.team,
                     "active": u.active} for u in found])
        return
    if not found:
        sys.stderr.write(f"buyersync: {_u('no_users')}\n")
        return
    rows = [(u.username, u.role, u.team or "", _u("active" if u.active else "removed"))
            for u in found]
    heads = (_u("col_user"), _u("col_role"), _u("col_team"), _u("col_state"))
    widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(3)]
    for row in [heads, *rows]:
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False))
                         + "  " + row[3] + "\n")


@users_app.command("remove", help=_u("help_remove"))
def users_remove(name: Annotated[str, typer.Argument(help=_help("user_name"))],
                 db: DbOption = None) -> None:
    """Take a user's access away at once (sessions end, tokens stop); their deals stay."""
    from buyersync.cli.common import cli_actor

    with _team(db) as accounts:
        accounts.remove_user(name, actor=cli_actor())
    _say(_u("removed_user", name=name.strip()))


@users_app.command("password", help=_u("help_password"))
def users_password(
    name: Annotated[str, typer.Argument(help=_help("user_name"))],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help=_help("password_stdin"))] = False,
    db: DbOption = None,
) -> None:
    """Set a user's password (their open sessions end)."""
    from buyersync.cli.common import cli_actor
    from buyersync.services.team import check_user_name

    name = check_user_name(name)
    password = _password(password_stdin)
    with _team(db) as accounts:
        accounts.set_password(name, password, actor=cli_actor())
    _say(_u("password_set", name=name))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(users_app, name="users")
