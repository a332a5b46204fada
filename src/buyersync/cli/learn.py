"""`buyersync learn`: what the team's own closed deals say about entry timing (docs/learning.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from buyersync.cli.common import OutFormat, cli_lang, print_json
from buyersync.cli.workspace import DbOpt, FmtOpt, _console, _service
from buyersync.text import t

_LANG = cli_lang()


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def learn(
    backtest: Annotated[bool, typer.Option("--backtest", help=t("learn.opt_backtest", _LANG))] = False,
    period: Annotated[int, typer.Option("--period", min=1, max=3650,
                                        help=t("learn.opt_period", _LANG))] = 90,
    db: DbOpt = None,
    format: FmtOpt = OutFormat.human,
) -> None:
    with _service(db) as service:
        report = service.learn_report(period_days=period)
    if format is OutFormat.json:
        data = report.model_dump(mode="json")
        if not backtest and data["backtest"]:
            data["backtest"] = {k: data["backtest"][k] for k in ("brier", "baseline_brier")}
        print_json(data)
        return
    from rich.table import Table

    lang = cli_lang()
    console = _console()
    console.print(t("learn.summary", lang, n=report.closed_deals, basis=report.basis)
                  + ("" if report.basis == "team" else t("learn.below_min", lang, min=report.min_closed)))
    table = Table(*(t(f"learn.{k}", lang) for k in (
        "col_entry", "col_played", "col_n", "col_won", "col_win", "col_interval", "col_days",
        "col_days_interval")), box=None, header_style="bold")
    for c in report.cells:
        if c.n == 0:
            continue
        days = "—" if c.median_days is None else str(c.median_days)
        span = ("—" if c.days_low is None else f"{c.days_low}–"
                + ("…" if c.days_high is None else str(c.days_high)))
        table.add_row(c.entry_stage.value, c.played.value, str(c.n), str(c.won),
                      _pct(c.win_probability), f"{_pct(c.low)}–{_pct(c.high)}", days, span)
    console.print(table)
    listed = ", ".join(f"{s.value} {d}" + ("" if s in report.stall_learned else "*")
                       for s, d in report.stall_days.items())
    console.print(t("learn.stall", lang, list=listed))
    for f in report.forecast:
        console.print(t("learn.forecast", lang, days=report.period_days, currency=f.currency,
                        open=f"{f.open_amount:,.0f}", deals=f.deals, p10=f"{f.p10:,.0f}",
                        p50=f"{f.p50:,.0f}", p90=f"{f.p90:,.0f}"))
    bt = report.backtest
    if bt is None:
        console.print(t("learn.no_backtest", lang))
        return
    console.print(t("learn.backtest", lang, train=bt.train, cutoff=bt.cutoff, test=bt.test,
                    brier=f"{bt.brier:.3f}", baseline=f"{bt.baseline_brier:.3f}"))
    if backtest:
        bins = Table(*(t(f"learn.{k}", lang) for k in (
            "col_bin", "col_bin_n", "col_bin_pred", "col_bin_obs", "col_base_n",
            "col_base_pred", "col_base_obs")), box=None, header_style="bold")
        for ours, theirs in zip(bt.bins, bt.baseline_bins, strict=True):
            bins.add_row(f"{ours.low:.0%}–{ours.high:.0%}", str(ours.n), _pct(ours.predicted),
                         _pct(ours.observed), str(theirs.n), _pct(theirs.predicted),
                         _pct(theirs.observed))
        console.print(bins)


def register(app: typer.Typer) -> None:
    app.command("learn", help=t("learn.help", _LANG))(learn)
