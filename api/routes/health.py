"""GET /api/v1/health: is the service up, and does its store answer?

Anyone may ask, and an anonymous caller learns the status only. Versions, the
cluster's name and error texts help an attacker pick an exploit, so they go only
to authenticated callers (any role, API keys too).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import Ctx
from api.security import known_caller, public
from secops import __version__
from secops.store import cluster_health

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str | None = Field(None, description="Authenticated callers only")
    elasticsearch: dict[str, Any] | None = Field(
        None,
        description="Authenticated callers only: status (green, yellow, red, unreachable, "
        "error), version, cluster name, nodes",
    )


@router.get(
    "/health",
    summary="Service and Elasticsearch health (details for authenticated callers)",
    response_model=Health,
    response_model_exclude_none=True,
    responses={
        200: {
            "content": {
                "application/json": {
                    "examples": {
                        "anonymous": {"value": {"status": "ok"}},
                        "authenticated": {
                            "value": {
                                "status": "ok",
                                "version": "0.1.0",
                                "elasticsearch": {"status": "green", "version": "9.5.4"},
                            }
                        },
                    }
                }
            }
        },
        503: {"model": Health, "description": "Elasticsearch does not answer or is red"},
    },
)
def health(
    request: Request,
    ctx: Ctx,
    _: Annotated[Any, Depends(public())],
) -> Any:
    es = cluster_health(ctx.es)
    ok = es["status"] in ("green", "yellow")
    body: dict[str, Any] = {"status": "ok" if ok else "degraded"}
    if known_caller(request) is not None:
        body |= {"version": __version__, "elasticsearch": es}
    return JSONResponse(body, status_code=200 if ok else 503)
