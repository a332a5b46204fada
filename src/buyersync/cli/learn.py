"""`buyersync learn`: what the team's own closed deals say about entry timing (docs/learning.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from buyersync.cli.common import OutFormat, print_json
from buyersync.cli.workspace import DbOpt, FmtOpt, _console, _service


def learn(
    backtest: Annotated[bool, typer.Option(
        "--backtest", help="Also print the time-split check: Brier score and reliability "
                           "bins beside a naive-Bayes baseline")] = False,
    period: Annotated[int, typer.Option(
        "--period", min=1, max=3650, help="Forecast window in days")] = 90,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    """Win probability and cycle time by entry stage and play (80% intervals), stall
    thresholds per stage, the forecast of open deals, from the workspace's history."""
    with _service(db) as service:
        report = service.learn_report(period_days=period)
    if format is OutFormat.json:
        data = report.model_dump(mode="json")
        if not backtest and data["backtest"]:
            data["backtest"] = {k: data["backtest"][k] for k in ("brier", "baseline_brier")}
        print_json(data)
        return
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{report.closed_deals}[/] closed deals; basis [bold]{report.basis}[/]"
                  + ("" if report.basis == "team" else
                     f" (the team's figures are used from {report.min_closed} closed deals)"))
    table = Table("entered at", "played", "n", "won", "win probability", "80% interval",
                  "median days", "days interval", box=None, header_style="bold")
    for c in report.cells:
        if c.n == 0:
            continue
        days = "—" if c.median_days is None else str(c.median_days)
        span = ("—" if c.days_low is None else f"{c.days_low}–"
                + ("…" if c.days_high is None else str(c.days_high)))
        table.add_row(c.entry_stage.value, c.played.value, str(c.n), str(c.won),
                      f"{c.win_probability:.0%}", f"{c.low:.0%}–{c.high:.0%}", days, span)
    console.print(table)
    console.print("stalled after (days): " + ", ".join(
        f"{s.value} {d}" + ("" if s in report.stall_learned else "*")
        for s, d in report.stall_days.items()) + "   (* default, too few moves seen)")
    for f in report.forecast:
        console.print(f"forecast {report.period_days} days, {f.currency}: open {f.open_amount:,.0f}"
                      f" in {f.deals} deal(s); won P10 {f.p10:,.0f}  P50 {f.p50:,.0f}  "
                      f"P90 {f.p90:,.0f}")
    bt = report.backtest
    if bt is None:
        console.print("backtest: too few closed deals with dates to split")
        return
    console.print(f"backtest (trained on {bt.train} closed by {bt.cutoff}, tested on {bt.test}): "
                  f"Brier {bt.brier:.3f}, naive Bayes {bt.baseline_brier:.3f}")
    if backtest:
        bins = Table("predicted", "deals", "mean predicted", "won", "baseline deals",
                     "baseline predicted", "baseline won", box=None, header_style="bold")
        for ours, theirs in zip(bt.bins, bt.baseline_bins, strict=True):
            def pct(x: float | None) -> str:
                return "—" if x is None else f"{x:.0%}"
            bins.add_row(f"{ours.low:.0%}–{ours.high:.0%}", str(ours.n), pct(ours.predicted),
                         pct(ours.observed), str(theirs.n), pct(theirs.predicted),
                         pct(theirs.observed))
        console.print(bins)


def register(app: typer.Typer) -> None:
    app.command("learn")(learn)
