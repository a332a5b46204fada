"""Every workspace command and every built-in CRM stage is documented in docs/workspace.md."""

from __future__ import annotations

from pathlib import Path

import typer.main

from buyersync.cli.references import references_app
from buyersync.cli.workspace import db_app, deals_app, evidence_app
from buyersync.imports.maps import load_map

DOC = (Path(__file__).resolve().parents[2] / "docs" / "workspace.md").read_text("utf-8")


def command_names(app: typer.Typer) -> list[str]:
    group = typer.main.get_group(app)
    return sorted(group.commands)


def test_every_workspace_command_is_documented():
    for prefix, app in (("deals", deals_app), ("evidence", evidence_app), ("db", db_app),
                        ("references", references_app)):
        for name in command_names(app):
            assert f"`{prefix} {name}" in DOC, f"{prefix} {name} is not in docs/workspace.md"
    for name in ("backup", "restore"):
        assert f"`{name} " in DOC


def test_every_default_crm_stage_is_in_the_documented_table():
    for source in ("salesforce", "hubspot"):
        for stage, target in load_map(source).stages.items():
            if stage.islower():  # HubSpot's internal ids, listed beside their labels
                continue
            assert f"| {stage} | {target} |" in DOC or f"{stage} / " in DOC, (source, stage)
