"""Report periods of both calendars: boundaries, labels, leap years, zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from secops.compliance.periods import (
    Period,
    closed_since,
    last_closed,
    local_midnight,
    parse_period,
    period_containing,
    week_start,
)
from secops.errors import InvalidInputError

TEHRAN = "Asia/Tehran"
TZ = ZoneInfo(TEHRAN)


def sh(label: str, tz: str = TEHRAN) -> Period:
    return parse_period(label, calendar="solar_hijri", timezone=tz)


def local(y: int, m: int, d: int, tz: ZoneInfo = TZ) -> datetime:
    return datetime(y, m, d, tzinfo=tz)


def test_solar_hijri_half_years_are_farvardin_to_shahrivar_and_mehr_to_esfand() -> None:
    h1, h2 = sh("1405-H1"), sh("1405-H2")
    assert h1.start == local(2026, 3, 21)  # 1 Farvardin 1405
    assert h1.end == h2.start == local(2026, 9, 23)  # 1 Mehr 1405
    assert h2.end == local(2027, 3, 21)  # 1 Farvardin 1406
    assert h1.start.utcoffset() == timedelta(hours=3, minutes=30)
    assert h1.start.astimezone(UTC) == datetime(2026, 3, 20, 20, 30, tzinfo=UTC)


def test_leap_year_1403_ends_after_esfand_30() -> None:
    year = sh("1403")
    assert year.start == local(2024, 3, 20)
    assert year.end == local(2025, 3, 21)
    assert (year.end - year.start).days == 366
    assert (sh("1404").end - sh("1404").start).days == 365
    esfand = sh("1403-12")
    assert (esfand.end - esfand.start).days == 30
    assert (sh("1404-12").end - sh("1404-12").start).days == 29
    assert sh("1403-H2").end == sh("1404-H1").start


def test_month_lengths_of_solar_hijri() -> None:
    lengths = [(p.end - p.start).days for p in (sh(f"1404-{m:02d}") for m in range(1, 13))]
    assert lengths == [31] * 6 + [30] * 5 + [29]


def test_gregorian_periods_and_leap_february() -> None:
    g = "gregorian"
    feb = parse_period("2024-02", calendar=g, timezone=TEHRAN)
    assert (feb.end - feb.start).days == 29
    assert parse_period("2025-02", calendar=g, timezone=TEHRAN).end == local(2025, 3, 1)
    h2 = parse_period("2025-H2", calendar=g, timezone=TEHRAN)
    assert (h2.start, h2.end) == (local(2025, 7, 1), local(2026, 1, 1))
    q4 = parse_period("2025-Q4", calendar=g, timezone=TEHRAN)
    assert q4.next().label == "2026-Q1"
    assert q4.next().start == local(2026, 1, 1)


@pytest.mark.parametrize(
    ("label", "previous", "following"),
    [
        ("1405-01", "1404-12", "1405-02"),
        ("1405-12", "1405-11", "1406-01"),
        ("1405-Q1", "1404-Q4", "1405-Q2"),
        ("1405-H1", "1404-H2", "1405-H2"),
        ("1405-H2", "1405-H1", "1406-H1"),
        ("1405", "1404", "1406"),
    ],
)
def test_neighbours_cross_year_ends(label: str, previous: str, following: str) -> None:
    p = sh(label)
    assert p.previous().label == previous
    assert p.next().label == following
    assert p.previous().end == p.start
    assert p.next().start == p.end


def test_periods_tile_the_year_without_gap_or_overlap() -> None:
    for kind_label in ("1403-{:02d}", "1403-Q{}", "1403-H{}"):
        first = sh(kind_label.format(1))
        p = first
        while p.year == 1403:
            assert p.next().start == p.end
            p = p.next()
        assert first.start == sh("1403").start
        assert p.start == sh("1403").end


def test_instant_is_placed_in_local_time_not_utc() -> None:
    # 20:29 UTC on 20 March 2026 is 23:59 in Tehran, still Esfand 1404.
    before = datetime(2026, 3, 20, 20, 29, 59, tzinfo=UTC)
    after = datetime(2026, 3, 20, 20, 30, tzinfo=UTC)
    kw = {"calendar": "solar_hijri", "kind": "half_year", "timezone": TEHRAN}
    assert period_containing(before, **kw).label == "1404-H2"  # type: ignore[arg-type]
    assert period_containing(after, **kw).label == "1405-H1"  # type: ignore[arg-type]
    assert last_closed(after, **kw).label == "1404-H2"  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        period_containing(datetime(2026, 1, 1), **kw)  # type: ignore[arg-type]


def test_closed_since_lists_every_period_missed() -> None:
    kw = {"calendar": "solar_hijri", "kind": "month", "timezone": TEHRAN}
    since = sh("1405-02").start + timedelta(days=3)  # down during Ordibehesht
    now = sh("1405-05").start + timedelta(hours=1)
    labels = [p.label for p in closed_since(since, now, **kw)]  # type: ignore[arg-type]
    assert labels == ["1405-02", "1405-03", "1405-04"]
    assert closed_since(now, now, **kw) == []  # type: ignore[arg-type]


def test_boundaries_follow_the_zone_offset_of_each_date() -> None:
    # Tehran kept daylight saving time until 2022, from the end of 1 Farvardin to the end
    # of 30 Shahrivar: half-years began at +03:30, a May month at +04:30.
    p = sh("1400-H2")
    assert p.start.utcoffset() == timedelta(hours=3, minutes=30)
    may = parse_period("2021-05", calendar="gregorian", timezone=TEHRAN)
    assert may.start.utcoffset() == timedelta(hours=4, minutes=30)
    berlin = parse_period("2026-H2", calendar="gregorian", timezone="Europe/Berlin")
    assert berlin.start.utcoffset() == timedelta(hours=2)
    assert berlin.end.utcoffset() == timedelta(hours=1)


def test_a_day_whose_midnight_is_skipped_starts_at_the_clock_change() -> None:
    # São Paulo moved its clocks from 00:00 to 01:00 on 4 November 2018.
    tz = ZoneInfo("America/Sao_Paulo")
    start = local_midnight(date(2018, 11, 4), tz)
    assert start.astimezone(tz).replace(tzinfo=None) == datetime(2018, 11, 4, 1, 0)
    assert (start.astimezone(UTC) - timedelta(seconds=1)).astimezone(tz).date() == date(2018, 11, 3)
    ordinary = local_midnight(date(2018, 11, 5), tz)
    assert ordinary.astimezone(tz).hour == 0


def test_labels_and_report_ids_round_trip() -> None:
    for label in ("1405", "1405-H2", "1405-Q4", "1405-09"):
        p = sh(label)
        assert p.label == label
        assert sh(p.label) == p
    assert sh("1405-H1").report_id == "rpt-solar_hijri-half_year-1405-H1"
    assert sh("1405-H1").doc().model_dump()["label"] == "1405-H1"


@pytest.mark.parametrize(
    "label", ["1405-H3", "1405-Q5", "1405-13", "1405-00", "14-05", "", "1405-h1", "1405 H1"]
)
def test_bad_labels_are_refused_with_a_reason(label: str) -> None:
    with pytest.raises(InvalidInputError):
        sh(label)


def test_a_gregorian_year_asked_as_solar_hijri_says_so() -> None:
    with pytest.raises(InvalidInputError, match="gregorian"):
        sh("2026-H1")
    with pytest.raises(InvalidInputError, match="solar_hijri"):
        parse_period("1405", calendar="gregorian", timezone=TEHRAN)


def test_week_starts_on_saturday() -> None:
    assert week_start(date(2026, 3, 21)) == date(2026, 3, 21)  # a Saturday
    assert week_start(date(2026, 3, 27)) == date(2026, 3, 21)  # Friday
    assert week_start(date(2026, 3, 28)) == date(2026, 3, 28)
