"""Human output for the terminal: the nine-stage track, the decision and the plan, with Rich."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from buyersync.method import knowledge as kb
from buyersync.method.model import Analysis, Deal, Location
from buyersync.method.stages import STAGES, Lang

UI = {
    "zh": {"track": "采购流程", "customer_here": "客户在这里", "target": "拉回到", "next": "下一步",
           "strategy": "策略", "why": "理由", "warnings": "警示", "moves": "行动",
           "say": "话术", "questions": "要问关键人的问题", "letters": "信函",
           "tradeoff": "权衡", "win": "赢率", "following": "跟着走的赢率", "days": "多花天数",
           "diagnosis": "丢单诊断", "root": "真正丢掉的阶段", "alternatives": "备选",
           "shaped": "塑造者", "stage": "阶段", "scores": "各阶段得分", "signals": "信号",
           "competitor_led": "对手主导", "yes": "是", "no": "否", "unknown": "看不出"},
    "en": {"track": "Buying process", "customer_here": "customer is here", "target": "pull back to",
           "next": "next", "strategy": "Strategy", "why": "Why", "warnings": "Warnings",
           "moves": "Moves", "say": "Say", "questions": "Questions for key people",
           "letters": "Letters", "tradeoff": "Trade-off", "win": "win probability",
           "following": "if we just follow", "days": "extra days",
           "diagnosis": "Loss diagnosis", "root": "lost at", "alternatives": "alternatives",
           "shaped": "shaped by", "stage": "Stage", "scores": "Scores", "signals": "Signals",
           "competitor_led": "competitor-led", "yes": "yes", "no": "no", "unknown": "can't tell"},
}
DRIVER_STYLE = {"us": "green", "competitor": "red", "customer": "yellow", "unknown": "bright_black"}
WARN_STYLE = "bold yellow"


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def track_table(result: Analysis) -> Table:
    lang = result.lang.value
    ui = UI[lang]
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1), expand=False)
    for t in result.track:
        table.add_column(f"{t.stage.rank + 1} {t.name}", justify="center", no_wrap=True)
    marks, shapers = [], []
    for t in result.track:
        if t.position == "current":
            marks.append(Text("● " + ui["customer_here"] if lang == "en" else "●" + ui["customer_here"],
                              style="bold reverse"))
        elif t.target:
            label = ui["target"] if result.strategy.value == "pull_back" else ui["next"]
            marks.append(Text(("↩ " if result.strategy.value == "pull_back" else "→ ") + label,
                              style="bold cyan"))
        elif t.position == "passed":
            marks.append(Text("━━━", style="white"))
        else:
            marks.append(Text("···", style="bright_black"))
        if t.driver:
            shapers.append(Text(kb.label("drivers", t.driver.value, lang),
                                style=DRIVER_STYLE[t.driver.value]))
        elif t.position == "passed":
            shapers.append(Text("?", style="bright_black"))
        else:
            shapers.append(Text(""))
    table.add_row(*marks)
    table.add_row(*shapers)
    return table


def print_analysis(deal: Deal, result: Analysis, console: Console | None = None) -> None:
    console = console or _console()
    lang = result.lang.value
    ui = UI[lang]
    title = deal.name + (f" · {deal.customer}" if deal.customer else "")
    console.print(Panel(track_table(result), title=f"[bold]{title}[/]",
                        subtitle=ui["track"], expand=False))
    strategy = kb.label("strategies", result.strategy.value, lang)
    head = Text(f"{ui['strategy']}: ", style="bold")
    head.append(strategy.upper() if lang == "en" else strategy, style="bold cyan")
    if result.target_stage:
        head.append(f"  →  {kb.stage_name(result.target_stage, lang)}", style="bold")
    if result.alternatives:
        alts = kb.message("generic", "list_sep", lang).join(
            kb.stage_name(s, lang) for s in result.alternatives)
        head.append(f"   ({ui['alternatives']}: {alts})", style="dim")
    console.print(head)
    for r in result.reasons:
        console.print(f"  [dim]{r.rule}[/] {r.text}")
    if result.warnings:
        console.print()
        console.print(f"[bold]{ui['warnings']}[/]")
        for w in result.warnings:
            console.print(f"  [{WARN_STYLE}]⚠ {w.code.value}[/] {w.message}")
    if result.moves:
        console.print()
        console.print(f"[bold]{ui['moves']}[/]")
        for i, m in enumerate(result.moves, 1):
            step = kb.label("steps", m.step.value, lang)
            console.print(f"  [bold]{i}. [{step}] {m.title}[/]  [dim]{m.rule}[/]")
            console.print(f"     {m.why}")
            console.print(f"     [green]{ui['say']}:[/] “{m.say}”")
    if result.questions:
        console.print()
        console.print(f"[bold]{ui['questions']}[/]")
        for q in result.questions:
            console.print(f"  • {q}")
    for letter in result.letters:
        console.print()
        console.print(Panel(letter.body, title=f"{ui['letters']}: {letter.subject}", expand=False))
    t = result.tradeoff
    console.print()
    console.print(f"[bold]{ui['tradeoff']}[/]: {ui['win']} {t.win_probability:.0%} "
                  f"({ui['following']} {t.following_win_probability:.0%}), "
                  f"{ui['days']} {t.extra_days:+d}")
    console.print(f"  [dim]{t.basis}[/]")
    if result.diagnosis:
        console.print()
        console.print(f"[bold]{ui['diagnosis']}[/]: {ui['root']} "
                      f"[bold red]{kb.stage_name(result.diagnosis.root_stage, lang)}[/]")
        console.print(f"  {result.diagnosis.explanation}")


def print_location(text: str, loc: Location, lang: str | None = None) -> None:
    from buyersync.method.textlang import detect

    lang = lang or detect([text]).value
    ui = UI[lang]
    console = _console()
    console.print(f"[bold]{ui['stage']}:[/] [bold cyan]{kb.stage_name(loc.stage, lang)}[/] "
                  f"({loc.stage.value}, {loc.confidence:.0%})")
    led = {True: ui["yes"], False: ui["no"], None: ui["unknown"]}[loc.competitor_led]
    console.print(f"[bold]{ui['competitor_led']}:[/] {led}")
    if loc.signals:
        console.print(f"[bold]{ui['signals']}:[/] " + "  ".join(f"“{s.text}”" for s in loc.signals))
    bars = Table(box=None, show_header=False, padding=(0, 1))
    for s in STAGES:
        v = loc.scores[s]
        bars.add_row(kb.stage_name(s, lang), "█" * round(v * 30) or "·", f"{v:.0%}")
    console.print(bars)


def print_eval(report: dict[str, Any]) -> None:
    console = _console()
    for name, r in report.items():
        console.print(f"[bold]{name}[/]: {r['n']} texts · exact {r['exact']:.1%} · "
                      f"within one {r['within_one']:.1%} · competitor_led "
                      + (f"{r['competitor_led']:.1%}" if r.get("competitor_led") is not None else "—"))
        table = Table("stage", "precision", "recall", "n", box=None)
        for s, row in r["per_stage"].items():
            table.add_row(s, _pct(row["precision"]), _pct(row["recall"]), str(row["n"]))
        console.print(table)
        cm = Table("want \\ got", *[s[:5] for s in STAGES], box=None)
        for s in STAGES:
            cm.add_row(s, *[str(r["confusion"][s].get(t, 0) or "·") for t in STAGES])
        console.print(cm)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.0%}"


__all__ = ["print_analysis", "print_eval", "print_location", "track_table", "Group", "Lang"]
