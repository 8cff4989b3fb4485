"""The tamper-evident audit trail: append-only, hash-chained, signed entries.

Record an action with :func:`record`; check the trail with :func:`verify`. Each
append is anchored by a signed checkpoint outside Elasticsearch; a chain found
shorter than it holds appends until :func:`acknowledge_truncation`.
"""

from secops.audit.keys import public_key_pem, signing_key
from secops.audit.models import (
    Acknowledged,
    AuditActor,
    AuditEntry,
    AuditPage,
    BreakReason,
    Checkpoint,
    HeldEntry,
    SeqRange,
    Truncation,
    VerifyReport,
)
from secops.audit.service import (
    acknowledge_truncation,
    blocked,
    first_entry,
    list_entries,
    record,
)
from secops.audit.verification import verify

__all__ = [
    "Acknowledged",
    "AuditActor",
    "AuditEntry",
    "AuditPage",
    "BreakReason",
    "Checkpoint",
    "HeldEntry",
    "SeqRange",
    "Truncation",
    "VerifyReport",
    "acknowledge_truncation",
    "blocked",
    "first_entry",
    "list_entries",
    "public_key_pem",
    "record",
    "signing_key",
    "verify",
]
