"""Loads the method's bilingual knowledge files (method/data/*.yaml) once per process.

The files are the product's editable knowledge: stage texts, pull-back rules and priors,
moves with talk tracks, questions, letters and the signal lexicon. Code reads them; it
does not restate them.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from buyersync.datafile import load_yaml, package_file
from buyersync.method.stages import Lang, Stage


def _read(name: str) -> Any:
    return load_yaml(package_file("buyersync.method", "data", name))


@cache
def stages_file() -> dict[str, Any]:
    data: dict[str, Any] = _read("stages.yaml")
    return data


@cache
def rules() -> dict[str, Any]:
    data: dict[str, Any] = _read("rules.yaml")
    return data


@cache
def playbook() -> dict[str, Any]:
    data: dict[str, Any] = _read("playbook.yaml")
    return data


@cache
def questions() -> dict[str, Any]:
    data: dict[str, Any] = _read("questions.yaml")
    return data


@cache
def letters() -> dict[str, Any]:
    data: dict[str, Any] = _read("letters.yaml")
    return data


@cache
def facts_file() -> dict[str, Any]:
    data: dict[str, Any] = _read("facts.yaml")
    return data


@cache
def headings() -> dict[str, Any]:
    data: dict[str, Any] = _read("headings.yaml")
    return data


@cache
def signals() -> dict[str, Any]:
    data: dict[str, Any] = _read("signals.yaml")
    return data


def priors(override_path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The trade-off priors, with the keys of an override file laid over the shipped ones.
    The caller names the file (the entry points take it from `Settings.priors`, via
    services/analysis.py's `load_priors`, which words a bad file for the user)."""
    base = dict(rules()["priors"])
    path = override_path
    if path:
        import yaml

        extra = yaml.load(Path(path).read_text("utf-8"),
                          Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        if not isinstance(extra, dict):
            raise ValueError(message("input", "priors_mapping", "en", path=path))
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                merged = dict(base[key])
                merged.update(value)
                base[key] = merged
            else:
                base[key] = value
    return base


def stage_name(stage: Stage | str, lang: Lang | str) -> str:
    for row in stages_file()["stages"]:
        if row["key"] == str(stage):
            return str(row[str(lang)]["name"])
    raise KeyError(stage)


def label(group: str, key: str, lang: Lang | str) -> str:
    """A zh/en label from stages.yaml: group is drivers, capabilities, strategies, steps, roles."""
    return str(stages_file()[group][key][str(lang)])


@cache
def messages() -> dict[str, Any]:
    data: dict[str, Any] = _read("messages.yaml")
    return data


def message(group: str, key: str, lang: Lang | str, **values: object) -> str:
    """A sentence from messages.yaml in the given language, with its placeholders filled."""
    template = str(messages()[group][key][str(lang)])
    return template.format_map(_Blank({k: str(v) for k, v in values.items()}))


class _Blank(dict[str, str]):
    """Leaves an unknown placeholder visible instead of failing: a trainer's typo must not crash a plan."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
