"""GET /api/v1/health: is the service up, and does its store answer?"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.deps import get_context
from api.security import public
from secops import __version__
from secops.context import Context
from secops.store import cluster_health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    summary="Service and Elasticsearch health",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "status": "ok",
                        "version": "0.1.0",
                        "elasticsearch": {"status": "green", "version": "9.5.4"},
                    }
                }
            }
        },
        503: {"description": "Elasticsearch does not answer or is red"},
    },
)
def health(
    ctx: Annotated[Context, Depends(get_context)], _: Annotated[Any, Depends(public())]
) -> Any:
    es = cluster_health(ctx.es)
    ok = es["status"] in ("green", "yellow")
    body = {"status": "ok" if ok else "degraded", "version": __version__, "elasticsearch": es}
    return JSONResponse(body, status_code=200 if ok else 503)
