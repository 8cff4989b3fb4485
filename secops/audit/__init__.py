"""The tamper-evident audit trail: append-only, hash-chained, signed entries.

Record an action with :func:`record`; check the trail with :func:`verify`.
"""

from secops.audit.keys import public_key_pem, signing_key
from secops.audit.models import AuditActor, AuditEntry, AuditPage, BreakReason, VerifyReport
from secops.audit.service import list_entries, record
from secops.audit.verification import verify

__all__ = [
    "AuditActor",
    "AuditEntry",
    "AuditPage",
    "BreakReason",
    "VerifyReport",
    "list_entries",
    "public_key_pem",
    "record",
    "signing_key",
    "verify",
]
