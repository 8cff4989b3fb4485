"""A half-year report document of format 2, signed, as the renderings get it.

The figures are made up but coherent; tests that need figures computed from the
store use the report generator instead.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secops.audit.chain import seal
from secops.audit.keys import key_id, public_key_pem
from secops.compliance.controls import builtin_controls
from secops.compliance.report_model import ReportDocument

TZ = ZoneInfo("Asia/Tehran")
START = datetime(2026, 3, 21, tzinfo=TZ)  # 1 Farvardin 1405
END = datetime(2026, 9, 23, tzinfo=TZ)  # 1 Mehr 1405
PREVIOUS_START = datetime(2025, 9, 23, tzinfo=TZ)


def _indicator(id_: str, value: float | None, unit: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"id": id_, "value": value, "unit": unit, **kw}
    if row.get("previous") is not None and value is not None:
        row["change"] = value - row["previous"]
    target, better = row.get("target"), row.get("better")
    if target is not None and value is not None and better:
        row["status"] = (
            "met" if (value >= target if better == "higher" else value <= target) else "missed"
        )
    return row


def document(
    key: Ed25519PrivateKey, *, report_id: str = "rpt-solar_hijri-half_year-1405-H1"
) -> dict[str, Any]:
    weeks = []
    monday = date(2026, 3, 21)
    for i in range(27):
        weeks.append(
            {"week_start": (monday + timedelta(weeks=i)).isoformat(), "count": (i * 7) % 23 + 3}
        )
    controls = []
    for i, c in enumerate(builtin_controls()):
        mid = START + timedelta(days=40 + 9 * i)
        failing = i % 4 == 1
        timeline = [
            {"start": START.isoformat(), "end": mid.isoformat(), "status": "pass"},
            {
                "start": mid.isoformat(),
                "end": (mid + timedelta(days=12)).isoformat(),
                "status": "fail" if failing else "warn",
            },
            {
                "start": (mid + timedelta(days=12)).isoformat(),
                "end": END.isoformat(),
                "status": "fail" if i == 5 else "pass",
            },
        ]
        controls.append(
            {
                "id": c.id,
                "severity": c.severity,
                "status": "fail" if i == 5 else "pass",
                "failing_seconds": 12 * 86400.0 if failing else 0.0,
                "runs": {
                    "pass": 4300,
                    "warn": 20 if not failing else 0,
                    "fail": 288 if failing else 0,
                    "error": 0,
                },
                "timeline": timeline,
            }
        )
    body: dict[str, Any] = {
        "format": "secops.compliance-report/2",
        "report_id": report_id,
        "namespace": "test",
        "period": {
            "calendar": "solar_hijri",
            "kind": "half_year",
            "label": "1405-H1",
            "start": START.isoformat(),
            "end": END.isoformat(),
            "timezone": "Asia/Tehran",
        },
        "previous_period": {
            "calendar": "solar_hijri",
            "kind": "half_year",
            "label": "1404-H2",
            "start": PREVIOUS_START.isoformat(),
            "end": START.isoformat(),
            "timezone": "Asia/Tehran",
        },
        "generated_at": "2026-09-23T00:05:00+03:30",
        "generated_by": "system:scheduler",
        "status": "fail",
        "indicators": [
            _indicator("records_received", 18234567, "count", previous=17100420),
            _indicator("records_stored", 18234100, "count", previous=17100002),
            _indicator(
                "records_dead_lettered", 467, "count", target=1000, better="lower", previous=418
            ),
            _indicator("records_dropped", 0, "count", target=0, better="lower", previous=12),
            _indicator("records_received", 9120345, "count", key="dms", previous=8800000),
            _indicator("systems_silent", 1, "count", target=0, better="lower", previous=0),
            _indicator("systems_never_connected", 1, "count", target=0, better="lower", previous=2),
            _indicator("alerts_total", 312, "count", previous=280),
            _indicator("alerts_by_severity", 4, "count", key="critical", previous=6),
            _indicator("alerts_by_severity", 38, "count", key="high", previous=31),
            _indicator("alerts_by_tactic", 51, "count", key="credential-access", previous=40),
            _indicator(
                "confidentiality_incidents_confirmed",
                2,
                "count",
                target=0,
                better="lower",
                previous=1,
            ),
            _indicator(
                "time_to_acknowledge_median_seconds",
                840.0,
                "seconds",
                target=1800,
                better="lower",
                previous=1260.0,
            ),
            _indicator(
                "time_to_acknowledge_p90_seconds",
                7320.0,
                "seconds",
                target=3600,
                better="lower",
                previous=9000.0,
            ),
            _indicator(
                "time_to_resolve_median_seconds",
                26400.0,
                "seconds",
                target=86400,
                better="lower",
                previous=30100.0,
            ),
            _indicator(
                "time_to_resolve_p90_seconds",
                190800.0,
                "seconds",
                target=259200,
                better="lower",
                previous=201000.0,
            ),
            _indicator("sla_breaches", 7, "count", target=0, better="lower", previous=11),
            _indicator(
                "alerts_triaged_ratio", 0.962, "ratio", target=0.95, better="higher", previous=0.91
            ),
            _indicator("controls_failing_at_end", 1, "count", target=0, better="lower", previous=0),
            _indicator("control_failing_seconds", 1036800.0, "seconds", key="SEC-IAM-01"),
            _indicator("audit_trail_intact", 1, "bool", target=1, better="higher", previous=1),
            _indicator(
                "mfa_coverage_ratio", 1.0, "ratio", target=1.0, better="higher", previous=0.97
            ),
            _indicator("rules_active", 184, "count", previous=171),
            _indicator("rules_disabled", 3, "count", target=5, better="lower", previous=2),
            _indicator("rules_unsupported", 0, "count", target=0, better="lower", previous=1),
            _indicator("retention_days", 400, "days", target=400, better="higher", previous=90),
        ],
        "systems": [
            {
                "name": "dms",
                "owner": "Documents office",
                "criticality": "critical",
                "input": "syslog",
                "host": "dms-01",
                "state": "reporting",
                "received": 9120345,
                "stored": 9120300,
                "unparsed": 12,
                "dead_lettered": 45,
                "dropped": 0,
                "first_seen": "2024-01-02T08:00:00+03:30",
                "last_seen": "2026-09-22T23:59:00+03:30",
            },
            {
                "name": "e-voting",
                "owner": "Legislative IT",
                "criticality": "critical",
                "input": "http",
                "host": "vote-01",
                "state": "silent",
                "received": 120031,
                "stored": 120031,
                "unparsed": 0,
                "dead_lettered": 0,
                "dropped": 0,
                "first_seen": "2024-01-02T08:00:00+03:30",
                "last_seen": "2026-09-01T10:00:00+03:30",
            },
            {
                "name": "vpn",
                "owner": "Network team",
                "criticality": "high",
                "input": "syslog",
                "state": "never_connected",
            },
        ],
        "controls": controls,
        "series": {
            "alerts_per_week": weeks,
            "alerts_by_severity": {"critical": 4, "high": 38, "medium": 120, "low": 150},
            "alerts_by_tactic": {
                "credential-access": 51,
                "initial-access": 33,
                "impact": 12,
                "collection": 40,
                "none": 9,  # alerts of rules without a tactic tag
            },
            "alerts_by_confidentiality": {"confidential": 27, "other": 285},
        },
        "audit_trail": {
            "intact": True,
            "entries_in_period": 48211,
            "first_seq": 120334,
            "last_seq": 168544,
        },
        "rules": {"active": 184, "disabled": 3, "unsupported": 0, "correlations": 6},
        "preservation": {
            "retention_days": 400,
            "snapshot_repository": "secops-archive",
            "archives": [
                {
                    "name": "snap-logs-2025.03",
                    "repository": "secops-archive",
                    "start": "2025-03-21T00:00:00+03:30",
                    "end": "2025-04-21T00:00:00+03:30",
                }
            ],
        },
        "key_id": key_id(key.public_key()),
        "public_key_pem": public_key_pem(key.public_key()),
    }
    sealed = seal(body, key)
    ReportDocument.model_validate(sealed)  # the sample keeps to the contract
    return sealed
