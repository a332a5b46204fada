"""The `buyersync model` commands: train and inspect the stage locator's model."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from buyersync.cli.common import cli_lang, print_json
from buyersync.errors import BadInput
from buyersync.text import t


def _help(key: str) -> str:
    return t(f"commands.help_{key}", cli_lang())


model_app = typer.Typer(help=_help("model"), no_args_is_help=True)


@model_app.command("train")
def model_train(
    corpus: Annotated[
        list[Path] | None,
        typer.Argument(help=_help("train_corpus")),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help=_help("train_out"))] = None,
    folds: Annotated[int, typer.Option(help=_help("train_folds"))] = -1,
) -> None:
    """Train the stage model from labelled evidence, report cross-validated figures, save it."""
    from rich.console import Console

    from buyersync.cli.common import cli_lang
    from buyersync.locate.training import train_command

    console = Console(stderr=True)
    train_command(corpus or [], out, folds, cli_lang(), say=console.print, busy=console.status)


@model_app.command("info")
def model_info() -> None:
    """Show the shipped model's version, training data and cross-validated figures."""
    from buyersync.locate.model import shipped_model

    model = shipped_model()
    print_json(model.meta if model else {"model": None})


@model_app.command("card")
def model_card() -> None:
    """Print the shipped model's card (data, metrics, limits) as Markdown."""
    from buyersync.locate.card import model_card_markdown
    from buyersync.locate.model import shipped_model

    model = shipped_model()
    if model is None:
        raise BadInput("field", where="model", field="(model)", detail=t("commands.no_model", cli_lang()))
    sys.stdout.write(model_card_markdown(model.meta))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(model_app, name="model")
