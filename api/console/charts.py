"""Charts drawn on the server as SVG geometry: no chart library in the browser.

A chart is a list of bars with their place and size in a fixed viewBox; the template
draws them as ``<rect>`` elements coloured by CSS class (the CSP allows no inline
style), with each bar's value and label as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 600
HEIGHT = 180
_LABEL_SPACE = 28
_TOP = 14


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    css: str  # the class that colours it (a severity, a status)


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - _LABEL_SPACE

    @property
    def empty(self) -> bool:
        return not any(b.value for b in self.bars)


def bars(items: Sequence[tuple[str, int, str]]) -> Chart:
    """A bar per ``(label, value, css class)``, scaled to the largest value."""
    if not items:
        return Chart(bars=[])
    top = max(max(v for _, v, _ in items), 1)
    slot = WIDTH / len(items)
    width = max(slot * 0.7, 1.0)
    usable = HEIGHT - _LABEL_SPACE - _TOP
    out = []
    for i, (label, value, css) in enumerate(items):
        height = usable * value / top
        out.append(
            Bar(
                x=round(i * slot + (slot - width) / 2, 1),
                y=round(HEIGHT - _LABEL_SPACE - height, 1),
                width=round(width, 1),
                height=round(height, 1),
                value=value,
                label=label,
                css=css,
            )
        )
    return Chart(bars=out)


def bars_rtl(items: Sequence[tuple[str, int, str]]) -> Chart:
    """``bars`` for a right-to-left page: the first item on the right."""
    return bars(list(reversed(items)))
