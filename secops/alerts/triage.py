"""Triage: status lifecycle, resolution, assignee, tags, comments; each change in history.

Lifecycle: ``new → acknowledged → in_progress → resolved`` (a step may be skipped
forward), and ``resolved → in_progress`` to reopen. Every change appends to the
alert's history (who, when, field, old → new, reason); nothing is ever removed.
Updates are optimistic: the caller names the version it saw (``seq_no:primary_term``)
and Elasticsearch refuses the write if the alert changed since (409, never a
silent overwrite).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import ConflictError as ESConflictError

from secops.alerts.models import (
    Alert,
    AlertChange,
    AlertDoc,
    BulkChange,
    BulkItemResult,
    BulkResult,
    Comment,
    HistoryEntry,
    Resolution,
    Status,
)
from secops.alerts.service import alert_from_hit, format_version, get_raw, parse_version
from secops.context import Context
from secops.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    SecopsError,
)

TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.new: (Status.acknowledged, Status.in_progress, Status.resolved),
    Status.acknowledged: (Status.in_progress, Status.resolved),
    Status.in_progress: (Status.resolved,),
    Status.resolved: (Status.in_progress,),
}
_COMMENT_RETRIES = 10
_STEP_UP_CHUNK = 500


def _entry(
    now: datetime, by: str, field: str, old: Any, new: Any, reason: str | None
) -> HistoryEntry:
    return HistoryEntry(at=now, by=by, field=field, old=old, new=new, reason=reason)


def sensitive(src: Mapping[str, Any]) -> bool:
    return src.get("severity") == "critical" or bool(src.get("confidential"))


def needs_step_up(src: Mapping[str, Any], target: Status, resolution: str | None) -> bool:
    """Resolving a critical or confidential alert, as anything, takes it out of every open
    queue (so does changing the resolution it was given): that needs a fresh TOTP."""
    if target != Status.resolved or not sensitive(src):
        return False
    return src.get("status") != Status.resolved or resolution != src.get("resolution")


def _check_step_up(mfa_verified_at: datetime | None, *, now: datetime, max_age: int) -> None:
    if mfa_verified_at is None or now - mfa_verified_at > timedelta(seconds=max_age):
        raise PermissionDeniedError(
            "resolving a critical or confidential alert needs a fresh TOTP: verify a code "
            f"(POST /api/v1/auth/step-up) within the last {max_age // 60} minutes and retry"
        )


def apply_change(
    src: AlertDoc,
    change: AlertChange,
    *,
    by: str,
    now: datetime,
    mfa_verified_at: datetime | None,
    step_up_max_age: int,
) -> bool:
    """Apply ``change`` to the stored alert ``src`` in place; False when nothing changed."""
    history = list(src.history)
    current = Status(src.status)
    target = change.status or current
    if target != current and target not in TRANSITIONS[current]:
        allowed = ", ".join(s.value for s in TRANSITIONS[current])
        raise InvalidInputError(
            f"cannot go from {current.value} to {target.value}; from {current.value} the "
            f"allowed statuses are: {allowed}"
        )
    resolution = change.resolution.value if change.resolution else None
    if target == Status.resolved:
        resolution = resolution or (src.resolution.value if src.resolution else None)
        if resolution is None:
            raise InvalidInputError(
                "resolving needs a resolution: true_positive, false_positive, benign or duplicate"
            )
    elif resolution is not None:
        raise InvalidInputError("a resolution is only given when the status is resolved")
    triaged = {
        "severity": src.severity,
        "confidential": src.confidential,
        "status": src.status,
        "resolution": src.resolution,
    }
    if needs_step_up(triaged, target, resolution):
        _check_step_up(mfa_verified_at, now=now, max_age=step_up_max_age)

    def set_field(name: str, value: Any) -> None:
        old = getattr(src, name)
        if old != value:
            history.append(_entry(now, by, name, old, value, change.reason))
            setattr(src, name, value)

    if target != current:
        set_field("status", target)
        if current == Status.new and not src.acknowledged_at:
            src.acknowledged_at = now
        if target == Status.resolved:
            src.resolved_at = now
        if current == Status.resolved:  # reopened
            set_field("resolution", None)
            src.resolved_at = None
    if target == Status.resolved:
        set_field("resolution", resolution and Resolution(resolution))
    if change.assignee is not None:
        set_field("assignee", change.assignee or None)
    if change.tags is not None:
        set_field("tags", sorted(set(change.tags)))
    if len(history) == len(src.history):
        return False
    src.history = history
    src.updated_at = now
    return True


def _write(ctx: Context, alert_id: str, src: AlertDoc, seq_no: int, term: int) -> Alert:
    stored = src.stored()
    try:
        resp = ctx.es.index(
            index=ctx.names.alerts,
            id=alert_id,
            document=stored,
            if_seq_no=seq_no,
            if_primary_term=term,
        )
    except ESConflictError as exc:
        raise ConflictError(
            f"alert {alert_id} was changed by someone else after version "
            f"{format_version(seq_no, term)}; reload it and apply your change again"
        ) from exc
    return alert_from_hit(
        {
            "_id": alert_id,
            "_source": stored,
            "_seq_no": resp["_seq_no"],
            "_primary_term": resp["_primary_term"],
        }
    )


def update_alert(
    ctx: Context,
    *,
    alert_id: str,
    change: AlertChange,
    version: str | None,
    by: str,
    mfa_verified_at: datetime | None = None,
    now: datetime | None = None,
) -> Alert:
    """Apply a triage change to the alert as it was at ``version``; 409 if it moved on."""
    version = version or change.version
    if not version:
        raise InvalidInputError(
            "send the version you saw (the alert's ETag) as If-Match or in `version`"
        )
    seq_no, term = parse_version(version)
    hit = get_raw(ctx, alert_id=alert_id)
    if (hit["_seq_no"], hit["_primary_term"]) != (seq_no, term):
        raise ConflictError(
            f"alert {alert_id} changed since version {version} (now "
            f"{format_version(hit['_seq_no'], hit['_primary_term'])}); reload it and retry"
        )
    src = AlertDoc.from_stored(hit["_source"])
    changed = apply_change(
        src,
        change,
        by=by,
        now=now or datetime.now(UTC),
        mfa_verified_at=mfa_verified_at,
        step_up_max_age=ctx.settings.step_up_window_seconds,
    )
    if not changed:
        return alert_from_hit(hit)
    return _write(ctx, alert_id, src, seq_no, term)


def _retrying(ctx: Context, alert_id: str, mutate: Callable[[AlertDoc], None]) -> Alert:
    """Read-modify-write that retries when another writer got in first (appends only)."""
    for _ in range(_COMMENT_RETRIES):
        hit = get_raw(ctx, alert_id=alert_id)
        src = AlertDoc.from_stored(hit["_source"])
        mutate(src)
        try:
            return _write(ctx, alert_id, src, hit["_seq_no"], hit["_primary_term"])
        except ConflictError:
            continue
    raise ConflictError(f"alert {alert_id} is changing too fast to add to; retry")


def add_comment(ctx: Context, *, alert_id: str, text: str, by: str) -> Alert:
    now = datetime.now(UTC)
    comment = Comment(id=uuid.uuid4().hex[:12], at=now, by=by, text=text)

    def mutate(src: AlertDoc) -> None:
        src.comments = [*src.comments, comment]
        src.history = [*src.history, _entry(now, by, "comments", None, comment.id, None)]
        src.updated_at = now

    return _retrying(ctx, alert_id, mutate)


def bulk_update(
    ctx: Context,
    *,
    request: BulkChange,
    by: str,
    mfa_verified_at: datetime | None = None,
) -> BulkResult:
    """Apply one change to many alerts; each alert reports its own outcome."""
    from secops.alerts.query import ids_matching  # query imports service, not triage

    found = request.ids or ids_matching(ctx, flt=request.filter, limit=request.limit)
    ids = list(dict.fromkeys(found))
    change = request.change.model_copy(update={"version": None})
    _check_bulk_step_up(ctx, ids, change, mfa_verified_at=mfa_verified_at)
    items: list[BulkItemResult] = []
    for alert_id in ids:
        try:
            hit = get_raw(ctx, alert_id=alert_id)
            alert = update_alert(
                ctx,
                alert_id=alert_id,
                change=change,
                version=format_version(hit["_seq_no"], hit["_primary_term"]),
                by=by,
                mfa_verified_at=mfa_verified_at,
            )
            items.append(BulkItemResult(id=alert_id, status=200, version=alert.version))
        except SecopsError as exc:
            items.append(BulkItemResult(id=alert_id, status=_status(exc), error=exc.message))
    updated = sum(1 for i in items if i.status == 200)
    return BulkResult(updated=updated, failed=len(items) - updated, items=items)


def _check_bulk_step_up(
    ctx: Context, ids: list[str], change: AlertChange, *, mfa_verified_at: datetime | None
) -> None:
    """A bulk change resolving any critical or confidential alert needs the step-up as a
    whole: refused before anything changes, not alert by alert."""
    if change.status != Status.resolved:
        return
    resolution = change.resolution.value if change.resolution else None
    for start in range(0, len(ids), _STEP_UP_CHUNK):
        docs = ctx.es.mget(
            index=ctx.names.alerts,
            ids=ids[start : start + _STEP_UP_CHUNK],
            source_includes=["severity", "confidential", "status", "resolution"],
        )["docs"]
        for doc in docs:  # a missing alert is reported as 404 in its item
            src = doc.get("_source") or {}
            if doc.get("found") and needs_step_up(src, Status.resolved, resolution):
                _check_step_up(
                    mfa_verified_at,
                    now=datetime.now(UTC),
                    max_age=ctx.settings.step_up_window_seconds,
                )
                return


def _status(exc: SecopsError) -> int:
    for cls, status in (
        (NotFoundError, 404),
        (ConflictError, 409),
        (InvalidInputError, 422),
        (PermissionDeniedError, 403),
    ):
        if isinstance(exc, cls):
            return status
    return 500
