"""The `buyersync` command line: a thin skin over `buyersync.services`.

Each command parses its arguments, calls one service function and prints. The commands
live in the modules of this package; each module has a `register(app)` that adds its
commands (or its sub-app) to the root app.

To add a command module: write `buyersync/cli/NAME.py` with `register(app)`, then add
"NAME" to `COMMAND_MODULES` below. Nothing else wires commands.

Heavy modules (the locator's model, the web app, the database) are imported inside the
command functions, so that `buyersync analyze` starts fast; a plain `analyze` line does not
even import Typer (`cli/quick.py`), so the app is built on first use (`app`).
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

from buyersync.cli.common import OPTION_WORDS, cli_date_order, cli_debug, cli_lang, say
from buyersync.errors import BadInput, Conflict, NotFound
from buyersync.text import both, t

if TYPE_CHECKING:
    import typer

__all__ = ["COMMAND_MODULES", "app", "build_app", "main"]

# The order is the order of `buyersync --help`.
COMMAND_MODULES: tuple[str, ...] = ("analysis", "model", "workspace", "learn", "references", "mail",
                                     "web", "users", "tender", "tokens", "assistant", "jobs", "scale")


def build_app() -> typer.Typer:
    """The root Typer app with every command module registered on it."""
    import typer

    root = typer.Typer(
        name="buyersync",
        help="\n\n".join(both("commands.app")[lang] for lang in ("en", "zh")),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for name in COMMAND_MODULES:
        import_module(f"buyersync.cli.{name}").register(root)
    return root


@cache
def _app() -> typer.Typer:
    return build_app()


def __getattr__(name: str) -> typer.Typer:
    """`buyersync.cli.app`: the whole app, built when first asked for."""
    if name == "app":
        return _app()
    raise AttributeError(name)


def app_for(args: list[str]) -> typer.Typer:
    """The app that runs `args`: for a known command, a root app that holds that command alone.

    Typer turns every registered command into a parser before it parses anything (some
    forty of them); a command line names one, so only that one is built. Anything else
    (no command, an option first, an unknown name) goes to the whole app, whose help and
    errors list every command.
    """
    import typer

    app = _app()
    name = args[0] if args else ""
    one = typer.Typer(name="buyersync", no_args_is_help=True, pretty_exceptions_enable=False,
                      add_completion=False)
    one.callback()(_group)  # two or more entries keep the group shape: `buyersync NAME …`
    one.registered_commands = [c for c in app.registered_commands
                               if c.name == name or (c.name is None and c.callback is not None
                                                     and c.callback.__name__.replace("_", "-") == name)]
    one.registered_groups = [g for g in app.registered_groups if g.name == name]
    return one if one.registered_commands or one.registered_groups else app


def _group() -> None:
    pass


def main() -> None:
    """Entry point: turns bad input into one line and exit status 2, never a traceback."""
    try:
        from buyersync.method.dates import set_default_order

        set_default_order(cli_date_order())  # how 02/04/2026 reads in deal files
        from buyersync.cli.quick import run

        if not run(sys.argv[1:]):  # a plain `analyze` line runs without Typer
            app_for(sys.argv[1:])()
    except BadInput as e:
        say(e.render(cli_lang(), words=OPTION_WORDS))
        sys.exit(2)
    except (Conflict, NotFound) as e:
        say(e.render(cli_lang()))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:  # the last guard: a bug must still not print a traceback
        if cli_debug():
            raise
        say(t("cli.internal_error", cli_lang(), kind=type(e).__name__, error=e))
        sys.exit(1)
