"""A generated half-year of the parliament (Solar Hijri 1404-H2) and the last weeks of the
half-year before it, seeded through the real pipeline and services, with its ground truth.

Deterministic (seeded). Records go through ``deliver`` (normalize, enrich, store)
with their own times; drops are counted by the pipeline's source accounting; alerts
are written by the alert service and triaged by the triage service at the times
the plan gives; controls are evaluated by the compliance service at chosen instants
while accounts change (an account without MFA exists for part of the period). The
plan is fixed before anything is written, so the test compares the report with it,
not with what the store answers.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from auth.support import enrolled

from secops.accounting.counters import SourceAccounting
from secops.accounting.service import save_sources
from secops.alerts.build import CONFIDENTIAL_TAG
from secops.alerts.models import AlertChange
from secops.alerts.service import get_alert, write_alerts
from secops.alerts.triage import update_alert
from secops.auth import users
from secops.compliance.periods import Period, parse_period
from secops.compliance.service import evaluate
from secops.context import Context
from secops.definitions import DEFAULT_SLA_MINUTES
from secops.detect.models import RuleMatch, RuleMeta
from secops.pipeline.deliver import deliver
from secops.pipeline.detection import NoDetection
from secops.records import RawRecord, Source
from secops.retry import RetryPolicy

TEHRAN = "Asia/Tehran"
PERIOD: Period = parse_period("1404-H2", calendar="solar_hijri", timezone=TEHRAN)
PREVIOUS: Period = PERIOD.previous()
SEED = 1404

REGISTER = """\
systems:
  - name: vpn
    owner: Network unit
    criticality: high
    input: syslog-tcp
    host: vpn01
    application: sshd
    format: linux.sshd
    max_silence_hours: 48
  - name: portal
    owner: Web unit
    criticality: medium
    input: syslog-tcp
    host: "portal*"
    format: linux.sshd
    max_silence_hours: 72
  - name: evoting
    owner: Chamber IT
    criticality: critical
    input: http
    host: evote01
    format: evoting
    max_silence_hours: 1
"""
UNREGISTERED = Source("file", host="laptop7", application="notes.log")
VPN = Source("syslog-tcp", host="vpn01", application="sshd")
PORTALS = (
    Source("syslog-tcp", host="portal01", application="sshd"),
    Source("syslog-tcp", host="portal02", application="sshd"),
)
VPN_SILENT_DAYS = range(60, 65)  # five days without a vpn record inside the period

BROKEN_RULE = "title: broken\nlogsource: {product: linux}\ndetection: {condition: nope}\n"

RULES = (
    RuleMeta(
        id="5f0c7a52-0f59-4b53-9a43-1d5b3d0f0a01",
        title="Secret paper sent outside",
        level="critical",
        tags=("attack.exfiltration", "attack.t1048", CONFIDENTIAL_TAG),
    ),
    RuleMeta(
        id="5f0c7a52-0f59-4b53-9a43-1d5b3d0f0a02",
        title="Password spraying",
        level="high",
        tags=("attack.credential-access", "attack.t1110"),
    ),
    RuleMeta(
        id="5f0c7a52-0f59-4b53-9a43-1d5b3d0f0a03",
        title="Committee papers listed in bulk",
        level="medium",
        tags=("attack.discovery", "attack.collection", CONFIDENTIAL_TAG),
    ),
    RuleMeta(
        id="5f0c7a52-0f59-4b53-9a43-1d5b3d0f0a04",
        title="Login at night",
        level="low",
        tags=("attack.initial-access",),
    ),
    RuleMeta(
        id="5f0c7a52-0f59-4b53-9a43-1d5b3d0f0a05",
        title="New device",
        level="informational",
        tags=(),
    ),
)


@dataclass
class PlannedRecord:
    source: Source
    at: datetime
    unparsed: bool


@dataclass
class PlannedAlert:
    rule: RuleMeta
    created: datetime
    acknowledged: datetime | None
    resolved: datetime | None
    resolution: str | None
    alert_id: str = ""

    @property
    def sla_due(self) -> datetime:
        return self.created + timedelta(minutes=DEFAULT_SLA_MINUTES[self.rule.level])

    @property
    def confidential(self) -> bool:
        return CONFIDENTIAL_TAG in self.rule.tags


@dataclass
class Plan:
    records: list[PlannedRecord] = field(default_factory=list)
    alerts: list[PlannedAlert] = field(default_factory=list)
    # dropped records per source, at the instant they were dropped
    drops: list[tuple[Source, datetime, int]] = field(default_factory=list)
    evaluations: list[datetime] = field(default_factory=list)
    bob_created: datetime = PERIOD.start
    bob_disabled: datetime = PERIOD.start


def _at(rnd: random.Random, day_start: datetime) -> datetime:
    """A second of the day, in UTC, cut to the millisecond as stored."""
    return (day_start + timedelta(seconds=rnd.randrange(86_400))).astimezone(UTC)


def _days(period: Period) -> list[datetime]:
    start = period.start.astimezone(UTC)
    n = (period.end.astimezone(UTC) - start).days
    return [start + timedelta(days=i) for i in range(n)]


def _triage(
    rnd: random.Random, created: datetime
) -> tuple[datetime | None, datetime | None, str | None]:
    if rnd.random() < 0.15:
        return None, None, None
    acked = created + timedelta(minutes=rnd.randrange(1, 600))
    if rnd.random() < 0.4:
        return acked, None, None
    resolved = acked + timedelta(minutes=rnd.randrange(10, 5000))
    return acked, resolved, rnd.choice(("true_positive", "false_positive"))


def plan() -> Plan:
    rnd = random.Random(SEED)
    p = Plan()
    days = _days(PERIOD)
    for i, day in enumerate(days):
        if i not in VPN_SILENT_DAYS:
            p.records += [PlannedRecord(VPN, _at(rnd, day), False) for _ in range(6)]
        p.records += [
            PlannedRecord(PORTALS[0], _at(rnd, day), rnd.random() < 0.1) for _ in range(3)
        ]
        if i % 3 == 0:
            p.records.append(PlannedRecord(PORTALS[1], _at(rnd, day), False))
        if i % 17 == 0:
            p.records.append(PlannedRecord(UNREGISTERED, _at(rnd, day), True))
    for day in _days(PREVIOUS)[-20:]:
        p.records += [PlannedRecord(VPN, _at(rnd, day), False) for _ in range(3)]
        p.records.append(PlannedRecord(PORTALS[0], _at(rnd, day), rnd.random() < 0.3))
    # The first and last instants of the period belong to it; the instant after does not.
    p.records.append(PlannedRecord(VPN, PERIOD.start.astimezone(UTC), False))
    p.records.append(PlannedRecord(VPN, PERIOD.end.astimezone(UTC), False))

    hours = int((PERIOD.end - PERIOD.start).total_seconds() // 3600)
    for hour in sorted(rnd.sample(range(hours - 1), 90)):
        created = (PERIOD.start + timedelta(hours=hour, minutes=rnd.randrange(60))).astimezone(UTC)
        acked, resolved, resolution = _triage(rnd, created)
        p.alerts.append(PlannedAlert(rnd.choice(RULES), created, acked, resolved, resolution))
    for day in _days(PREVIOUS)[-12:]:
        created = _at(rnd, day)
        acked, resolved, resolution = _triage(rnd, created)
        p.alerts.append(PlannedAlert(rnd.choice(RULES), created, acked, resolved, resolution))

    start = PERIOD.start.astimezone(UTC)
    end = PERIOD.end.astimezone(UTC)
    p.bob_created = start + timedelta(days=30, hours=5)
    p.bob_disabled = start + timedelta(days=90, hours=7)
    p.drops = [
        (VPN, start - timedelta(days=15), 2),  # in the previous period
        (VPN, start + timedelta(days=40), 4),
        (VPN, start + timedelta(days=120), 3),
        (PORTALS[0], start + timedelta(days=121), 1),
        (VPN, end + timedelta(hours=12), 5),  # after the period
    ]
    p.evaluations = sorted(
        [
            start - timedelta(days=10),
            start + timedelta(days=20),
            p.bob_created + timedelta(minutes=1),
            start + timedelta(days=60),
            p.bob_disabled + timedelta(minutes=1),
            start + timedelta(days=130),
            end - timedelta(days=2),
            end + timedelta(days=1),
        ]
    )
    return p


def _raw(record: PlannedRecord, n: int) -> RawRecord:
    at = record.at.astimezone(UTC)
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    host, app = record.source.host, record.source.application
    if record.unparsed:
        message = f"\x01\x02 ~~ {n} not a log line ~~"
    else:
        message = (
            f"<38>1 {stamp} {host} {app} {100 + n % 900} - - Failed password for root "
            f"from 198.51.100.{n % 250} port {20000 + n % 40000} ssh2"
        )
    return RawRecord(
        source=record.source, received_at=at.timestamp(), message=message, origin=f"half:{n}"
    )


def _deliver(ctx: Context, p: Plan, accounting: SourceAccounting) -> None:
    stop = threading.Event()
    raws = [_raw(r, n) for n, r in enumerate(p.records)]
    for i in range(0, len(raws), 500):
        deliver(
            raws[i : i + 500],
            es=ctx.es,
            names=ctx.names,
            detector=NoDetection(),
            accounting=accounting,
            policy=RetryPolicy(),
            stop=stop,
        )


def _write_alert(ctx: Context, a: PlannedAlert, n: int) -> None:
    event = {
        "@timestamp": a.created.isoformat(),
        "host": {"name": f"ws-{n:03d}"},
        "user": {"name": f"user{n:03d}"},
        "message": a.rule.title,
    }
    report = write_alerts(
        ctx, [RuleMatch(rule=a.rule, event=event, event_id=f"half-ev-{n}")], now=a.created
    )
    assert len(report.created) == 1, report
    a.alert_id = report.created[0]


def _triage_alert(ctx: Context, a: PlannedAlert) -> None:
    if a.acknowledged is not None:
        update_alert(
            ctx,
            alert_id=a.alert_id,
            change=AlertChange(status="acknowledged", reason="looking"),
            version=get_alert(ctx, alert_id=a.alert_id).version,
            by="alice",
            now=a.acknowledged,
        )
    if a.resolved is not None:
        update_alert(
            ctx,
            alert_id=a.alert_id,
            change=AlertChange(status="resolved", resolution=a.resolution, reason="done"),
            version=get_alert(ctx, alert_id=a.alert_id).version,
            by="alice",
            now=a.resolved,
            mfa_verified_at=a.resolved,
        )


def seed(ctx: Context, p: Plan) -> None:
    """Write the plan through the pipeline and the services, in the order of its times."""
    enrolled(ctx, "alice", ["admin"])
    accounting = SourceAccounting()
    _deliver(ctx, p, accounting)
    for n, a in enumerate(p.alerts):
        _write_alert(ctx, a, n)
        _triage_alert(ctx, a)
    drops = sorted(p.drops, key=lambda d: d[1])
    bob_created = bob_disabled = False
    for at in p.evaluations:
        while drops and drops[0][1] <= at:
            source, _, n = drops.pop(0)
            accounting.dropped_from(source, n)
        save_sources(ctx.es, ctx.names, accounting)
        if at > p.bob_created and not bob_created:
            users.create_user(
                ctx, username="bob", display_name="Bob", roles=["soc_operator"], actor="system:test"
            )
            bob_created = True
        if at > p.bob_disabled and not bob_disabled:
            users.disable_user(ctx, username="bob", actor="system:test")
            bob_disabled = True
        ctx.es.indices.refresh(index=ctx.names.index("*"))
        ctx.es.indices.refresh(index=ctx.names.state)
        evaluate(ctx, now=at)


def write_register(directory: Path) -> Path:
    path = directory / "sources.yml"
    path.write_text(REGISTER, encoding="utf-8")
    return path


def write_broken_rules(directory: Path) -> Path:
    rules = directory / "rules"
    rules.mkdir()
    (rules / "broken.yml").write_text(BROKEN_RULE, encoding="utf-8")
    return rules
