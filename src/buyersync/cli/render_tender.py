"""The human view of a tender check: the headline, then each flagged clause with its
location, the rule, the citation and the question to ask."""

from __future__ import annotations

from typing import Any

from buyersync.tender import TenderReport

_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}  # text-ok: rich style names


def print_tender(report: TenderReport, console: Any = None) -> None:
    from rich.console import Console
    from rich.markup import escape

    from buyersync.tender.rules import messages

    out = console or Console(highlight=False)
    lang = report.summary.lang
    words = messages()
    out.print(f"[bold]{escape(report.summary.headline)}[/bold]\n")
    by_id = {c.id: c for c in report.clauses}
    for f in report.flags:
        c = by_id[f.clause]
        sev = words["severity_names"][f.severity][lang]
        kind = words["kind_names"][f.kind.value][lang]
        out.print(f"[{_STYLE[f.severity]}]■ {escape(sev)}[/] [bold]{escape(kind)}[/bold]  "
                  f"[cyan]{escape(c.location)}[/cyan]")
        out.print(f"  “{escape(c.text[:300])}”")
        out.print(f"  {escape(f.why)}")
        out.print(f"  [dim]{escape(f.citation)}[/dim]")
        out.print(f"  → {escape(f.question)}\n")
