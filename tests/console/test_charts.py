"""Server-side SVG charts: bars scaled to the largest value, mirrored for Persian."""

from __future__ import annotations

from api.console import charts


def test_bars_scale_to_the_largest_value() -> None:
    chart = charts.bars([("a", 1, "bar"), ("b", 4, "bar"), ("c", 0, "bar")])
    a, b, c = chart.bars
    assert b.height == 4 * a.height
    assert c.height == 0
    assert b.y + b.height == chart.baseline
    assert a.x < b.x < c.x
    assert not chart.empty
    assert charts.bars([("a", 0, "bar")]).empty


def test_right_to_left_puts_the_first_item_on_the_right() -> None:
    chart = charts.bars_rtl([("first", 2, "bar"), ("second", 1, "bar")])
    assert [b.label for b in sorted(chart.bars, key=lambda b: b.x)] == ["second", "first"]
