"""The report's preservation section: how long events are kept and what is archived where.

This is the one place the period report asks about retention and archives; the
archive code (snapshots before deletion, ``secops archive``) fills ``archives`` and
``snapshot_repository`` here.
"""

from __future__ import annotations

from datetime import datetime

from secops.compliance.report_model import Preservation
from secops.context import Context
from secops.store.retention import lifecycle_is_managed


def preservation_section(ctx: Context, *, now: datetime) -> Preservation:
    """Retention and archive state at ``now`` (the report's signing)."""
    return Preservation(
        retention_days=ctx.settings.retention_days,
        lifecycle_managed_by_cluster=lifecycle_is_managed(ctx.es),
        snapshot_repository=None,
        archives=[],
    )
