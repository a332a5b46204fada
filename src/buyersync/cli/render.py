"""Human output for the terminal: the nine-stage track, the decision and the plan, with Rich."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from buyersync.method import knowledge as kb
from buyersync.method.model import Analysis, Deal, Location
from buyersync.method.stages import STAGES
from buyersync.text import t as say_text
from buyersync.text import table as text_table

# Rich style names (not words a person reads)
DRIVER_STYLE = {"us": "green", "competitor": "red", "customer": "yellow", "unknown": "bright_black"}
WARN_STYLE = "bold yellow"  # text-ok: a Rich style name
ACCENT = "bold cyan"  # text-ok: a Rich style name
HERE = "bold reverse"  # text-ok: a Rich style name
LOST = "bold red"  # text-ok: a Rich style name


def labels(lang: str) -> dict[str, str]:
    """The view's words (text/render.yaml) in `lang`, by key."""
    return {key: say_text(f"render.{key}", lang) for key in text_table("render")}


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def fold(text: str, width: int) -> str:
    """Break lines that hold Chinese at the terminal width, character by character.

    Rich wraps at spaces, and a Chinese sentence has none, so it would push a whole
    sentence onto the next line; Latin text is left to Rich's word wrap.
    """
    from rich.cells import cell_len

    from buyersync.method.textlang import is_cjk

    width = max(width, 20)
    out: list[str] = []
    for line in text.splitlines() or [""]:
        if not any(is_cjk(ch) for ch in line) or cell_len(line) <= width:
            out.append(line)
            continue
        current, size = "", 0
        for ch in line:
            w = cell_len(ch)
            if size + w > width:
                out.append(current)
                current, size = "", 0
            current += ch
            size += w
        out.append(current)
    return "\n".join(out)


def _rows(console: Console, rows: list[tuple[str, str]], indent: int = 2) -> None:
    """Label + text rows; the text wraps in its own column, under itself."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    label_width = max((len(label) for label, _ in rows), default=0) + indent + 1
    for label, text in rows:
        grid.add_row(Text.from_markup(" " * indent + label),
                     Text.from_markup(fold(text, console.width - label_width - 2)))
    console.print(grid)


def _driver_text(driver: str, lang: str) -> Text:
    return Text(say_text(f"render.driver_{driver}", lang), style=DRIVER_STYLE[driver])


def track_view(result: Analysis, console: Console) -> Table:
    """The nine stages across when the terminal is wide enough, else down the page."""
    across = track_table(result)
    return across if console.measure(across).maximum <= console.width - 4 else track_rows(result)


def track_rows(result: Analysis) -> Table:
    lang = result.lang.value
    ui = labels(lang)
    grid = Table.grid(padding=(0, 2))
    for _ in range(3):
        grid.add_column(no_wrap=True)
    for t in result.track:
        if t.position == "current":
            mark = Text("● " + ui["customer_here"], style=HERE)
        elif t.target:
            arrow = "↩ " if result.strategy.value == "pull_back" else "→ "
            label = ui["target"] if result.strategy.value == "pull_back" else ui["next"]
            mark = Text(arrow + label, style=ACCENT)
        elif t.position == "passed":
            mark = Text("━━━", style="white")
        else:
            mark = Text("···", style="bright_black")
        shaper = _driver_text(t.driver.value, lang) if t.driver else \
            Text("?" if t.position == "passed" else "", style="bright_black")
        grid.add_row(Text(f"{t.stage.rank + 1} {t.name}", style="bold"), mark, shaper)
    return grid


def track_table(result: Analysis) -> Table:
    lang = result.lang.value
    ui = labels(lang)
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1), expand=False)
    for t in result.track:
        table.add_column(f"{t.stage.rank + 1} {t.name}", justify="center", no_wrap=True)
    marks, shapers = [], []
    for t in result.track:
        if t.position == "current":
            marks.append(Text("● " + ui["customer_here"] if lang == "en" else "●" + ui["customer_here"],
                              style=HERE))
        elif t.target:
            label = ui["target"] if result.strategy.value == "pull_back" else ui["next"]
            marks.append(Text(("↩ " if result.strategy.value == "pull_back" else "→ ") + label,
                              style=ACCENT))
        elif t.position == "passed":
            marks.append(Text("━━━", style="white"))
        else:
            marks.append(Text("···", style="bright_black"))
        if t.driver:
            shapers.append(_driver_text(t.driver.value, lang))
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
    ui = labels(lang)
    title = deal.name + (f" · {deal.customer}" if deal.customer else "")
    console.print(Panel(track_view(result, console), title=f"[bold]{title}[/]",
                        subtitle=ui["track"], expand=False))
    strategy = kb.label("strategies", result.strategy.value, lang)
    head = Text(f"{ui['strategy']}: ", style="bold")
    head.append(strategy.upper() if lang == "en" else strategy, style=ACCENT)
    if result.target_stage:
        head.append(f"  →  {kb.stage_name(result.target_stage, lang)}", style="bold")
    if result.alternatives:
        alts = kb.message("generic", "list_sep", lang).join(
            kb.stage_name(s, lang) for s in result.alternatives)
        head.append(f"   ({ui['alternatives']}: {alts})", style="dim")
    console.print(head)
    _rows(console, [(f"[dim]{r.rule}[/]", _esc(r.text)) for r in result.reasons])
    if result.warnings:
        console.print()
        console.print(f"[bold]{ui['warnings']}[/]")
        _rows(console, [(f"[{WARN_STYLE}]⚠ {w.code.value}[/]", _esc(w.message))
                        for w in result.warnings])
    if result.moves:
        console.print()
        console.print(f"[bold]{ui['moves']}[/]")
        for i, m in enumerate(result.moves, 1):
            step = kb.label("steps", m.step.value, lang)
            day = f"D{m.day} " if m.day else ""
            _rows(console, [(f"[bold]{i}.[/]", f"[bold]{day}\\[{step}] {_esc(m.title)}[/]  [dim]{m.rule}[/]"),
                            ("", _esc(m.why)),
                            ("", f"[green]{ui['say']}:[/] “{_esc(m.say)}”")])
    if result.questions:
        console.print()
        console.print(f"[bold]{ui['questions']}[/]")
        _rows(console, [("•", _esc(q)) for q in result.questions])
    for letter in result.letters:
        console.print()
        body = Text(fold(letter.body, min(console.width, 100) - 4))
        console.print(Panel(body, title=f"{ui['letters']}: {_esc(letter.subject)}", expand=False,
                            width=min(console.width, 100)))
    t = result.tradeoff
    if t is not None:  # closed deals get a post-mortem, not a win probability
        console.print()
        console.print(f"[bold]{ui['tradeoff']}[/]: {ui['win']} {t.win_probability:.0%} "
                      f"({ui['following']} {t.following_win_probability:.0%}), "
                      f"{ui['days']} {t.extra_days:+d}")
        _rows(console, [("", f"[dim]{_esc(t.explanation)}[/]")], indent=0)
    if result.diagnosis:
        console.print()
        console.print(f"[bold]{ui['diagnosis']}[/]: {ui['root']} "
                      f"[{LOST}]{kb.stage_name(result.diagnosis.root_stage, lang)}[/]")
        _rows(console, [("", _esc(result.diagnosis.explanation))], indent=0)


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def print_location(text: str, loc: Location, lang: str | None = None) -> None:
    from buyersync.method.textlang import detect

    lang = lang or detect([text]).value
    ui = labels(lang)
    console = _console()
    console.print(f"[bold]{ui['stage']}:[/] [{ACCENT}]{kb.stage_name(loc.stage, lang)}[/] "
                  f"({loc.stage.value}, {loc.confidence:.0%})")
    if loc.uncertain:
        console.print(f"[{WARN_STYLE}]{_esc(say_text('cli.location_uncertain', lang))}[/]")
    led = {True: ui["yes"], False: ui["no"], None: ui["unknown"]}[loc.competitor_led]
    console.print(f"[bold]{ui['competitor_led']}:[/] {led}")
    if loc.signals:
        console.print(f"[bold]{ui['signals']}:[/] " + "  ".join(f"“{s.text}”" for s in loc.signals))
    bars = Table(box=None, show_header=False, padding=(0, 1))
    for s in STAGES:
        v = loc.scores[s]
        bars.add_row(kb.stage_name(s, lang), "█" * round(v * 30) or "·", f"{v:.0%}")
    console.print(bars)


def print_eval(report: dict[str, Any], lang: str = "en") -> None:
    console = _console()
    ui = labels(lang)
    for name, r in report.items():
        led = f"{r['competitor_led']:.1%}" if r.get("competitor_led") is not None else "—"
        summary = say_text("render.eval_summary", lang, n=r["n"], exact=f"{r['exact']:.1%}",
                           within_one=f"{r['within_one']:.1%}", competitor_led=led)
        console.print(f"[bold]{name}[/]: {summary}")
        table = Table(ui["eval_stage"], ui["eval_precision"], ui["eval_recall"], ui["eval_n"], box=None)
        for s, row in r["per_stage"].items():
            table.add_row(s, _pct(row["precision"]), _pct(row["recall"]), str(row["n"]))
        console.print(table)
        cm = Table(ui["eval_confusion"], *[s[:5] for s in STAGES], box=None)
        for s in STAGES:
            cm.add_row(s, *[str(r["confusion"][s].get(t, 0) or "·") for t in STAGES])
        console.print(cm)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.0%}"


__all__ = ["fold", "print_analysis", "print_eval", "print_location", "track_view"]
