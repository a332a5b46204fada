"""The `buyersync` command: each command parses, calls one service function and prints.

Heavy modules (the locator's model, the web app, the database) are imported inside the
commands that need them, so that `buyersync analyze` starts fast.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from buyersync.cli_common import OutFormat, print_json
from buyersync.errors import BadInput, NotFound

app = typer.Typer(
    name="buyersync",
    help="Keep a B2B sale in step with the customer's buying process.\n\n"
         "让销售与客户的采购流程保持同步：定位、决策、行动。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
model_app = typer.Typer(help="Train and inspect the stage locator's model.", no_args_is_help=True)
app.add_typer(model_app, name="model")


def _register_more() -> None:
    from buyersync import cli_web, cli_workspace

    cli_workspace.register(app)
    cli_web.register(app)


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


FormatOpt = Annotated[OutFormat, typer.Option("--format", "-f", help="human or json")]
LangOption = Annotated[
    LangOpt | None, typer.Option("--lang", help="Output language (default: the deal's)")
]


@app.command()
def analyze(
    file: Annotated[str, typer.Argument(help="Deal file in YAML or JSON; '-' reads standard input")],
    format: FormatOpt = OutFormat.human,
    lang: LangOption = None,
) -> None:
    """Where the customer is, whether to stay in step, pull back or walk away, and what to do."""
    from buyersync.method.stages import Lang
    from buyersync.services.analysis import analyze as run
    from buyersync.services.dealfile import read_deal_file

    deal = read_deal_file(file)
    result = run(deal, lang=Lang(lang.value) if lang else None)
    if format is OutFormat.json:
        print_json(result.model_dump(mode="json"))
    else:
        from buyersync.render import print_analysis

        print_analysis(deal, result)


@app.command()
def locate(
    format: Annotated[LocateFormat, typer.Option("--format", "-f")] = LocateFormat.human,
    text: Annotated[str | None, typer.Option("--text", "-t", help="Text to locate instead of standard input")] = None,
    lang: LangOption = None,
) -> None:
    """Which buying stage a note, e-mail, call or tender excerpt shows (reads standard input).

    With --format jsonl, reads lines {"id", "text"} and streams one result per line.
    """
    if format is LocateFormat.jsonl:
        from buyersync.services.batch import locate_stream

        failed = locate_stream(sys.stdin, sys.stdout, progress=sys.stderr.isatty())
        if failed:
            raise BadInput("jsonl_line", where="<stdin>", line=failed[0][0], detail=failed[0][1])
        return
    from buyersync.locate import locate as run

    body = text if text is not None else sys.stdin.read()
    if not body.strip():
        raise BadInput("empty_text", where="--text" if text is not None else "<stdin>")
    result = run(body)
    if format is LocateFormat.json:
        print_json(result.model_dump(mode="json"))
    else:
        from buyersync.render import print_location

        print_location(body, result, lang.value if lang else None)


@app.command()
def schema(name: Annotated[SchemaName, typer.Argument(help="deal, analysis or location")]) -> None:
    """Print the JSON Schema of a deal file, an analysis or a location."""
    from buyersync.method.model import Analysis, Deal, Location

    models: dict[str, type[Deal] | type[Analysis] | type[Location]] = {
        "deal": Deal, "analysis": Analysis, "location": Location}
    print_json(models[name.value].model_json_schema())


@app.command()
def demo(
    format: FormatOpt = OutFormat.human,
    lang: LangOption = None,
) -> None:
    """Analyse the bundled demo deal: a surprise tender, in Chinese."""
    from importlib import resources

    ref = resources.files("buyersync").joinpath("demo", "surprise-tender.yaml")
    with resources.as_file(ref) as path:
        analyze(str(path), format=format, lang=lang)


@app.command("eval")
def evaluate(
    corpus: Annotated[Path, typer.Argument(help="Folder with evidence.jsonl (and/or real/*.jsonl)")],
    format: Annotated[str, typer.Option("--format", "-f", help="table or json")] = "table",
) -> None:
    """Score the locator on a labelled corpus: accuracy, per-stage precision/recall, confusion."""
    from buyersync.services.evaluation import evaluate_folder

    report = evaluate_folder(corpus)
    if format == "json":
        print_json(report)
    else:
        from buyersync.render import print_eval

        print_eval(report)


@model_app.command("train")
def model_train(
    corpus: Annotated[
        list[Path] | None,
        typer.Argument(help="Training .jsonl files or folders (default: the repo's data/training)"),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the model (default: the package)")] = None,
    folds: Annotated[int, typer.Option(help="Cross-validation folds to report (0: skip)")] = 5,
) -> None:
    """Train the stage model from labelled evidence, report cross-validated figures, save it."""
    from buyersync.locate.training import train_command

    train_command(corpus or [], out, folds)


@model_app.command("info")
def model_info() -> None:
    """Show the shipped model's version, training data and cross-validated figures."""
    from buyersync.locate.model import shipped_model

    model = shipped_model()
    print_json(model.meta if model else {"model": None})


_register_more()


@model_app.command("card")
def model_card() -> None:
    """Print the shipped model's card (data, metrics, limits) as Markdown."""
    from buyersync.locate.card import model_card_markdown
    from buyersync.locate.model import shipped_model

    model = shipped_model()
    if model is None:
        raise BadInput("field", where="model", field="(model)", detail="no trained model shipped")
    sys.stdout.write(model_card_markdown(model.meta))


def main() -> None:
    """Entry point: turns bad input into one line and exit status 2, never a traceback."""
    try:
        app()
    except (BadInput, NotFound) as e:
        sys.stderr.write(f"buyersync: {e}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:  # the last guard: a bug must still not print a traceback
        if os.environ.get("BUYERSYNC_DEBUG"):
            raise
        sys.stderr.write(f"buyersync: internal error: {type(e).__name__}: {e} "
                         "(set BUYERSYNC_DEBUG=1 for details)\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
