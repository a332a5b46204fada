"""The web command of `buyersync`: `serve` (the deal room and the HTTP API); the accounts
it signs people in with are `buyersync users` (cli/users.py).

Keep imports inside the command functions: this module is imported on every CLI start.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from buyersync.cli.common import cli_lang, settings_error
from buyersync.text import t


def _help(key: str) -> str:
    return t(f"commands.help_{key}", cli_lang())


DbOption = Annotated[str | None, typer.Option("--db", help=_help("db"))]


def _fail(line: str) -> typer.Exit:
    sys.stderr.write(f"buyersync: {line}\n")
    return typer.Exit(2)


def _settings(db: str | None, team: bool = False) -> object:
    from pydantic import ValidationError

    from buyersync.config import Settings

    values: dict[str, object] = {}
    if db:
        values["db"] = db
    if team:
        values["team"] = True
    try:
        return Settings(**values)  # type: ignore[arg-type]
    except ValidationError as e:
        raise settings_error(e, {"db": "--db"} if db else None) from None


def is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option(help=_help("host"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help=_help("port"))] = 8000,
    db: DbOption = None,
    team: Annotated[bool, typer.Option(
        "--team", help=_help("team"))] = False,
    demo: Annotated[bool | None, typer.Option(
        "--demo/--no-demo", help=_help("demo"))] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help=_help("workers"))] = 1,
) -> None:
    """Serve the deal room (web pages) and the HTTP API (/api/v1, /openapi.json)."""
    from buyersync.config import Settings

    settings = _settings(db, team)
    assert isinstance(settings, Settings)
    if not settings.team and not is_loopback(host):
        raise _fail(t("commands.local_only", cli_lang(), host=host))
    import uvicorn

    from buyersync.web.app import create_app, workspace

    service = workspace(settings)
    if demo if demo is not None else settings.embedded:
        from buyersync.services.demo import load_demo

        added = load_demo(service)
        if added:
            sys.stderr.write(f"buyersync: {t('commands.demo_loaded', cli_lang(), n=len(added))}\n")
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    mode = t("commands.mode_team" if settings.team else "commands.mode_local", cli_lang())
    url = f"http://{shown}:{port}/"
    sys.stdout.write(f"buyersync: {t('commands.serving', cli_lang(), url=url, mode=mode)}\n")
    sys.stdout.flush()
    # "[::1]" is how an IPv6 address is written in a URL; the socket wants it bare
    if workers == 1:
        uvicorn.run(create_app(settings, deals=service), host=host.strip("[]"), port=port,
                    log_level="warning", access_log=False)
        return
    # several processes, each building the app from the same settings (web/app.py's
    # app_from_env: create_app again); they share nothing but the database, the session
    # key included
    service.close()
    service.engine.dispose()
    import secrets

    from buyersync.config import export_for_workers

    export_for_workers(settings, secrets.token_urlsafe(32))
    uvicorn.run("buyersync.web.app:app_from_env", factory=True, workers=workers,
                host=host.strip("[]"), port=port, log_level="warning", access_log=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command()(serve)
