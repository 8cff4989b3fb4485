"""A report of format 2 stored and recorded as the report generator stores it."""

from __future__ import annotations

from typing import Any

from report_sample import document

from secops import audit
from secops.audit.keys import signing_key
from secops.compliance import service
from secops.compliance.models import Report
from secops.compliance.reports import ACTION, REPORT
from secops.context import Context


def store_report(
    ctx: Context, *, report_id: str = "rpt-solar_hijri-half_year-1405-H1"
) -> dict[str, Any]:
    """The sample half-year report signed with the deployment's key, stored, recorded."""
    signed = document(signing_key(ctx.settings), report_id=report_id)
    report = Report(
        report_id=report_id,
        period_start=signed["period"]["start"],
        period_end=signed["period"]["end"],
        generated_at=signed["generated_at"],
        generated_by=signed["generated_by"],
        status=signed["status"],
        hash=signed["hash"],
        key_id=signed["key_id"],
        document=signed,
    )
    ctx.es.index(
        index=service.index(ctx),
        id=report_id,
        document={"kind": REPORT, **report.model_dump(mode="json")},
        refresh="wait_for",
        op_type="create",
    )
    audit.record(
        ctx,
        actor="system:test",
        action=ACTION,
        target=report_id,
        outcome="success",
        details={"hash": signed["hash"], "key_id": signed["key_id"]},
    )
    return signed
