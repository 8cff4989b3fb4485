"""Writing alerts from detection matches, and reading one back.

`write_alerts` is what the pipeline calls after detection: it builds the alert
documents, drops what a suppression stops, folds repeated matches into one
alert per rule, group key and window, and writes them with bulk ``create``;
an alert that already exists is merged and re-indexed under optimistic
concurrency (``if_seq_no``/``if_primary_term``), never with a script. New
activity for a resolved alert raises its successor instead (see
`secops.alerts.generations`). It never refreshes: the alerts index refreshes
every 200 ms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from elasticsearch import NotFoundError as ESNotFoundError

from secops.alerts import build, generations
from secops.alerts.build import Grouping, parse_time
from secops.alerts.models import Alert, AlertDoc, AlertKind, AlertWithEvents
from secops.alerts.suppressions import Suppression, active_suppressions, record_hits
from secops.context import Context
from secops.definitions import Severity
from secops.detect.models import CorrelationMatch, RuleMatch
from secops.errors import InvalidInputError, NotFoundError, StoreError
from secops.settings import Settings
from secops.store.scan import events_by_id

_MAX_MERGE_ROUNDS = 8


class AlertSink(Protocol):
    """Who hears of new alerts (the notification dispatcher)."""

    def submit(self, alert_id: str, alert: AlertDoc) -> None: ...


@dataclass
class WriteReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # replays of events already held
    suppressed: int = 0


def grouping_of(settings: Settings) -> Grouping:
    return Grouping(
        window=settings.alert_group_window_seconds, fields_by_rule=settings.alert_group_by
    )


def sla_due(settings: Settings, severity: Severity, created: datetime) -> datetime:
    minutes = settings.alert_sla_minutes.get(severity)
    return created + timedelta(minutes=minutes if minutes is not None else 24 * 60)


def _drafts(
    ctx: Context,
    matches: Iterable[RuleMatch | CorrelationMatch],
    *,
    kind: AlertKind,
    now: datetime,
) -> list[tuple[str, AlertDoc]]:
    grouping = grouping_of(ctx.settings)
    out = []
    for match in matches:
        if isinstance(match, CorrelationMatch):
            # An import's correlations are import alerts too; elsewhere they are their own kind.
            own: AlertKind = "import" if kind == "import" else "correlation"
            out.append(build.from_correlation(match, grouping=grouping, kind=own, now=now))
        else:
            out.append(build.from_rule_match(match, grouping=grouping, kind=kind, now=now))
    return out


def _suppress(
    drafts: list[tuple[str, AlertDoc]], suppressions: Sequence[Suppression]
) -> tuple[list[tuple[str, AlertDoc]], Counter[str]]:
    kept, hits = [], Counter[str]()
    if not suppressions:
        return drafts, hits
    for alert_id, doc in drafts:
        src = doc.stored()  # suppressions name fields as the stored document has them
        stopper = next((s for s in suppressions if s.applies(doc.rule.id, src)), None)
        if stopper is None:
            kept.append((alert_id, doc))
        else:
            hits[stopper.id] += 1
    return kept, hits


def write_alerts(
    ctx: Context,
    matches: Iterable[RuleMatch | CorrelationMatch],
    *,
    kind: AlertKind = "detection",
    sink: AlertSink | None = None,
    now: datetime | None = None,
    suppressible: bool = True,
) -> WriteReport:
    """Store the alerts of ``matches``; idempotent, so a replay changes nothing.

    ``suppressible=False`` is for what secops says of its own integrity (the audit
    trail truncated): no suppression, however broad, silences it.
    """
    now = now or datetime.now(UTC)
    report = WriteReport()
    drafts = _drafts(ctx, matches, kind=kind, now=now)
    if not drafts:
        return report
    hits = Counter[str]()
    if suppressible:
        drafts, hits = _suppress(drafts, active_suppressions(ctx, now=now))
    report.suppressed = sum(hits.values())
    max_ids = ctx.settings.alert_max_event_ids
    pending: dict[str, AlertDoc] = {}
    for alert_id, doc in drafts:
        if alert_id in pending:
            build.merge(pending[alert_id], doc, max_event_ids=max_ids)
        else:
            doc.sla_due_at = sla_due(ctx.settings, doc.severity, now)
            pending[alert_id] = doc
    if pending:
        _store(ctx, pending, report, sink, now=now)
    if hits:
        record_hits(ctx, hits=hits, now=now)
    return report


def _store(
    ctx: Context,
    drafts: dict[str, AlertDoc],
    report: WriteReport,
    sink: AlertSink | None,
    *,
    now: datetime,
) -> None:
    """Create what is new, fold the rest into stored alerts, follow resolved ones' chains."""
    to_create, to_fold = dict(drafts), dict[str, AlertDoc]()
    for _ in range(_MAX_MERGE_ROUNDS):
        if to_create:
            to_fold.update({i: to_create[i] for i in _create(ctx, to_create, report, sink)})
        if not to_fold:
            return
        to_create, to_fold = _fold(ctx, to_fold, report, now=now)
    if to_create or to_fold:
        pending = [*to_create, *to_fold]
        raise StoreError(
            f"alerts kept changing under {len(pending)} merges", where=",".join(pending)
        )


def _create(
    ctx: Context, docs: dict[str, AlertDoc], report: WriteReport, sink: AlertSink | None
) -> list[str]:
    """Bulk-create; the ids that already exist are returned for merging."""
    ops: list[dict[str, Any]] = []
    for alert_id, doc in docs.items():
        ops.append({"create": {"_index": ctx.names.alerts, "_id": alert_id}})
        ops.append(doc.stored())
    resp = ctx.es.bulk(operations=ops)
    existing: list[str] = []
    for item in resp["items"]:
        result = item["create"]
        if result["status"] == 201:
            report.created.append(result["_id"])
            if sink is not None:
                sink.submit(result["_id"], docs[result["_id"]])
        elif result["status"] == 409:
            existing.append(result["_id"])
        else:
            raise StoreError(f"alert not written: {result.get('error')}", where=result["_id"])
    return existing


def _fold(
    ctx: Context, drafts: dict[str, AlertDoc], report: WriteReport, *, now: datetime
) -> tuple[dict[str, AlertDoc], dict[str, AlertDoc]]:
    """One round of folding new matches into stored alerts, under optimistic concurrency.

    An open alert takes the match; a resolved (or superseded) one passes what it does
    not hold to its successor, after recording ``superseded_by``. Returns the alerts to
    create next (successors) and the drafts to fold again (a concurrent writer won).
    """
    to_create: dict[str, AlertDoc] = {}
    retry: dict[str, AlertDoc] = {}
    successors: dict[str, tuple[str, AlertDoc]] = {}
    ops: list[dict[str, Any]] = []
    found = ctx.es.mget(index=ctx.names.alerts, ids=list(drafts))
    for hit in found["docs"]:
        alert_id, draft = hit["_id"], drafts[hit["_id"]]
        if not hit.get("found"):
            to_create[alert_id] = draft  # removed since the create failed: try again
            continue
        stored = AlertDoc.from_stored(hit["_source"])
        part = build.fresh_part(stored, draft)
        if part is None:
            report.unchanged.append(alert_id)
            continue
        if generations.is_closed_to_activity(stored):
            next_id, next_doc = generations.successor(alert_id, stored, part)
            if stored.superseded_by == next_id:
                to_create[next_id] = next_doc
                continue
            generations.mark_superseded(stored, by_id=next_id, now=now)
            successors[alert_id] = (next_id, next_doc)
        else:
            build.merge(stored, part, max_event_ids=ctx.settings.alert_max_event_ids)
        ops.append(
            {
                "index": {
                    "_index": ctx.names.alerts,
                    "_id": alert_id,
                    "if_seq_no": hit["_seq_no"],
                    "if_primary_term": hit["_primary_term"],
                }
            }
        )
        ops.append(stored.stored())
    if not ops:
        return to_create, retry
    resp = ctx.es.bulk(operations=ops)
    for item in resp["items"]:
        result = item["index"]
        alert_id = result["_id"]
        if result["status"] == 409:
            retry[alert_id] = drafts[alert_id]
        elif result["status"] not in (200, 201):
            raise StoreError(f"alert not updated: {result.get('error')}", where=alert_id)
        elif alert_id in successors:
            next_id, next_doc = successors[alert_id]
            to_create[next_id] = next_doc
        else:
            report.updated.append(alert_id)
    return to_create, retry


# ---- reading -------------------------------------------------------------------------


def format_version(seq_no: int, primary_term: int) -> str:
    return f"{seq_no}:{primary_term}"


def parse_version(version: str) -> tuple[int, int]:
    """``seq_no:primary_term`` (an ETag's quotes and a weak prefix are tolerated)."""
    raw = version.strip().removeprefix("W/").strip('"')
    try:
        seq, term = raw.split(":")
        return int(seq), int(term)
    except ValueError as exc:
        raise InvalidInputError(
            f"version {version!r} is not 'seq_no:primary_term' as returned in ETag"
        ) from exc


def is_overdue(src: dict[str, Any], now: datetime) -> bool:
    due = src.get("sla_due_at")
    return src.get("status") == "new" and due is not None and parse_time(due) < now


def alert_from_hit(hit: dict[str, Any], *, now: datetime | None = None) -> Alert:
    src = hit["_source"]
    return Alert.model_validate(
        {
            **src,
            "id": hit["_id"],
            "version": format_version(hit["_seq_no"], hit["_primary_term"]),
            "overdue": is_overdue(src, now or datetime.now(UTC)),
        }
    )


def get_raw(ctx: Context, *, alert_id: str) -> dict[str, Any]:
    try:
        return dict(ctx.es.get(index=ctx.names.alerts, id=alert_id))
    except ESNotFoundError as exc:
        raise NotFoundError(f"no alert {alert_id!r}") from exc


def get_alert(ctx: Context, *, alert_id: str) -> Alert:
    return alert_from_hit(get_raw(ctx, alert_id=alert_id))


def get_alert_with_events(ctx: Context, *, alert_id: str, limit: int = 100) -> AlertWithEvents:
    """The alert and its events, fetched by id from the events data streams."""
    alert = get_alert(ctx, alert_id=alert_id)
    events = events_by_id(ctx.es, ctx.names, ids=alert.event_ids[:limit])
    return AlertWithEvents(**alert.model_dump(), stored_events=events)
