"""The working calendar: Tehran local time and weekday, working hours, holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from secops.enrich.calendar import (
    WorkCalendar,
    load_holidays,
    parse_holiday,
    parse_working_days,
    parse_working_hours,
)
from secops.errors import ConfigError


def _calendar(holidays: Path | None = None) -> WorkCalendar:
    return WorkCalendar.parse(
        timezone="Asia/Tehran",
        working_days="sat,sun,mon,tue,wed",
        working_hours="07:00-16:00",
        holidays=holidays,
    )


def test_tehran_has_no_daylight_saving_any_more() -> None:
    cal = _calendar()
    # Summer 2026 and winter 2026 are both +03:30 (Iran dropped DST in 2022)...
    summer = cal.describe(datetime(2026, 6, 1, 4, 0, tzinfo=UTC))
    winter = cal.describe(datetime(2026, 1, 5, 4, 0, tzinfo=UTC))
    assert summer["local"] == "2026-06-01T07:30:00.000+03:30"
    assert winter["local"] == "2026-01-05T07:30:00.000+03:30"
    # ...while summer 2021 still had +04:30: zoneinfo's rules, not a fixed offset.
    assert cal.describe(datetime(2021, 6, 1, 4, 0, tzinfo=UTC))["local"].endswith("+04:30")


def test_weekday_and_working_time_are_local() -> None:
    cal = _calendar()
    # Friday 2026-06-05 22:00 UTC is Saturday 01:30 in Tehran: a working day, at night.
    night = cal.describe(datetime(2026, 6, 5, 22, 0, tzinfo=UTC))
    assert (night["weekday"], night["working"]) == ("sat", False)
    # Saturday 06:00 UTC = 09:30 local: working.
    assert cal.describe(datetime(2026, 6, 6, 6, 0, tzinfo=UTC))["working"] is True
    # Thursday and Friday are the weekend.
    thursday = cal.describe(datetime(2026, 6, 4, 6, 0, tzinfo=UTC))
    assert (thursday["weekday"], thursday["working"]) == ("thu", False)
    # 16:00 local is past the end (end excluded); 15:59 is inside.
    assert cal.describe(datetime(2026, 6, 6, 12, 30, tzinfo=UTC))["working"] is False
    assert cal.describe(datetime(2026, 6, 6, 12, 29, tzinfo=UTC))["working"] is True
    # 07:00 local is inside.
    assert cal.describe(datetime(2026, 6, 6, 3, 30, tzinfo=UTC))["working"] is True


def test_solar_hijri_and_gregorian_holidays(tmp_path: Path) -> None:
    path = tmp_path / "holidays.txt"
    path.write_text("# Nowruz\n1405-01-01  # Farvardin 1st\n\n2026-06-07\n")
    assert load_holidays(path) == {date(2026, 3, 21), date(2026, 6, 7)}
    cal = _calendar(path)
    nowruz = cal.describe(datetime(2026, 3, 21, 6, 0, tzinfo=UTC))  # a Saturday
    assert (nowruz["weekday"], nowruz["holiday"], nowruz["working"]) == ("sat", True, False)
    # The holiday is the local date: 2026-06-06 21:00 UTC is already 06-07 in Tehran.
    assert cal.describe(datetime(2026, 6, 6, 21, 0, tzinfo=UTC))["holiday"] is True
    assert cal.describe(datetime(2026, 6, 6, 20, 0, tzinfo=UTC))["holiday"] is False


def test_a_bad_holiday_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "holidays.txt"
    path.write_text("2026-03-21\n# ok\n1405-13-01\n")
    with pytest.raises(ConfigError) as info:
        load_holidays(path)
    assert info.value.where == f"{path}:3"
    assert "Solar Hijri" in info.value.message
    path.write_text("2026-02-30\n")
    with pytest.raises(ConfigError, match="Gregorian"):
        load_holidays(path)
    path.write_text("next friday\n")
    with pytest.raises(ConfigError, match="not a date"):
        load_holidays(path)


def test_parse_holiday_hijri_leap_day() -> None:
    assert parse_holiday("1403-12-30") == date(2025, 3, 20)  # 1403 is a leap year


@pytest.mark.parametrize("text", ["", "sat,funday", "monday"])
def test_bad_working_days(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_working_days(text)


@pytest.mark.parametrize("text", ["7-16", "16:00-07:00", "07:00-25:00", "07:60-16:00"])
def test_bad_working_hours(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_working_hours(text)
