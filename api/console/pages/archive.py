"""The archive: where expired events are kept (repository, snapshots with their time
ranges, the last retention run) for auditors and administrators, and restoring a snapshot
for administrators: the services of ``/api/v1/archive``, with its roles (a restore is
recorded in the audit trail by the service, refused or not)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from api.console.session import check_csrf, page
from api.console.web import render, see_other
from api.deps import Ctx
from secops.archive.service import archive_state, restore_archive
from secops.auth.principals import Principal, Role

router = APIRouter(dependencies=[Depends(check_csrf)])

Reader = Annotated[Principal, Depends(page(Role.auditor, Role.admin))]
# As the API's: a restore makes expired events searchable again, so it needs a fresh code.
AdminStepUp = Annotated[Principal, Depends(page(Role.admin, step_up=True))]


@router.get("/archive")
def archive_page(request: Request, ctx: Ctx, principal: Reader) -> Response:
    return render(
        request,
        "archive.html",
        principal=principal,
        state=archive_state(ctx),
        can_restore=principal.has_any(frozenset({Role.admin})),
    )


@router.post("/archive/{snapshot}/restore")
def restore(
    request: Request,
    ctx: Ctx,
    principal: AdminStepUp,
    snapshot: Annotated[str, Path(max_length=255, pattern=r"^secops-[a-z0-9_][a-z0-9_.-]*$")],
) -> Response:
    restore_archive(ctx, actor=principal, snapshot=snapshot)
    return see_other(f"/archive#{snapshot}")
