"""Prometheus counters of the audit trail, in the process registry served at /metrics.

An alert on ``secops_audit_write_failures_total`` is the alarm for actions that
happened but could not be recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from prometheus_client import Counter

from secops.accounting import process_metrics


@dataclass(frozen=True)
class AuditMetrics:
    entries: Counter
    seq_conflicts: Counter
    write_failures: Counter
    checkpoint_failures: Counter


@lru_cache(maxsize=1)
def audit_metrics() -> AuditMetrics:
    """The audit counters of this process, registered on first use."""
    registry = process_metrics().registry
    return AuditMetrics(
        entries=Counter(
            "secops_audit_entries", "Audit entries appended to the chain", registry=registry
        ),
        seq_conflicts=Counter(
            "secops_audit_seq_conflicts",
            "Appends that lost a seq to another writer and retried on the new head",
            registry=registry,
        ),
        write_failures=Counter(
            "secops_audit_write_failures",
            "Actions that could not be recorded in the audit trail after retries (alarm)",
            registry=registry,
        ),
        checkpoint_failures=Counter(
            "secops_audit_checkpoint_failures",
            "Appends whose checkpoint could not be written to the state directory (alarm)",
            registry=registry,
        ),
    )
