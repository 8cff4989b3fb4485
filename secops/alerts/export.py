"""Alerts exported as CSV or NDJSON, streamed page by page (never all in memory)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any, Literal

import orjson

from secops.alerts.build import get_path
from secops.alerts.models import Alert, AlertFilter
from secops.alerts.query import iter_alerts
from secops.context import Context

ExportFormat = Literal["csv", "ndjson"]
CSV_COLUMNS = (
    "id",
    "created_at",
    "first_seen",
    "last_seen",
    "severity",
    "risk_score",
    "status",
    "resolution",
    "assignee",
    "rule.id",
    "rule.title",
    "host.name",
    "user.name",
    "source.ip",
    "destination.ip",
    "count",
    "overdue",
    "threat.techniques",
    "tags",
    "summary",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ROWS_PER_CHUNK = 100


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = str(value)
    # A spreadsheet would run a cell starting like a formula (CSV injection).
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(alert: Alert) -> list[str]:
    doc = alert.model_dump(mode="json")
    return [_cell(get_path(doc, column)) for column in CSV_COLUMNS]


def export_csv(ctx: Context, *, flt: AlertFilter | None, limit: int) -> Iterator[bytes]:
    buffer = io.StringIO()
    # Every field quoted: a value cannot be read as a number, a date or a split row.
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for n, alert in enumerate(iter_alerts(ctx, flt=flt, limit=limit), start=1):
        writer.writerow(_row(alert))
        if n % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def export_ndjson(ctx: Context, *, flt: AlertFilter | None, limit: int) -> Iterator[bytes]:
    for alert in iter_alerts(ctx, flt=flt, limit=limit):
        yield orjson.dumps(alert.model_dump(mode="json")) + b"\n"


def export(
    ctx: Context, *, fmt: ExportFormat, flt: AlertFilter | None, limit: int
) -> Iterator[bytes]:
    if fmt == "csv":
        return export_csv(ctx, flt=flt, limit=limit)
    return export_ndjson(ctx, flt=flt, limit=limit)
