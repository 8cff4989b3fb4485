"""Helpers of the rules and sources API tests: a rule directory of our own, records."""

from __future__ import annotations

import time
from pathlib import Path

from secops.context import Context
from secops.records import RawRecord, Source

SSH_SEEN_ID = "3f0e7c1a-5b7e-4d55-9a57-1d3f3c9b2e11"
GOOD_RULE = f"""title: Test SSH Failure Seen
id: {SSH_SEEN_ID}
status: test
description: Every failed SSH login, as an alert of its own.
logsource:
    product: linux
    service: sshd
detection:
    selection:
        event.dataset: linux.sshd
        event.action: ssh_failed_login
    condition: selection
tags:
    - attack.credential-access
    - test.rules-api
level: high
"""
# The modifier on line 10 does not exist.
BROKEN_RULE = """title: Broken Modifier
id: 0b7d8f61-2a3c-4f5e-8d9a-6c1b2e3f4a50
status: test
logsource:
    product: linux
    service: sshd
detection:
    selection:
        event.dataset: linux.sshd
        user.name|contians: root
    condition: selection
level: low
"""
NOT_YAML = "title: [unclosed\nid: x\n"
SSHD = Source("syslog-tcp", host="LabSZ", application="sshd")


def write_rule_dir(root: Path) -> Path:
    """A directory of one good rule, one with a bad modifier and one that is not YAML."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "ssh_seen.yml").write_text(GOOD_RULE)
    (root / "broken_modifier.yml").write_text(BROKEN_RULE)
    (root / "not_yaml.yml").write_text(NOT_YAML)
    return root


def sshd_failures(start: int, n: int) -> list[RawRecord]:
    return [
        RawRecord(
            source=SSHD,
            received_at=time.time(),
            message=f"<38>Jan 10 10:{i // 60:02d}:{i % 60:02d} LabSZ sshd[{1000 + i}]: "
            f"Failed password for root from 183.62.140.253 port {40000 + i} ssh2",
        )
        for i in range(start, start + n)
    ]


def count_alerts(ctx: Context, rule_id: str) -> int:
    ctx.es.indices.refresh(index=ctx.names.alerts)
    resp = ctx.es.count(index=ctx.names.alerts, query={"term": {"rule.id": rule_id}})
    return int(resp["count"])
