"""Prometheus counters of the audit trail; an alert on write failures is an alarm."""

from __future__ import annotations

from prometheus_client import Counter

ENTRIES_WRITTEN = Counter("secops_audit_entries_total", "Audit entries appended to the chain")
SEQ_CONFLICTS = Counter(
    "secops_audit_seq_conflicts_total",
    "Appends that lost a seq to another writer and retried on the new head",
)
WRITE_FAILURES = Counter(
    "secops_audit_write_failures_total",
    "Actions that could not be recorded in the audit trail after retries (alarm)",
)
