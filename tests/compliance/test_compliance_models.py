"""Report requests reach Elasticsearch in a form it parses."""

from __future__ import annotations

from datetime import UTC, datetime

from secops.compliance.models import ReportRequest


def test_period_with_an_offset_elasticsearch_refuses_becomes_utc() -> None:
    # -21:23 is a valid offset for Python, not for Elasticsearch (which answered 400 -> 502).
    req = ReportRequest.model_validate({"period_start": "1148-01-07T13:18:29-21:23"})
    assert req.period_start == datetime(1148, 1, 8, 10, 41, 29, tzinfo=UTC)
    assert req.period_start.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_naive_period_is_read_as_utc() -> None:
    req = ReportRequest.model_validate(
        {"period_start": "2025-03-01T00:00:00", "period_end": "2025-04-01T00:00:00"}
    )
    assert req.period_end == datetime(2025, 4, 1, tzinfo=UTC)
