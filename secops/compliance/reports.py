"""Signed periodic reports: what an auditor takes away and can check without us.

A report gathers, for a period: each control's results (the latest with its
evidence, and how many runs passed or failed), alert statistics (by severity
and status, mean time to acknowledge and to resolve), per-source accounting,
the audit trail's head with its latest signed checkpoint, and rule counts. Its
hash is the SHA-256 of its canonical JSON (keys sorted, no whitespace, UTF-8)
without ``hash`` and ``signature``; the signature is Ed25519 over that hash with
the audit trail's key, exactly as for audit entries (``secops.audit.chain``). The
document carries the key id and public key, and its generation is an entry of
the audit trail holding the same hash, so neither the report nor its record can
change alone.
"""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from secops import audit
from secops.accounting.service import list_sources
from secops.alerts.stats import period_figures
from secops.audit.chain import entry_hash, seal, signature_valid
from secops.audit.keys import key_id, load_public_key, public_key_pem, signing_key
from secops.auth.principals import Actor, actor_name
from secops.compliance import service
from secops.compliance.controls import builtin_controls
from secops.compliance.models import STATUS_RANK, Report, ReportSummary, VerifyResult
from secops.context import Context
from secops.errors import ConfigError, InvalidInputError, NotFoundError
from secops.rules.catalog import load_catalog
from secops.rules.state import rule_states
from secops.store.errors import DocumentMissing
from secops.store.visibility import make_visible
from secops.times import iso_seconds

FORMAT = "secops.compliance-report/1"
# Formats verify_report checks: /1 of any time range, /2 of a calendar period
# (secops.compliance.period_report); both are sealed and recorded the same way.
FORMATS = (FORMAT, "secops.compliance-report/2")
REPORT = "report"
ACTION = "report.generate"
_REQUIRED = ("format", "report_id", "hash", "signature", "key_id", "public_key_pem")


def _controls(ctx: Context, start: datetime, end: datetime) -> list[dict[str, Any]]:
    by_control: dict[str, list[Any]] = {}
    for result in service.results_between(ctx, start=start, end=end):
        by_control.setdefault(result.control_id, []).append(result)
    out = []
    for control in builtin_controls():
        results = by_control.get(control.id, [])
        runs = Counter(r.status for r in results)
        entry: dict[str, Any] = {
            "id": control.id,
            "title": control.title,
            "severity": control.severity,
            "references": [
                r.model_dump(mode="json", exclude_none=True) for r in control.references
            ],
            "runs": {s: runs.get(s, 0) for s in ("pass", "warn", "fail", "error")},
            "status": "unknown",
        }
        if results:
            latest = results[-1]
            entry.update(
                status=latest.status,
                summary=latest.summary,
                evaluated_at=iso_seconds(latest.evaluated_at),
                first_evaluated_at=iso_seconds(results[0].evaluated_at),
                evidence=latest.evidence,
            )
        out.append(entry)
    return out


def _sources(ctx: Context, now: datetime) -> dict[str, Any]:
    counted = ("received", "parsed", "unparsed", "indexed", "deadlettered", "dropped")
    rows = []
    for s in list_sources(ctx, now=now.timestamp()):
        rows.append(
            {
                "input": s.input,
                "host": s.host,
                "application": s.application,
                **{name: getattr(s, name) for name in counted},
                "first_seen": iso_seconds(datetime.fromtimestamp(s.first_seen, UTC))
                if s.first_seen
                else None,
                "last_seen": iso_seconds(datetime.fromtimestamp(s.last_seen, UTC))
                if s.last_seen
                else None,
            }
        )
    rows.sort(key=lambda r: (r["input"], r["host"], r["application"]))
    return {
        "counted_since": "each source's first_seen",
        "totals": {name: sum(int(r[name]) for r in rows) for name in counted},
        "sources": rows,
    }


def _audit_head(ctx: Context) -> dict[str, Any]:
    report = audit.verify(ctx)
    return {
        "intact": report.intact,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        "entries_checked": report.entries_checked,
        "key_id": report.key_id,
        "first_broken_seq": report.first_broken_seq,
        "reason": report.reason.value if report.reason else None,
        "missing_seqs": report.missing_seqs.model_dump() if report.missing_seqs else None,
        # The signed checkpoint as the state directory holds it: a later verification of
        # the trail can be checked against it, and it against the forwarded copies.
        "checkpoint": (
            report.checkpoint.model_dump(mode="json", exclude={"line"}, exclude_none=True)
            if report.checkpoint
            else None
        ),
        "checkpoint_problems": len(report.checkpoint_problems),
    }


def _rules(ctx: Context) -> dict[str, Any]:
    catalog = load_catalog(ctx.settings)
    disabled = [rid for rid, s in rule_states(ctx).items() if not s.enabled]
    return {
        "rules": len(catalog.ruleset.rules),
        "correlations": len(catalog.correlations),
        "load_errors": len(catalog.errors),
        "unsupported_logsource": len(catalog.ruleset.unsupported),
        "disabled": len(disabled),
    }


def generate_report(
    ctx: Context,
    *,
    period_start: datetime,
    period_end: datetime,
    actor: Actor = "system:scheduler",
    now: datetime | None = None,
    evaluate_first: bool = True,
) -> Report:
    """Build, sign, store and record the report of [period_start, period_end).

    With ``evaluate_first`` and a period reaching the present, the controls are
    evaluated once more, so the report holds the current state.
    """
    now = now or datetime.now(UTC)
    if period_start.tzinfo is None or period_end.tzinfo is None:
        raise InvalidInputError("period_start and period_end need a time zone")
    if period_end <= period_start:
        raise InvalidInputError("period_end must be after period_start")
    if evaluate_first and period_end >= now:
        service.evaluate(ctx, now=now)
    # A signed report holds every write made before it, not a near-real-time view.
    make_visible(ctx.es, ctx.names, indices=("alerts", "state", "compliance", "audit"))
    key = signing_key(ctx.settings)
    public = key.public_key()
    controls = _controls(ctx, period_start, period_end)
    worst = max((c["status"] for c in controls), key=STATUS_RANK.__getitem__, default="unknown")
    body: dict[str, Any] = {
        "format": FORMAT,
        "report_id": "rpt-" + secrets.token_hex(8),
        "namespace": ctx.settings.namespace,
        "period": {"start": iso_seconds(period_start), "end": iso_seconds(period_end)},
        "generated_at": iso_seconds(now),
        "generated_by": actor_name(actor),
        "status": worst,
        "controls": controls,
        "alerts": period_figures(ctx, start=period_start, end=period_end).model_dump(),
        "sources": _sources(ctx, now),
        "audit_trail": _audit_head(ctx),
        "rules": _rules(ctx),
        "signature_algorithm": "Ed25519 over the SHA-256 of the canonical JSON",
        "key_id": key_id(public),
        "public_key_pem": public_key_pem(public),
    }
    document = seal(body, key)
    report = Report(
        report_id=document["report_id"],
        period_start=period_start,
        period_end=period_end,
        generated_at=now,
        generated_by=document["generated_by"],
        status=worst,
        hash=document["hash"],
        key_id=document["key_id"],
        document=document,
    )
    ctx.es.index(
        index=service.index(ctx),
        id=report.report_id,
        document={"kind": REPORT, **report.model_dump(mode="json")},
        refresh="wait_for",
        op_type="create",
    )
    audit.record(
        ctx,
        actor=actor,
        action=ACTION,
        target=report.report_id,
        outcome="success",
        details={
            "hash": report.hash,
            "key_id": report.key_id,
            "period_start": document["period"]["start"],
            "period_end": document["period"]["end"],
        },
    )
    return report


def _summary(src: dict[str, Any]) -> ReportSummary:
    return ReportSummary.model_validate({k: src[k] for k in ReportSummary.model_fields})


def list_reports(ctx: Context, *, limit: int = 50) -> list[ReportSummary]:
    """Stored reports, newest first."""
    if not 1 <= limit <= 500:
        raise InvalidInputError("limit must be between 1 and 500")
    resp = ctx.es.search(
        index=service.index(ctx),
        query={"term": {"kind": REPORT}},
        sort=[{"generated_at": "desc"}],
        size=limit,
        source_excludes=["document"],
        ignore_unavailable=True,
    )
    return [_summary(h["_source"]) for h in resp["hits"]["hits"]]


def get_report(ctx: Context, *, report_id: str) -> Report:
    try:
        src = ctx.es.get(index=service.index(ctx), id=report_id)["_source"]
    except DocumentMissing as exc:
        raise NotFoundError("no such report", where=report_id) from exc
    if src.get("kind") != REPORT:
        raise NotFoundError("no such report", where=report_id)
    return Report.model_validate({k: v for k, v in src.items() if k != "kind"})


def verify_report(
    document: Any,
    *,
    public_key: Ed25519PublicKey | str | bytes | None = None,
    ctx: Context | None = None,
) -> VerifyResult:
    """Is ``document`` the report that was signed, by the key expected?

    The key is ``public_key`` when given, else this deployment's own when a
    context is given, else the one embedded in the document (which proves only
    that nothing changed after signing: compare its key id with the published
    one). With a context, the audit trail must also hold the report's
    generation with the same hash.
    """
    if not isinstance(document, dict):
        return VerifyResult(intact=False, reason="malformed", detail="a report is a JSON object")
    missing = [f for f in _REQUIRED if not isinstance(document.get(f), str)]
    if missing or document["format"] not in FORMATS:
        detail = (
            f"missing {', '.join(missing)}"
            if missing
            else f"format is not one of {', '.join(FORMATS)}"
        )
        return VerifyResult(intact=False, reason="malformed", detail=detail)
    report_id = document["report_id"]
    try:
        digest = entry_hash(document)
    except ValueError as exc:
        return VerifyResult(intact=False, reason="malformed", detail=str(exc), report_id=report_id)
    result = VerifyResult(intact=False, report_id=report_id, hash=digest)
    if digest != document["hash"]:
        result.reason, result.detail = "altered", "content does not match its hash"
        return result
    try:
        if public_key is not None:
            key = (
                public_key
                if isinstance(public_key, Ed25519PublicKey)
                else load_public_key(public_key)
            )
            result.key_source = "given"
        elif ctx is not None:
            key = signing_key(ctx.settings).public_key()
            result.key_source = "deployment"
        else:
            key = load_public_key(document["public_key_pem"])
            result.key_source = "embedded"
    except ConfigError as exc:
        result.reason, result.detail = "malformed", exc.message
        return result
    result.key_id = key_id(key)
    valid = signature_valid(key, digest, document["signature"])
    if document["key_id"] != result.key_id:
        result.reason = "wrong_key"
        result.detail = f"the report names key {document['key_id']}, checked with {result.key_id}"
        if valid:
            result.detail += ", which signed it"
        return result
    if not valid:
        result.reason, result.detail = "bad_signature", "the signature does not verify"
        return result
    if ctx is not None:
        entry = audit.first_entry(ctx, action=ACTION, target=report_id)
        if entry is None:
            result.reason = "not_in_audit_trail"
            result.detail = f"no {ACTION} entry of {report_id} in the audit trail"
            return result
        result.audit_seq = entry.seq
        if entry.details.get("hash") != digest:
            result.reason = "audit_hash_mismatch"
            result.detail = f"audit entry {entry.seq} recorded another hash"
            return result
    result.intact = True
    return result
