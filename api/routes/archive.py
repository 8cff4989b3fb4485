"""/api/v1/archive: where expired events are archived, and restoring one snapshot.

Auditors and administrators read the archive's state; an administrator restores a
snapshot (``secops-<namespace>-restored-<index>``, searched by hunts with the live
events). Restores are recorded in the audit trail, refused or not.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from api.deps import Ctx
from api.errors import answers
from api.security import require
from secops.archive.models import ArchiveState, RestoredArchive
from secops.archive.service import archive_state, restore_archive
from secops.auth.principals import Principal, Role
from secops.errors import ConflictError, NotFoundError, StoreError

router = APIRouter(prefix="/archive", tags=["archive"])

Reader = Annotated[Principal, Depends(require(Role.auditor, Role.admin))]
# A restore makes expired events searchable again and costs a snapshot read: fresh TOTP.
AdminStepUp = Annotated[Principal, Depends(require(Role.admin, step_up=True))]


@router.get(
    "",
    summary="The archive: repository, snapshots with their indices and time ranges, retention",
)
def get_archive(ctx: Ctx, _: Reader) -> ArchiveState:
    return archive_state(ctx)


@router.post(
    "/{snapshot}/restore",
    status_code=201,
    summary="Restore one archived snapshot as a searchable secops-<namespace>-restored-* index",
    responses=answers(
        (NotFoundError, "No such snapshot in this namespace's archive"),
        (ConflictError, "The index is live or restored already"),
        (StoreError, "The snapshot could not be restored"),
    ),
)
def post_restore(
    ctx: Ctx,
    caller: AdminStepUp,
    snapshot: Annotated[str, Path(max_length=255, pattern=r"^secops-[a-z0-9_][a-z0-9_.-]*$")],
) -> RestoredArchive:
    return restore_archive(ctx, actor=caller, snapshot=snapshot)
