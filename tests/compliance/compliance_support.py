"""A namespace populated through the real service functions, with known compliance gaps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from auth.support import enrolled

from secops.accounting.counters import SourceAccounting, SourceCounts
from secops.accounting.service import save_sources
from secops.alerts.service import write_alerts
from secops.auth import apikeys, users
from secops.compliance.models import ComplianceStatus, ControlResult
from secops.context import Context
from secops.detect.models import RuleMatch, RuleMeta

CRITICAL_RULE = RuleMeta(
    id="2b7c9e4a-51d3-4f6e-9a0b-7c8d9e0f1a23",
    title="Secret document exfiltrated",
    level="critical",
    tags=("attack.exfiltration",),
    logsource={"product": "linux", "service": "auditd"},
)


@dataclass
class World:
    expired_key_id: str
    silent_source: str
    overdue_alert_id: str


def build_world(ctx: Context, *, now: datetime | None = None) -> World:
    """An enrolled admin, an account without MFA, an expired key, a silent source,
    a fresh source and an overdue critical alert."""
    now = now or datetime.now(UTC)
    enrolled(ctx, "alice", ["admin"])
    users.create_user(
        ctx, username="bob", display_name="Bob", roles=["soc_operator"], actor="system:test"
    )
    expired = apikeys.create(
        ctx,
        name="e-voting",
        roles=["ingest"],
        actor="system:test",
        expires_in_days=1,
        now=now - timedelta(days=10),
    )
    apikeys.create(ctx, name="portal", roles=["ingest"], actor="system:test")
    accounting = SourceAccounting()
    hour = 3600.0
    accounting.seed(
        ("syslog", "vote-db", "postgres"),
        SourceCounts(
            received=40,
            parsed=40,
            indexed=38,
            dropped=2,
            first_seen=now.timestamp() - 96 * hour,
            last_seen=now.timestamp() - 48 * hour,
        ),
    )
    accounting.seed(
        ("http", "dms", "dms"),
        SourceCounts(
            received=10,
            parsed=10,
            indexed=10,
            first_seen=now.timestamp() - hour,
            last_seen=now.timestamp() - 60,
        ),
    )
    save_sources(ctx.es, ctx.names, accounting)
    event: dict[str, Any] = {
        "@timestamp": (now - timedelta(hours=2)).isoformat(),
        "host": {"name": "dms-01"},
        "user": {"name": "mallory"},
        "message": "bulk download of secret documents",
    }
    report = write_alerts(
        ctx,
        [RuleMatch(rule=CRITICAL_RULE, event=event, event_id="ev-secret-1")],
        now=now - timedelta(hours=2),
    )
    ctx.es.indices.refresh(index=ctx.names.index("*"))
    return World(
        expired_key_id=expired.apikey.id,
        silent_source="syslog/vote-db/postgres",
        overdue_alert_id=report.created[0],
    )


def by_id(status: ComplianceStatus) -> dict[str, ControlResult]:
    return {r.control_id: r for r in status.results}


def results(status: ComplianceStatus) -> Iterator[tuple[str, str]]:
    for r in status.results:
        yield r.control_id, r.status
