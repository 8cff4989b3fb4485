"""The calendar and network settings: read from SECOPS_* variables, refused when wrong."""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path

import pytest

from secops.enrich.live import calendar_of, networks_of
from secops.errors import ConfigError
from secops.settings import get_settings


def test_defaults(fresh: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    assert (settings.timezone, settings.working_days, settings.working_hours) == (
        "Asia/Tehran",
        "sat,sun,mon,tue,wed",
        "07:00-16:00",
    )
    assert ip_network("fc00::/7") in settings.internal_networks
    assert networks_of(settings).is_internal("192.168.1.1") is True


def test_variables_are_read(fresh: pytest.MonkeyPatch, tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("1405-01-01\n")
    fresh.setenv("SECOPS_TIMEZONE", "Europe/Rome")
    fresh.setenv("SECOPS_WORKING_DAYS", "mon,tue,wed,thu,fri")
    fresh.setenv("SECOPS_WORKING_HOURS", "08:30-17:30")
    fresh.setenv("SECOPS_HOLIDAYS_FILE", str(holidays))
    fresh.setenv("SECOPS_INTERNAL_NETWORKS", '["198.51.100.0/24"]')
    settings = get_settings()
    calendar = calendar_of(settings)
    assert calendar.zone.key == "Europe/Rome"
    assert len(calendar.holidays) == 1
    assert networks_of(settings).is_internal("10.0.0.1") is False


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECOPS_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("SECOPS_WORKING_DAYS", "sat,someday", "working days"),
        ("SECOPS_WORKING_HOURS", "nine-to-five", "working hours"),
    ],
)
def test_bad_values_are_refused(
    fresh: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    fresh.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        get_settings()


def test_a_bad_holidays_line_is_refused_with_file_and_line(
    fresh: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("2026-03-21\n1405-01-32\n")
    fresh.setenv("SECOPS_HOLIDAYS_FILE", str(holidays))
    with pytest.raises(ConfigError) as info:
        get_settings()
    assert info.value.where == f"{holidays}:2"
