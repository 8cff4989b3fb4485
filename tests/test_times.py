"""One module formats timestamps, at the precisions stored today."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from secops.times import iso_micros, iso_millis, iso_seconds

PACKAGES = [Path(__file__).parents[1] / name for name in ("secops", "api", "collectors")]
WHEN = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def test_each_precision_has_its_stored_form() -> None:
    assert iso_millis(WHEN) == "2024-05-01T12:00:00.123Z"
    assert iso_seconds(WHEN) == "2024-05-01T12:00:00Z"
    assert iso_micros(WHEN) == "2024-05-01T12:00:00.123456Z"


def test_an_offset_is_converted_to_utc_and_a_naive_time_is_utc() -> None:
    tehran = timezone(timedelta(hours=3, minutes=30))
    assert iso_millis(datetime(2024, 5, 1, 15, 30, tzinfo=tehran)) == "2024-05-01T12:00:00.000Z"
    assert iso_seconds(datetime(2024, 5, 1, 12, 0)) == "2024-05-01T12:00:00Z"


@pytest.mark.parametrize(
    ("epoch", "text"),
    [
        (1714564800.123, "2024-05-01T12:00:00.123Z"),  # not .122 from the float's error
        (1714564800.9996, "2024-05-01T12:00:01.000Z"),  # rounds into the next second
        (1714564800, "2024-05-01T12:00:00.000Z"),
    ],
)
def test_an_epoch_is_rounded_to_the_millisecond(epoch: float, text: str) -> None:
    assert iso_millis(epoch) == text


def test_an_epoch_at_seconds_and_micros() -> None:
    assert iso_seconds(1714564800.5) == "2024-05-01T12:00:00Z"
    assert iso_micros(1714564800.25) == "2024-05-01T12:00:00.250000Z"


def test_no_module_formats_timestamps_of_its_own() -> None:
    """ISO text is made in `secops.times` only, so the stored forms cannot drift apart."""
    pattern = re.compile(r"isoformat\(timespec=|strftime\(\"%Y-%m-%dT")
    found = [
        f"{path.relative_to(path.parents[1])}:{n}"
        for package in PACKAGES
        for path in sorted(package.rglob("*.py"))
        if path.name != "times.py"
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []
