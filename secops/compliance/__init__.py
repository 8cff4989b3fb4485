"""Compliance: controls as data, checks with evidence, signed periodic reports.

:func:`evaluate` runs every control of ``controls.yml`` and stores each result
with its evidence; :func:`generate_report` signs a period's results with the
audit trail's key; :func:`verify_report` checks a report anywhere.
"""

from secops.compliance.models import ComplianceStatus, ControlResult, Report, VerifyResult
from secops.compliance.reports import generate_report, verify_report
from secops.compliance.service import compliance_status, evaluate

__all__ = [
    "ComplianceStatus",
    "ControlResult",
    "Report",
    "VerifyResult",
    "compliance_status",
    "evaluate",
    "generate_report",
    "verify_report",
]
