"""Render a signed report once, keep the renderings beside it, check any file later.

The renderings and their signed manifest are one document of the index
``secops-<namespace>-renderings`` (id: the report id), written create-only: the
first node to render a report wins, a second reads the winner's back, so a report
has one manifest and its hashes never change. The index is never deleted or
rolled over (like the compliance index), and the API stays stateless. Each
publication is an entry of the audit trail (``report.render``) holding the
manifest's hash, which an online check compares.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from secops import audit
from secops.audit.keys import signing_key
from secops.auth.principals import Actor
from secops.compliance import reports
from secops.compliance.rendering.formats import LANGS, Lang
from secops.compliance.rendering.manifest import (
    FORMAT as MANIFEST_FORMAT,
)
from secops.compliance.rendering.manifest import (
    FileVerifyResult,
    Kind,
    RenderedFile,
    build_manifest,
    check_manifest,
    check_rendering,
    sha256,
    sniff,
)
from secops.compliance.rendering.page import render_html, render_pdf
from secops.compliance.rendering.view import parse_document
from secops.context import Context
from secops.errors import NotFoundError
from secops.store.errors import DocumentMissing, VersionConflict

ACTION = "report.render"
KIND = "renderings"


def index(ctx: Context) -> str:
    return ctx.names.index("renderings")


def render_all(document: dict[str, Any]) -> dict[tuple[Kind, Lang], bytes]:
    """HTML and PDF of ``document`` in every language."""
    doc = parse_document(document)
    files: dict[tuple[Kind, Lang], bytes] = {}
    for lang in LANGS:
        html = render_html(doc, lang)
        files["html", lang] = html.encode("utf-8")
        files["pdf", lang] = render_pdf(html)
    return files


def _stored(ctx: Context, report_id: str) -> dict[str, Any] | None:
    try:
        src: dict[str, Any] = ctx.es.get(index=index(ctx), id=report_id)["_source"]
    except DocumentMissing:
        return None
    return src


def has_renderings(ctx: Context, report_id: str) -> bool:
    return bool(ctx.es.exists(index=index(ctx), id=report_id))


def publish(
    ctx: Context,
    *,
    report_id: str,
    actor: Actor = "system:scheduler",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The signed manifest of the report's renderings, rendering and storing them first
    when this report has none yet."""
    existing = _stored(ctx, report_id)
    if existing is not None:
        manifest: dict[str, Any] = existing["manifest"]
        return manifest
    report = reports.get_report(ctx, report_id=report_id)
    files = render_all(report.document)
    manifest = build_manifest(
        document=report.document,
        files=files,
        key=signing_key(ctx.settings),
        now=now or datetime.now(UTC),
    )
    body = {
        "kind": KIND,
        "report_id": report_id,
        "generated_at": manifest["generated_at"],
        "manifest_hash": manifest["hash"],
        "hashes": [f["sha256"] for f in manifest["files"]],
        "manifest": manifest,
        "contents": {
            f["name"]: base64.b64encode(files[f["kind"], f["lang"]]).decode("ascii")
            for f in manifest["files"]
        },
    }
    try:
        ctx.es.index(
            index=index(ctx), id=report_id, document=body, op_type="create", refresh="wait_for"
        )
    except VersionConflict:
        # Another node rendered the same report first: its manifest is the one.
        winner = _stored(ctx, report_id)
        assert winner is not None  # a create conflict means the document exists
        won: dict[str, Any] = winner["manifest"]
        return won
    audit.record(
        ctx,
        actor=actor,
        action=ACTION,
        target=report_id,
        outcome="success",
        details={
            "manifest_hash": manifest["hash"],
            "report_hash": manifest["report_hash"],
            "files": {f["name"]: f["sha256"] for f in manifest["files"]},
        },
    )
    return manifest


def rendering(
    ctx: Context, *, report_id: str, kind: Kind, lang: Lang, actor: Actor
) -> tuple[RenderedFile, bytes]:
    """One rendering of a report, as listed in its manifest (rendered on first request)."""
    publish(ctx, report_id=report_id, actor=actor)
    stored = _stored(ctx, report_id)
    assert stored is not None  # publish stored it, or found it stored
    for entry in stored["manifest"]["files"]:
        listed = RenderedFile.model_validate(entry)
        if listed.kind == kind and listed.lang == lang:
            return listed, base64.b64decode(stored["contents"][listed.name])
    raise NotFoundError(f"no {kind} rendering in {lang}", where=report_id)


def _manifest_of_file(ctx: Context, digest: str) -> dict[str, Any] | None:
    resp = ctx.es.search(
        index=index(ctx),
        query={"term": {"hashes": digest}},
        source_includes=["manifest"],
        size=1,
        ignore_unavailable=True,
    )
    hits = resp["hits"]["hits"]
    return hits[0]["_source"]["manifest"] if hits else None


def _audit_check(ctx: Context, result: FileVerifyResult) -> FileVerifyResult:
    entry = audit.first_entry(ctx, action=ACTION, target=result.report_id or "")
    if entry is None:
        return result.model_copy(
            update={
                "intact": False,
                "reason": "not_in_audit_trail",
                "detail": f"no {ACTION} entry of {result.report_id} in the audit trail",
            }
        )
    if entry.details.get("manifest_hash") != result.manifest_hash:
        return result.model_copy(
            update={
                "intact": False,
                "reason": "audit_hash_mismatch",
                "detail": f"audit entry {entry.seq} recorded another manifest",
            }
        )
    return result


def verify_file(
    data: bytes,
    *,
    manifest: dict[str, Any] | None = None,
    public_key: Ed25519PublicKey | str | bytes | None = None,
    ctx: Context | None = None,
) -> FileVerifyResult:
    """Is ``data`` a signed report, a signed manifest, or a rendering a manifest lists?

    Offline, a rendering needs its manifest; with a context, the manifest is the one
    stored for the file's hash, checked with this deployment's key and against the
    audit trail.
    """
    key: Ed25519PublicKey | str | bytes | None = public_key
    if key is None and ctx is not None:
        key = signing_key(ctx.settings).public_key()
    source = "deployment" if public_key is None and ctx is not None else None
    kind = sniff(data)
    if kind == "json":
        return _verify_json(
            data, manifest=manifest, given=public_key, key=key, source=source, ctx=ctx
        )
    if manifest is None and ctx is not None:
        manifest = _manifest_of_file(ctx, sha256(data))
    if manifest is None:
        return FileVerifyResult(
            intact=False,
            kind="pdf" if kind == "pdf" else "html",
            reason="not_in_manifest",
            sha256=sha256(data),
            detail="no manifest lists a rendering with this hash"
            if ctx is not None
            else "a rendering is checked against its manifest: give --manifest",
        )
    sealed = _with_source(check_manifest(manifest, public_key=key), source)
    result = check_rendering(data, manifest, sealed)
    if result.intact and ctx is not None:
        result = _audit_check(ctx, result)
    return result


def _with_source(result: FileVerifyResult, source: str | None) -> FileVerifyResult:
    return result.model_copy(update={"key_source": source}) if source else result


def _verify_json(
    data: bytes,
    *,
    manifest: dict[str, Any] | None,
    given: Ed25519PublicKey | str | bytes | None,
    key: Ed25519PublicKey | str | bytes | None,
    source: str | None,
    ctx: Context | None,
) -> FileVerifyResult:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting past Python's stack
        return FileVerifyResult(
            intact=False, reason="malformed", detail=f"neither a PDF, HTML nor JSON: {exc}"
        )
    if isinstance(document, dict) and document.get("format") == MANIFEST_FORMAT:
        result = _with_source(check_manifest(document, public_key=key), source)
        if result.intact and ctx is not None:
            result = _audit_check(ctx, result)
        return result
    checked = reports.verify_report(document, public_key=given, ctx=ctx)
    result = FileVerifyResult(
        intact=checked.intact,
        kind="json",
        reason=checked.reason,
        detail=checked.detail,
        report_id=checked.report_id,
        sha256=checked.hash,
        key_id=checked.key_id,
        key_source=checked.key_source,
    )
    if result.intact and manifest is not None:
        sealed = check_manifest(manifest, public_key=key)
        if not sealed.intact:
            return sealed.model_copy(update={"kind": "json", "sha256": checked.hash})
        if manifest["report_hash"] != checked.hash:
            return result.model_copy(
                update={
                    "intact": False,
                    "reason": "other_report",
                    "detail": f"the manifest is of report {manifest['report_id']}",
                }
            )
        result.manifest_hash = sealed.manifest_hash
    return result
