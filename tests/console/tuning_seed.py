"""A rule set tuned as issue 11 allows: one SSH rule, a Sigma filter dropping a scanner's
failed logins before it, and an override raising its level; records of both kinds."""

from __future__ import annotations

import time
from pathlib import Path

from scanner_filter import SCANNER_FILTER

from secops.records import RawRecord, Source

SIGMA = Path(__file__).resolve().parents[2] / ".." / "shared" / "sigma"
ZEEK = SIGMA / "rules" / "network" / "zeek"
ZEEK_RDP_ID = "1fc0809e-06bf-4de3-ad52-25e5263b7623"  # zeek_rdp_public_listener.yml
BUILTIN_ID = "52fccf69-72d5-4801-9d53-21b66d1f15ae"  # rules/linux/account_or_group_created.yml
RDP_REASON = "unsupported logsource: no mapping entry covers product=zeek, service=rdp"

SSH_SEEN_ID = "3f0e7c1a-5b7e-4d55-9a57-1d3f3c9b2e11"
SSH_RULE = f"""title: Test SSH Failure Seen
id: {SSH_SEEN_ID}
status: test
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
level: high
"""
SSHD = Source("syslog-tcp", host="LabSZ", application="sshd")


def write_tuned_rules(root: Path, filter_id: str) -> tuple[Path, Path]:
    """The rule directory and the overrides file (the rule's level: high → critical)."""
    rules = root / "rules"
    rules.mkdir()
    (rules / "ssh_seen.yml").write_text(SSH_RULE)
    (rules / "scanner_filter.yml").write_text(
        SCANNER_FILTER.format(id=filter_id, rule=SSH_SEEN_ID, cidr="10.20.0.0/16")
    )
    overrides = root / "overrides.yml"
    overrides.write_text(f"{SSH_SEEN_ID}:\n  level: critical\n  reason: root logins matter\n")
    return rules, overrides


def failed_logins(address: str, n: int) -> list[RawRecord]:
    return [
        RawRecord(
            source=SSHD,
            received_at=time.time(),
            message=f"<38>Jan 10 10:00:{i:02d} LabSZ sshd[{1000 + i}]: "
            f"Failed password for root from {address} port {40000 + i} ssh2",
        )
        for i in range(n)
    ]
