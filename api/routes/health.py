"""GET /api/v1/health: is the service up, and does its store answer?"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import get_context
from api.security import public
from secops import __version__
from secops.context import Context
from secops.store import cluster_health

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    elasticsearch: dict[str, Any] = Field(
        description="status (green, yellow, red, unreachable, error), version, nodes"
    )


@router.get(
    "/health",
    summary="Service and Elasticsearch health",
    response_model=Health,
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
        503: {"model": Health, "description": "Elasticsearch does not answer or is red"},
    },
)
def health(
    ctx: Annotated[Context, Depends(get_context)], _: Annotated[Any, Depends(public())]
) -> Any:
    es = cluster_health(ctx.es)
    ok = es["status"] in ("green", "yellow")
    body = {"status": "ok" if ok else "degraded", "version": __version__, "elasticsearch": es}
    return JSONResponse(body, status_code=200 if ok else 503)
