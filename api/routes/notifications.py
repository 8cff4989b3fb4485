"""/api/v1/notifications/status: how alert notifications fare, per channel (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import Ctx
from api.security import require
from secops.alerts.notify import channel_status
from secops.alerts.notify.status import ChannelStats
from secops.auth.principals import Principal, Role

router = APIRouter(prefix="/notifications", tags=["alerts"])


@router.get(
    "/status",
    summary="Per channel: delivered, failed attempts, given up, dropped, last error",
)
def status(
    ctx: Ctx,
    _: Annotated[Principal, Depends(require(Role.admin))],
) -> list[ChannelStats]:
    return channel_status(ctx)
