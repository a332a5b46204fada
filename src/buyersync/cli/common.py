"""Pieces every `buyersync` command module shares: the output format, JSON printing, the
terminal's settings and language, and the one-line message on standard error."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from buyersync.config import Settings
    from buyersync.errors import BadInput


class OutFormat(StrEnum):
    human = "human"
    json = "json"


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


@cache
def cli_settings() -> Settings:
    """The settings from the environment. A BUYERSYNC_* variable they cannot use is
    refused, never replaced by its default (which would drop the others, BUYERSYNC_PRIORS
    among them): a BadInput naming it, which `main` prints as one line with exit 2."""
    from pydantic import ValidationError

    from buyersync.config import Settings

    try:
        return Settings()
    except ValidationError as e:
        raise settings_error(e) from None


def _plain_environment() -> bool:
    """True when no BUYERSYNC_* variable is set: every setting is then its default (the
    language comes from LANG), known without importing pydantic-settings (~0.1 s)."""
    from buyersync.quickenv import plain_environment

    return plain_environment()


def cli_lang() -> str:
    """The terminal's language, "zh" or "en" (BUYERSYNC_LANG, else LANG)."""
    if _plain_environment():
        from buyersync.quickenv import system_lang
        from buyersync.text import lang_of

        return lang_of(system_lang())
    from buyersync.errors import BadInput

    try:
        return cli_settings().ui_lang
    except BadInput:  # the line naming the bad variable, in the language asked for
        from buyersync.quickenv import lang_setting
        from buyersync.text import lang_of

        return lang_of(lang_setting())


def cli_date_order() -> Literal["mdy", "dmy"]:
    """How 02/04/2026 reads in deal files: "mdy" or "dmy" (BUYERSYNC_DATE_ORDER). Any other
    value is refused with one line naming the setting and its values, never replaced."""
    if _plain_environment():
        return "mdy"
    return cli_settings().date_order


def cli_priors() -> Path | None:
    """The priors file laid over the shipped priors (BUYERSYNC_PRIORS), if any."""
    return None if _plain_environment() else cli_settings().priors


def cli_debug() -> bool:
    """Whether an internal error shows its traceback (BUYERSYNC_DEBUG)."""
    if _plain_environment():
        return False
    from buyersync.errors import BadInput

    try:
        return cli_settings().debug
    except BadInput:  # asked while wording another error: no traceback
        return False


def say(line: str) -> None:
    """One line on standard error, after the program's name (`buyersync: …`)."""
    sys.stderr.write(f"buyersync: {line}\n")


def cli_actor() -> str:
    """Who the audit log names for a write from the terminal: `cli:` and the system user."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"[:200]
    except Exception:  # no user name to be had (a container without one): still audited
        return "cli:?"


def settings_error(error: Any, given: Mapping[str, str] | None = None) -> BadInput:
    """A Settings validation error (errors.problem_of) as one line naming the variable
    it came from (BUYERSYNC_NAME), or the option that gave the value (`given`: field →
    option, {"db": "--db"})."""
    from buyersync.errors import BadInput, problem_of

    problem = problem_of(error)
    if not problem.field:  # the settings as a whole (team mode without a key)
        return BadInput("as_is", detail=problem.detail)
    name = (given or {}).get(problem.field) or problem.field.upper()
    if not name.startswith(("BUYERSYNC_", "--")):
        name = f"BUYERSYNC_{name}"
    return BadInput("setting", name=name, detail=problem.detail)


#: how the terminal names what lower floors call by a neutral name (errors.BadInput's
#: `where`): the options a user typed
OPTION_WORDS = {"db": "--db", "warning": "--warning", "from": "--from", "map": "--map"}
