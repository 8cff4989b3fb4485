"""The alert queue: filters, sort, saved views, bulk triage, fresh alerts by polling,
keyboard triage (``static/console.js``). Same services as ``/api/v1/alerts``."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.console.forms import invalid
from api.console.session import check_csrf, page
from api.console.vocabulary import SORT_FIELDS
from api.console.web import render, see_other
from api.deps import Ctx
from secops.alerts import query, triage
from secops.alerts.models import (
    AlertChange,
    AlertFilter,
    BulkChange,
    Resolution,
    Status,
)
from secops.auth import users
from secops.auth.principals import Principal, Role
from secops.definitions import SEVERITIES
from secops.errors import ConflictError, InvalidInputError, PermissionDeniedError

router = APIRouter(dependencies=[Depends(check_csrf)])

Reader = Annotated[Principal, Depends(page(Role.soc_operator, Role.admin, Role.auditor))]
Writer = Annotated[Principal, Depends(page(Role.soc_operator, Role.admin))]

# The queue's query parameters, kept in saved views and the polling URL.
FILTER_KEYS = (
    "status",
    "severity",
    "rule_id",
    "user",
    "host",
    "source",
    "since",
    "until",
    "confidential",
    "q",
    "sort",
    "order",
)
SORTS = SORT_FIELDS
PAGE_SIZE = 50


def _parse_time(value: str | None, zone: tzinfo = UTC) -> datetime | None:
    """A time of a form field; without a zone it is read in ``zone`` (the service's)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInputError(f"not a date and time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def queue_filter(params: dict[str, list[str]], zone: tzinfo = UTC) -> AlertFilter:
    """The alert filter of the queue's query parameters (empty ones ignored); the time
    fields, as a browser's date-time inputs send them, are read in ``zone``."""

    def one(key: str) -> str | None:
        values = [v for v in params.get(key, []) if v.strip()]
        return values[0].strip() if values else None

    def many(key: str) -> list[str] | None:
        values = [v for v in params.get(key, []) if v.strip()]
        return values or None

    confidential = one("confidential")
    try:
        return AlertFilter(
            status=many("status"),
            severity=many("severity"),
            rule_id=many("rule_id"),
            user=one("user"),
            host=one("host"),
            source=one("source"),
            since=_parse_time(one("since"), zone),
            until=_parse_time(one("until"), zone),
            confidential=None if confidential is None else confidential == "yes",
            q=one("q"),
        )
    except ValidationError as exc:
        raise InvalidInputError(invalid(exc)) from exc


def _params(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key in FILTER_KEYS:
            out.setdefault(key, []).append(value)
    return out


def _sort(params: dict[str, list[str]]) -> tuple[query.SortField, query.SortOrder]:
    sort = (params.get("sort") or ["priority"])[0]
    order = (params.get("order") or ["desc"])[0]
    if sort not in SORTS or order not in ("asc", "desc"):
        raise InvalidInputError(f"sort is one of {', '.join(SORTS)}; order asc or desc")
    return sort, order  # type: ignore[return-value]


def _encoded(params: dict[str, list[str]]) -> str:
    return urlencode([(k, v) for k, vs in params.items() for v in vs if v])


@router.get("/alerts")
def queue(
    request: Request,
    ctx: Ctx,
    principal: Reader,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    params = _params(request)
    flt = queue_filter(params, ZoneInfo(ctx.settings.timezone))
    sort, order = _sort(params)
    found = query.search_alerts(ctx, flt=flt, sort=sort, order=order, size=PAGE_SIZE, cursor=cursor)
    stats = query.alert_stats(ctx, interval="1d")
    me = users.get_user(ctx, principal.name) if principal.kind == "user" else None
    return render(
        request,
        "queue.html",
        principal=principal,
        page=found,
        params=params,
        encoded=_encoded(params),
        since_render=datetime.now(UTC).isoformat(),
        statuses=list(Status),
        severities=list(SEVERITIES),
        resolutions=list(Resolution),
        rules=[b.key for b in stats.by_rule],
        sorts=SORTS,
        views=me[0].saved_views if me else {},
        can_triage=principal.has_any(frozenset({Role.soc_operator, Role.admin})),
    )


@router.get("/alerts/fresh")
def fresh(
    request: Request,
    ctx: Ctx,
    principal: Reader,
    after: Annotated[str, Query(max_length=64)],
) -> Response:
    """Alerts of the queue's filter created after the page was drawn (polled by htmx)."""
    params = _params(request)
    flt = queue_filter(params, ZoneInfo(ctx.settings.timezone))
    since = _parse_time(after) or datetime.now(UTC)
    found = query.search_alerts(ctx, flt=flt, sort="created_at", order="desc", size=PAGE_SIZE)
    new = [a for a in found.items if a.created_at > since]
    return render(
        request,
        "queue_fresh.html",
        principal=principal,
        alerts=new,
        after=after,
        encoded=_encoded(params),
        can_triage=principal.has_any(frozenset({Role.soc_operator, Role.admin})),
    )


@router.post("/alerts/views")
def save_view(
    request: Request,
    ctx: Ctx,
    principal: Reader,
    name: Annotated[str, Form(min_length=1, max_length=80)],
    query_string: Annotated[str, Form(alias="query", max_length=4000)] = "",
) -> Response:
    """Keep the queue's current filters under a name, with the account."""
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(query_string):
        if key in FILTER_KEYS:
            params.setdefault(key, []).append(value)
    queue_filter(params)  # refuse a view the queue could not show
    found = users.get_user(ctx, principal.name)
    views = dict(found[0].saved_views) if found else {}
    if len(views) >= 50 and name.strip() not in views:
        raise InvalidInputError("at most 50 saved views: delete one first")
    views[name.strip()] = _encoded(params)
    users.set_preferences(ctx, username=principal.name, saved_views=views)
    return see_other("/alerts?" + views[name.strip()])


@router.post("/alerts/views/delete")
def delete_view(
    request: Request,
    ctx: Ctx,
    principal: Reader,
    name: Annotated[str, Form(min_length=1, max_length=80)],
) -> Response:
    found = users.get_user(ctx, principal.name)
    views = {k: v for k, v in (found[0].saved_views if found else {}).items() if k != name}
    users.set_preferences(ctx, username=principal.name, saved_views=views)
    return see_other("/alerts")


_BULK_CHANGES: dict[str, dict[str, Any]] = {
    "acknowledge": {"status": Status.acknowledged},
    "assign": {},
    "resolve": {"status": Status.resolved},
}


@router.post("/alerts/bulk")
def bulk(
    request: Request,
    ctx: Ctx,
    principal: Writer,
    action: Annotated[str, Form(max_length=32)],
    ids: Annotated[list[str] | None, Form(max_length=1000)] = None,
    assignee: Annotated[str, Form(max_length=128)] = "",
    resolution: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """One change to the ticked alerts: a result per alert."""
    if action not in _BULK_CHANGES:
        raise InvalidInputError(f"the action is one of {', '.join(_BULK_CHANGES)}")
    if not ids:
        raise InvalidInputError("tick at least one alert")
    fields: dict[str, Any] = dict(_BULK_CHANGES[action])
    if action == "assign":
        fields["assignee"] = assignee.strip() or principal.name
    if action == "resolve":
        fields["resolution"] = resolution or None
    try:
        change = BulkChange(ids=ids, change=AlertChange(**fields, reason=reason or None))
    except ValidationError as exc:
        raise InvalidInputError(invalid(exc)) from exc
    try:
        result = triage.bulk_update(
            ctx, request=change, by=principal.name, mfa_verified_at=principal.mfa_verified_at
        )
    except PermissionDeniedError as exc:
        return render(
            request,
            "bulk_result.html",
            principal=principal,
            result=None,
            error=exc.message,
            back=_back(back),
            status_code=403,
        )
    return render(
        request,
        "bulk_result.html",
        principal=principal,
        result=result,
        error=None,
        back=_back(back),
    )


def _back(query_string: str) -> str:
    return "/alerts?" + query_string if query_string and "//" not in query_string else "/alerts"


@router.post("/alerts/{alert_id}/quick")
def quick(
    request: Request,
    ctx: Ctx,
    principal: Writer,
    alert_id: str,
    action: Annotated[str, Form(max_length=32)],
    version: Annotated[str, Form(max_length=64)],
    current: Annotated[bool, Form()] = False,
) -> Response:
    """Keyboard triage of one row: acknowledge, or assign to me; the row drawn again."""
    changes = {
        "acknowledge": AlertChange(status=Status.acknowledged),
        "assign_me": AlertChange(assignee=principal.name),
    }
    if action not in changes:
        raise InvalidInputError(f"the action is one of {', '.join(changes)}")
    error = None
    status = 200
    try:
        alert = triage.update_alert(
            ctx,
            alert_id=alert_id,
            change=changes[action],
            version=version,
            by=principal.name,
            mfa_verified_at=principal.mfa_verified_at,
        )
    except (ConflictError, InvalidInputError) as exc:
        from secops.alerts.service import get_alert

        alert, error = get_alert(ctx, alert_id=alert_id), exc.message
        status = 409 if isinstance(exc, ConflictError) else 422
    return render(
        request,
        "queue_row.html",
        principal=principal,
        alert=alert,
        error=error,
        can_triage=True,
        current=current,
        status_code=status,
    )
