"""GET /metrics: Prometheus text of this process (source accounting, pipeline, spool).

Mounted at the application root, where scrapers look. Policy: a scraper on the
same machine (loopback) may read it without credentials; anyone else needs the
admin or auditor role, since per-source counters name the parliament's systems.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.security import POLICY_ATTR, Policy, client_address, require
from secops.accounting.metrics import CONTENT_TYPE, process_metrics
from secops.auth.principals import Principal, Role

router = APIRouter(tags=["metrics"])

_ROLES = (Role.admin, Role.auditor)


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def loopback_or_role() -> Callable[[Request], Principal]:
    """Anonymous from loopback, else an authenticated admin or auditor."""
    authenticated = require(*_ROLES)

    def dependency(request: Request) -> Principal:
        address = client_address(request)
        if _is_loopback(address):
            principal = Principal(id="loopback", kind="anonymous", name="loopback", address=address)
            request.state.principal = principal
            return principal
        return authenticated(request)

    setattr(dependency, POLICY_ATTR, Policy(roles=frozenset(_ROLES)))
    return dependency


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, 403: {"description": "not loopback, no role"}},
)
def metrics(_: Annotated[Principal, Depends(loopback_or_role())]) -> Response:
    return Response(process_metrics().render(), media_type=CONTENT_TYPE)
