"""Charts of a report period as SVG, drawn on the server: no script, no network.

Small builders rather than a plotting library: three shapes are needed (bars
over weeks, one bar in a table cell, a status timeline), and markup of our own
embeds in the HTML and prints through WeasyPrint exactly as it shows in a browser.
Every text passed in is escaped; time runs left to right in both languages.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

STATUS_COLOURS = {
    "pass": "#2e7d32",
    "warn": "#f9a825",
    "fail": "#c62828",
    "error": "#6a1b1b",
    "unknown": "#b0bec5",
}
SEVERITY_COLOURS = {
    "critical": "#6a1b1b",
    "high": "#c62828",
    "medium": "#ef6c00",
    "low": "#1565c0",
    "informational": "#90a4ae",
}
INK = "#263238"
GRID = "#cfd8dc"


def _nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` gridlines."""
    raw = max(top, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


@dataclass(frozen=True)
class Bar:
    label: str  # an axis tick, already formatted for the language
    value: float
    value_text: str


def week_bars(
    bars: Sequence[Bar],
    *,
    tick: Callable[[float], str],
    title: str,
    width: int = 680,
    rtl: bool = False,
) -> str:
    """Vertical bars, one per week; ``tick`` formats the y-axis numbers. ``rtl`` runs
    time from right to left with the axis on the right, as a Persian page reads."""
    height, axis, bottom, top_pad = 190, 44, 28, 10
    left = 8 if rtl else axis
    plot_w, plot_h = width - axis - 8, height - bottom - top_pad
    ticks = ticks_for([b.value for b in bars])
    top = ticks[-1] or 1
    out = [_open(width, height, title)]
    for value in ticks:
        text = tick(value)
        y = top_pad + plot_h - plot_h * value / top
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        tx, anchor = (left + plot_w + 6, "start") if rtl else (left - 6, "end")
        out.append(
            f'<text x="{tx}" y="{y + 4:.1f}" text-anchor="{anchor}" font-size="10" '
            f'fill="{INK}">{escape(text)}</text>'
        )
    n = max(len(bars), 1)
    slot = plot_w / n
    every = max(1, math.ceil(n / 9))  # at most about nine date ticks fit under the axis
    for i, bar in enumerate(bars):
        h = plot_h * bar.value / top
        place = n - 1 - i if rtl else i
        x = left + place * slot + slot * 0.15
        y = top_pad + plot_h - h
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
            f'fill="#37474f"><title>{escape(bar.label)}: {escape(bar.value_text)}</title></rect>'
        )
        if i % every == 0:
            out.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - 10}" text-anchor="middle" '
                f'font-size="10" fill="{INK}">{escape(bar.label)}</text>'
            )
    out.append(
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" '
        f'stroke="{INK}"/>'
    )
    out.append("</svg>")
    return "".join(out)


def ticks_for(values: Sequence[float], count: int = 4) -> list[float]:
    """The y-axis tick values ``week_bars`` draws for these values."""
    step = _nice_step(max(values, default=0), count)
    top = max(values, default=0)
    n = max(1, math.ceil(top / step)) if top else 1
    return [i * step for i in range(n + 1)]


def cell_bar(value: float, largest: float, colour: str, *, rtl: bool = False) -> str:
    """One horizontal bar sized against ``largest``, filling its table cell's width;
    ``rtl`` grows it from the right."""
    w = 0.0 if largest <= 0 else 100 * value / largest
    x = 100 - w if rtl else 0.0
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="12" '
        'viewBox="0 0 100 12" preserveAspectRatio="none" role="img" aria-hidden="true">'
        f'<rect x="{x:.2f}" y="1" width="{w:.2f}" height="10" fill="{escape(colour)}"/></svg>'
    )


@dataclass(frozen=True)
class Segment:
    start: float  # fraction of the period, 0..1
    end: float
    status: str


def status_strip(segments: Sequence[Segment], *, rtl: bool = False) -> str:
    """A control's status over the period as coloured spans across its cell; ``rtl``
    runs time from right to left."""
    width = 1000
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="14" '
        f'viewBox="0 0 {width} 14" preserveAspectRatio="none" role="img" aria-hidden="true">'
        f'<rect x="0" y="1" width="{width}" height="12" fill="{STATUS_COLOURS["unknown"]}"/>'
    ]
    for seg in segments:
        a, b = max(0.0, seg.start), min(1.0, seg.end)
        if b <= a:
            continue
        x = (1 - b) * width if rtl else a * width
        colour = STATUS_COLOURS.get(seg.status, STATUS_COLOURS["unknown"])
        out.append(
            f'<rect x="{x:.2f}" y="1" width="{(b - a) * width:.2f}" height="12" fill="{colour}"/>'
        )
    out.append("</svg>")
    return "".join(out)


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )
