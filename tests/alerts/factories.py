"""Matches and events as detection hands them over."""

from __future__ import annotations

import time
from typing import Any

from secops.detect.models import CorrelationMatch, RuleMatch, RuleMeta
from secops.records import RawRecord, Source

SSH_RULE = RuleMeta(
    id="0d8b4c1e-7a1f-4f0e-9d57-3b3c3e1b2a01",
    name="ssh_failed_login",
    title="SSH failed login",
    level="medium",
    tags=("attack.credential-access", "attack.t1110", "attack.t1110.001", "cve.2024-0001"),
    logsource={"product": "linux", "service": "sshd"},
    path="rules/linux/ssh_failed_login.yml",
)

BRUTE_RULE = RuleMeta(
    id="9a4e2f3c-1b6d-4c8e-8f0a-2d5e6f7a8b02",
    name="ssh_brute_force",
    title="SSH brute force",
    level="high",
    tags=("attack.credential-access", "attack.t1110"),
    kind="correlation",
)


def ssh_event(
    n: int,
    *,
    ts: str = "2025-03-01T10:00:00Z",
    source: str = "183.62.140.253",
    user: str = "root",
    host: str = "LabSZ",
) -> dict[str, Any]:
    return {
        "@timestamp": ts,
        "event": {"kind": "event", "category": ["authentication"], "outcome": "failure"},
        "host": {"name": host},
        "user": {"name": user},
        "source": {"ip": source, "port": 40000 + n},
        "message": f"Failed password for {user} from {source} port {40000 + n} ssh2",
    }


def ssh_match(n: int, *, rule: RuleMeta = SSH_RULE, **kw: Any) -> RuleMatch:
    return RuleMatch(rule=rule, event=ssh_event(n, **kw), event_id=f"ev-{n}")


def brute_match(
    ids: list[str], *, first: str = "2025-03-01T10:00:00Z", last: str = "2025-03-01T10:04:10Z"
) -> CorrelationMatch:
    return CorrelationMatch(
        rule=BRUTE_RULE,
        correlation_type="event_count",
        group={"source.ip": "183.62.140.253", "host.name": "LabSZ"},
        first_seen=first,
        last_seen=last,
        value=float(len(ids)),
        event_ids=ids,
        base_rules=[SSH_RULE.id],
    )


def failed_ssh_records(n: int) -> list[RawRecord]:
    """``n`` raw syslog records of failed root logins from one address, as sshd sends them."""
    source = Source("syslog-tcp", host="LabSZ", application="sshd")
    return [
        RawRecord(
            source=source,
            received_at=time.time(),
            message=f"<38>Jan 10 10:00:{i:02d} LabSZ sshd[{100 + i}]: Failed password for root "
            f"from 183.62.140.253 port {40000 + i} ssh2",
        )
        for i in range(n)
    ]
