"""The environment as `config.Settings` reads it, for the one case that cannot afford to
import pydantic-settings (~0.1 s): the CLI's cold start when no BUYERSYNC_* variable is
set, every setting then being its default. Beside config.py, the only module that reads
the environment (tests/unit/test_settings_env.py); tests/unit/test_cli_startup.py checks
that both give the same answers."""

from __future__ import annotations

import os


def plain_environment() -> bool:
    """True when no BUYERSYNC_* variable is set (Settings would hold only defaults)."""
    return not any(k[:10].upper() == "BUYERSYNC_" for k in os.environ)


def lang_setting() -> str | None:
    """The language the environment asks for, as Settings.lang reads it: BUYERSYNC_LANG,
    else LANG."""
    value = _last("buyersync_lang")
    return value if value is not None else system_lang()


def system_lang() -> str | None:
    """The LANG variable, as pydantic-settings matches it."""
    return _last("lang")


def _last(name: str) -> str | None:
    """The variable `name` (lower case), matched case-insensitively with the last one winning."""
    value = None
    for k, v in os.environ.items():
        if k.lower() == name:
            value = v
    return value
