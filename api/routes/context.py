"""/api/v1/context: the people directory of the enrich stage.

``PUT /context/people`` replaces the directory with a CSV body (admin, with a
fresh TOTP: who may read what follows from it); a bad row anywhere refuses the
whole body with 422 and every rejected row as ``body:LINE: reason``. The running
pipeline picks the new directory up within seconds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from api.deps import Ctx
from api.errors import answers
from api.security import require
from secops.auth.principals import Principal, Role
from secops.enrich import service
from secops.enrich.directory import DirectoryRejectedError
from secops.enrich.models import ImportReport, PeopleView
from secops.errors import ConflictError

router = APIRouter(prefix="/context", tags=["context"])

Reader = Annotated[Principal, Depends(require(Role.admin, Role.auditor, Role.soc_operator))]
AdminStepUp = Annotated[Principal, Depends(require(Role.admin, step_up=True))]

_EXAMPLE = (
    "user,clearance,committees,aliases,display_name,unit,roles\n"
    "mrossi,secret,defence;budget,M0421,Maria Rossi,defence-office,member\n"
)


@router.get(
    "/people",
    summary="The current people directory: which import, and every person",
)
def get_people(ctx: Ctx, _: Reader) -> PeopleView:
    return service.list_people(ctx)


@router.put(
    "/people",
    summary="Replace the people directory with a CSV body, all or nothing (fresh TOTP)",
    responses=answers(
        (ConflictError, "Another import is running; try again shortly"),
        (
            DirectoryRejectedError,
            "Rows rejected (each as body:LINE: reason in `rows`); nothing loaded",
        ),
    ),
)
def put_people(
    ctx: Ctx,
    principal: AdminStepUp,
    text: Annotated[str, Body(media_type="text/csv", examples=[_EXAMPLE], max_length=16 << 20)],
) -> ImportReport:
    return service.import_people(ctx, text=text, source="body", actor=principal)
