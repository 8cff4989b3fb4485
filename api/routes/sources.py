"""/api/v1/sources: what each system sent and what became of it; who went silent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import Ctx
from api.security import require
from secops.accounting.service import SourceStatus, list_sources
from secops.auth.principals import Principal, Role

router = APIRouter(prefix="/sources", tags=["sources"])


@router.get(
    "",
    summary="Per source: counts, first and last seen; the longest silent first",
    description=(
        "A source is (input, host, application). Counts are the pipeline's totals as "
        "last saved (every few seconds). `silent_after` keeps the sources not heard from "
        "for more than that many seconds: which system went silent?"
    ),
)
def get_sources(
    ctx: Ctx,
    _: Annotated[Principal, Depends(require(Role.auditor, Role.admin, Role.soc_operator))],
    silent_after: Annotated[
        float | None, Query(ge=0, description="Only sources silent longer than this (seconds)")
    ] = None,
) -> list[SourceStatus]:
    return list_sources(ctx, silent_after=silent_after)
