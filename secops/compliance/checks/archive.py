"""Preservation: expired events are archived to snapshots before retention deletes them."""

from __future__ import annotations

from secops.archive.service import archive_state
from secops.compliance.checks.base import CheckRun, NoParams, listed
from secops.compliance.models import CheckOutcome


def archived_before_deletion(run: CheckRun, params: NoParams) -> CheckOutcome:
    """The last retention run deleted nothing it could not archive, and the archive reads."""
    state = archive_state(run.ctx)
    evidence = state.model_dump(mode="json", exclude={"snapshots"})
    evidence["snapshots"] = len(state.snapshots)
    evidence["events_archived"] = sum(s.events for s in state.snapshots)
    kept = state.last_run.kept if state.last_run else {}
    if kept:
        evidence["kept"] = listed(sorted(kept))
        first = sorted(kept)[0]
        return CheckOutcome(
            status="fail",
            summary=f"{len(kept)} expired events indices could not be archived and are kept "
            f"undeleted ({first}: {kept[first]}).",
            evidence=evidence,
        )
    if state.error:
        return CheckOutcome(
            status="fail",
            summary=f"The archive {state.repository} cannot be read: {state.error}.",
            evidence=evidence,
        )
    if state.repository_type is None:
        return CheckOutcome(
            status="warn",
            summary=f"The archive repository {state.repository} is not registered yet; "
            "retention registers it before it first deletes events.",
            evidence=evidence,
        )
    return CheckOutcome(
        status="pass",
        summary=f"{len(state.snapshots)} snapshots in {state.repository} "
        f"({state.repository_type} {state.location}); nothing expired is left unarchived.",
        evidence=evidence,
    )
