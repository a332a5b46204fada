"""`buyersync analyze FILE [--format human|json] [--lang zh|en]` and `buyersync locate
--format jsonl` without Typer.

Typer (with Click, and the pydantic adapters it builds for each option) costs a sixth of
`analyze`'s cold start, and a script runs that one line over and over. A command line of
exactly that shape — the command, one file, at most one of each option, each with a value
Typer would accept — is parsed here and runs the same function the Typer command runs;
so does `locate --format jsonl` (or `-f jsonl`) with nothing else, a batch job's line.
Anything else (help, `--format=json`, an unknown or repeated option, a bad value) goes to
Typer, which answers and words errors as it always has.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from buyersync.cli.common import OutFormat, cli_priors, print_json

_OPTIONS = {"--format": "format", "-f": "format", "--lang": "lang"}
_VALUES = {"format": {f.value for f in OutFormat}, "lang": {"zh", "en"}}


def parse(args: Sequence[str]) -> tuple[str, OutFormat, str | None] | None:
    """(file, format, lang) of a plain `analyze` line, or None for Typer to parse."""
    if len(args) < 2 or args[0] != "analyze":
        return None
    file, given = None, {}
    rest = list(args[1:])
    while rest:
        word = rest.pop(0)
        if word in _OPTIONS and rest:
            name = _OPTIONS[word]
            if name in given or rest[0] not in _VALUES[name]:
                return None
            given[name] = rest.pop(0)
        elif file is None and (word == "-" or not word.startswith("-")):
            file = word
        else:
            return None
    if file is None:
        return None
    return file, OutFormat(given.get("format", OutFormat.human.value)), given.get("lang")


_JSONL = (["locate", "--format", "jsonl"], ["locate", "-f", "jsonl"])


def run(args: Sequence[str]) -> bool:
    """Run a plain `analyze` or `locate --format jsonl` line; False when the line is one for Typer."""
    if list(args) in _JSONL:
        locate_jsonl()
        return True
    parsed = parse(args)
    if parsed is None:
        return False
    analyze_file(*parsed)
    return True


def analyze_file(file: str, format: OutFormat, lang: str | None) -> None:
    """The `analyze` command: read the deal, analyse it, print it (Typer's command calls this)."""
    from buyersync.method.stages import Lang
    from buyersync.services.analysis import analyze as analyze_deal
    from buyersync.services.analysis import load_priors
    from buyersync.services.dealfile import read_deal_file

    deal = read_deal_file(file)
    result = analyze_deal(deal, lang=Lang(lang) if lang else None, priors=load_priors(cli_priors()))
    if format is OutFormat.json:
        print_json(result.model_dump(mode="json"))
    else:
        from buyersync.cli.render import print_analysis

        print_analysis(deal, result)


def locate_jsonl() -> None:
    """`locate --format jsonl`: standard input's lines located onto standard output (Typer's
    command calls this too); a bad line is answered in place, then reported (exit 2)."""
    from buyersync.errors import BadInput
    from buyersync.services.batch import locate_stream

    counter = None
    if sys.stderr.isatty():
        from buyersync.cli.progress import Counter

        counter = Counter("cli.texts_located")
    try:
        failed = locate_stream(sys.stdin, sys.stdout, progress=counter.update if counter else None)
    finally:
        if counter:
            counter.close()
    if failed:
        raise BadInput("jsonl_line", where="<stdin>", line=failed[0][0], detail=failed[0][1])


__all__ = ["analyze_file", "locate_jsonl", "parse", "run"]
