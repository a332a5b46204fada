"""The stateless commands: `analyze`, `locate`, `schema`, `demo` and `eval`.

Each parses, calls one service function and prints. Heavy modules (the locator's model)
are imported inside the commands that need them, so that `buyersync analyze` starts fast.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from buyersync.cli.common import OutFormat, cli_lang, print_json
from buyersync.errors import BadInput
from buyersync.text import t


def _help(key: str) -> str:
    return t(f"commands.help_{key}", cli_lang())


class LocateFormat(StrEnum):
    human = "human"
    json = "json"
    jsonl = "jsonl"


class LangOpt(StrEnum):
    zh = "zh"
    en = "en"


class SchemaName(StrEnum):
    deal = "deal"
    analysis = "analysis"
    location = "location"


FormatOpt = Annotated[OutFormat, typer.Option("--format", "-f", help=_help("format"))]
LangOption = Annotated[
    LangOpt | None, typer.Option("--lang", help=_help("lang"))
]


def analyze(
    file: Annotated[str, typer.Argument(help=_help("deal_file"))],
    format: FormatOpt = OutFormat.human,
    lang: LangOption = None,
) -> None:
    """Where the customer is, whether to stay in step, pull back or walk away, and what to do."""
    from buyersync.cli.quick import analyze_file

    analyze_file(file, format, lang.value if lang else None)


def locate(
    format: Annotated[LocateFormat, typer.Option("--format", "-f")] = LocateFormat.human,
    text: Annotated[str | None, typer.Option("--text", "-t", help=_help("text"))] = None,
    lang: LangOption = None,
) -> None:
    """Which buying stage a note, e-mail, call or tender excerpt shows (reads standard input).

    With --format jsonl, reads lines {"id", "text"} and streams one result per line.
    """
    if format is LocateFormat.jsonl:
        from buyersync.cli.quick import locate_jsonl

        locate_jsonl()
        return
    from buyersync.locate import locate as run

    body = text if text is not None else sys.stdin.read()
    if not body.strip():
        raise BadInput("empty_text", where="--text" if text is not None else "<stdin>")
    result = run(body)
    if format is LocateFormat.json:
        print_json(result.model_dump(mode="json"))
    else:
        from buyersync.cli.render import print_location

        print_location(body, result, lang.value if lang else None)


def schema(name: Annotated[SchemaName, typer.Argument(help=_help("schema"))]) -> None:
    """Print the JSON Schema of a deal file, an analysis or a location."""
    from buyersync.method.model import Analysis, Deal, Location

    models: dict[str, type[Deal] | type[Analysis] | type[Location]] = {
        "deal": Deal, "analysis": Analysis, "location": Location}
    print_json(models[name.value].model_json_schema())


def demo(
    format: FormatOpt = OutFormat.human,
    lang: LangOption = None,
) -> None:
    """Analyse the bundled demo deal: a surprise tender, in Chinese."""
    from importlib import resources

    ref = resources.files("buyersync").joinpath("demo", "surprise-tender.yaml")
    with resources.as_file(ref) as path:
        analyze(str(path), format=format, lang=lang)


def evaluate(
    corpus: Annotated[Path, typer.Argument(help=_help("corpus"))],
    format: Annotated[str, typer.Option("--format", "-f", help=_help("eval_format"))] = "table",
) -> None:
    """Score the locator on a labelled corpus: accuracy, per-stage precision/recall, confusion."""
    from buyersync.services.evaluation import evaluate_folder

    report = evaluate_folder(corpus)
    if format == "json":
        print_json(report)
    else:
        from buyersync.cli.render import print_eval

        print_eval(report, cli_lang())


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command()(analyze)
    app.command()(locate)
    app.command()(schema)
    app.command()(demo)
    app.command("eval")(evaluate)
