"""Every state-changing request (POST, PUT, PATCH, DELETE) goes into the audit trail.

Recorded after the route ran, with the caller the route's policy admitted
(``request.state.principal``), the route template, the status code and the
client address. The action has already happened by then, so this does not fail
closed: an entry that cannot be written is retried, then logged at CRITICAL
with its full content (the log keeps the fact) and counted in
``secops_audit_write_failures_total``, on which operators alarm. Services whose
action must not happen unrecorded call ``secops.audit.record`` before acting.

Pushes to ``/ingest`` are not recorded here: they are high-volume system traffic,
accounted per source by the pipeline. Refused requests of anonymous callers are not
recorded one each either, but counted and summarised (``api.refusals``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.addresses import scope_address
from api.refusals import ACTION, OTHER, RefusalSummary, Summary
from secops.audit import record
from secops.audit.metrics import audit_metrics
from secops.auth.principals import Principal
from secops.context import Context
from secops.retry import RetryPolicy

log = logging.getLogger("secops.audit")

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNAUDITED_PATHS = frozenset({"/api/v1/ingest"})
_ANONYMOUS = Principal(id="anonymous", kind="anonymous", name="anonymous")
_MAX_BACKOFF = 1.0  # seconds; the defaults wait 0.05 s, then 0.2 s


def _outcome(status: int) -> str:
    if status in (401, 403):
        return "denied"
    return "success" if status < 400 else "failure"


def audit_request(
    ctx: Context,
    *,
    principal: Principal | None,
    method: str,
    route: str | None,
    path: str,
    status: int,
    address: str | None,
    attempts: int = 3,
    backoff: float = 0.05,
) -> bool:
    """Record one request; True once written, False (logged, counted) if it never was."""
    fields: dict[str, Any] = {
        "actor": principal or _ANONYMOUS,
        "action": f"{method} {route or path}",
        "target": path,
        "outcome": _outcome(status),
        "details": {"method": method, "route": route, "status": status},
        "address": address,
    }
    return _write(ctx, fields, attempts=attempts, backoff=backoff)


def record_refusals(ctx: Context, summaries: list[Summary], *, interval: float) -> None:
    """Record summaries of anonymous callers' refused requests (see ``api.refusals``)."""
    for summary in summaries:
        details = {
            "count": summary.count,
            "by_request": summary.routes,
            "first_of_window": summary.first,
            "window_seconds": interval,
        }
        fields: dict[str, Any] = {
            "actor": _ANONYMOUS,
            "action": ACTION,
            "target": summary.address,
            "outcome": "denied",
            "details": details,
            "address": None if summary.address in (OTHER, "unknown") else summary.address,
        }
        _write(ctx, fields)


def _write(
    ctx: Context, fields: dict[str, Any], *, attempts: int = 3, backoff: float = 0.05
) -> bool:
    """Append one entry, retrying; True once written, False (logged, counted) if never."""
    policy = RetryPolicy(base=backoff, factor=4, cap=_MAX_BACKOFF, jitter=False, attempts=attempts)

    def on_retry(attempt: int, exc: BaseException, delay: float) -> None:
        log.warning("audit write failed (attempt %d/%d): %s", attempt + 1, attempts, exc)

    try:
        policy.call(lambda: record(ctx, **fields), stop=threading.Event(), on_retry=on_retry)
        return True
    except Exception as exc:
        log.warning("audit write failed (attempt %d/%d): %s", attempts, attempts, exc)
    audit_metrics().write_failures.inc()
    actor = fields["actor"]
    log.critical(
        "AUDIT ENTRY NOT RECORDED: actor=%s/%s action=%r target=%r outcome=%s details=%s "
        "address=%s",
        actor.kind,
        actor.id,
        fields["action"],
        fields["target"],
        fields["outcome"],
        fields["details"],
        fields["address"],
    )
    return False


def route_template(scope: Scope) -> str | None:
    """The matched route's full template (``/api/v1/users/{username}``), None if none matched.

    The route may know its path without the prefixes of the routers that include
    it, so the prefix is whatever of the concrete path precedes the rendered route.
    """
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(template, str):
        return None
    params = {k: str(v) for k, v in (scope.get("path_params") or {}).items()}
    try:
        rendered = template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
    path: str = scope["path"]
    return path[: -len(rendered)] + template if path.endswith(rendered) else template


class AuditMiddleware:
    """ASGI middleware calling :func:`audit_request` for state-changing requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in STATE_CHANGING
            or scope["path"] in UNAUDITED_PATHS
        ):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # the dict request.state writes into
        status = 500  # if the app raises before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            found = state.get("principal")
            principal = found if isinstance(found, Principal) else None
            address = (principal.address if principal else None) or scope_address(scope)
            ctx: Context = scope["app"].state.context
            anonymous = principal is None or principal.kind == "anonymous"
            refusals: RefusalSummary | None = getattr(scope["app"].state, "refusals", None)
            if anonymous and 400 <= status < 500 and refusals is not None:
                route = f"{scope['method']} {route_template(scope) or 'unmatched'} {status}"
                due = refusals.note(address=address, route=route, status=status, now=time.time())
                if due:
                    await anyio.to_thread.run_sync(
                        lambda: record_refusals(ctx, due, interval=refusals.interval)
                    )
            else:
                await anyio.to_thread.run_sync(
                    lambda: audit_request(
                        ctx,
                        principal=principal,
                        method=scope["method"],
                        route=route_template(scope),
                        path=scope["path"],
                        status=status,
                        address=address,
                    )
                )
