"""Presentation helpers for the pages: pure functions from analysis data to what is drawn.

Nothing here touches a request or a database; templates call these through the context.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from buyersync.method.model import Analysis, Signal, TrackStage
from buyersync.method.stages import STAGES

# SVG track geometry: nine stages side by side in a 900-unit-wide drawing.
STEP = 100
TRACK_HEIGHT = 200
CIRCLE_Y = 96
DRIVER_CLASSES = ("us", "competitor", "customer", "unknown")


@dataclass(frozen=True)
class TrackNode:
    x: int
    number: int
    stage: str
    name: str
    position: str
    driver: str | None
    target: bool


@dataclass(frozen=True)
class TrackArrow:
    path: str
    label_x: int
    kind: str  # "pull_back" or "next"


def track_nodes(track: Sequence[TrackStage]) -> list[TrackNode]:
    return [TrackNode(x=STEP // 2 + i * STEP, number=i + 1, stage=t.stage.value, name=t.name,
                      position=t.position, driver=t.driver.value if t.driver else None,
                      target=t.target)
            for i, t in enumerate(track)]


def track_arrow(analysis: Analysis) -> TrackArrow | None:
    """The arc from where the customer is to where the plan takes it (back, or one step on)."""
    if analysis.target_stage is None or analysis.target_stage == analysis.stage:
        return None
    x_from = STEP // 2 + STAGES.index(analysis.stage) * STEP
    x_to = STEP // 2 + STAGES.index(analysis.target_stage) * STEP
    top = 26 if abs(x_to - x_from) > STEP else 44
    y = CIRCLE_Y - 24
    path = f"M {x_from} {y} C {x_from} {top}, {x_to} {top}, {x_to} {y - 4}"
    kind = "pull_back" if x_to < x_from else "next"
    return TrackArrow(path=path, label_x=(x_from + x_to) // 2, kind=kind)


def highlight(text: str, signals: Iterable[Signal], titles: dict[str, str] | None = None) -> Markup:
    """`text` with every signal span wrapped in <mark>, overlaps merged, the rest escaped."""
    spans: list[tuple[int, int, str]] = []
    for sig in signals:
        needle = sig.text
        if not needle:
            continue
        tag: str = str(sig.stage) if sig.stage is not None else sig.kind
        start = text.find(needle)
        while start != -1:
            spans.append((start, start + len(needle), tag))
            start = text.find(needle, start + len(needle))
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for s, e, tag in spans:
        if merged and s < merged[-1][1]:
            ps, pe, ptag = merged[-1]
            merged[-1] = (ps, max(pe, e), ptag)
        else:
            merged.append((s, e, tag))
    out: list[str] = []
    pos = 0
    for s, e, tag in merged:
        out.append(str(escape(text[pos:s])))
        title = (titles or {}).get(tag, tag)
        out.append(  # text-ok: HTML markup around the text
            f'<mark class="sig sig-{escape(tag)}" title="{escape(title)}">'
            f"{escape(text[s:e])}</mark>")
        pos = e
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


@dataclass(frozen=True)
class Quote:
    before: str
    span: str
    after: str
    tag: str
    title: str


def signal_quotes(text: str, signals: Iterable[Signal], titles: dict[str, str] | None = None,
                  context: int = 18, limit: int = 12) -> list[Quote]:
    """Each signal's words where they first occur, with a few characters either side: what
    showed the stage, without repeating the whole text."""
    found: list[tuple[int, Quote]] = []
    seen: set[str] = set()
    for sig in signals:
        if not sig.text or sig.text in seen:
            continue
        start = text.find(sig.text)
        if start == -1:
            continue
        seen.add(sig.text)
        end = start + len(sig.text)
        tag = str(sig.stage) if sig.stage is not None else sig.kind
        before = " ".join(text[max(0, start - context):start].split())
        after = " ".join(text[end:end + context].split())
        found.append((start, Quote(before=before if start > 0 else "", span=sig.text,
                                   after=after if end < len(text) else "", tag=tag,
                                   title=(titles or {}).get(tag, tag))))
    return [q for _, q in sorted(found, key=lambda f: f[0])[:limit]]


def bar_width(value: float, full: int = 100) -> int:
    """Width of a bar in a `full`-unit-wide SVG chart; a visible sliver for small non-zero values."""
    v = max(0.0, min(1.0, float(value)))
    return max(1, round(v * full)) if v > 0 else 0
