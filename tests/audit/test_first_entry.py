"""Finding the entry that recorded an action on a target (as report verification does)."""

from __future__ import annotations

from secops.audit import first_entry, record
from secops.context import Context


def test_first_entry_is_the_oldest_of_that_action_on_that_target(ctx: Context) -> None:
    record(ctx, actor="cli", action="report.generate", target="rpt-1", outcome="success")
    record(
        ctx,
        actor="cli",
        action="report.generate",
        target="rpt-2",
        outcome="success",
        details={"hash": "h2"},
    )
    record(ctx, actor="cli", action="report.generate", target="rpt-2", outcome="success")
    record(ctx, actor="cli", action="report.verify", target="rpt-3", outcome="success")

    found = first_entry(ctx, action="report.generate", target="rpt-2")
    assert found is not None
    assert (found.seq, found.details) == (2, {"hash": "h2"})
    assert first_entry(ctx, action="report.generate", target="rpt-3") is None
    assert first_entry(ctx, action="report.verify", target="rpt-3") is not None
