"""The signed manifest of a report's renderings, and the check of any file against it.

The manifest names the report (its id and the SHA-256 of its canonical JSON, the
hash the report itself is signed with) and lists each rendering with its
language and the SHA-256 of its exact bytes. It is sealed like the report: the
SHA-256 of its canonical JSON without ``hash`` and ``signature``, Ed25519 over
that hash with the audit trail's key. A PDF or HTML is intact when the manifest
is and lists its hash; one changed byte changes the hash, so it is not listed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, Field

from secops.audit.chain import entry_hash, seal, signature_valid
from secops.audit.keys import key_id, load_public_key, public_key_pem
from secops.compliance.rendering.formats import Lang
from secops.errors import ConfigError
from secops.times import iso_seconds

FORMAT = "secops.report-manifest/1"
Kind = Literal["html", "pdf"]
FileKind = Literal["json", "html", "pdf", "manifest"]
MEDIA_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
}
_REQUIRED = ("format", "report_id", "report_hash", "hash", "signature", "key_id", "public_key_pem")

VerifyReason = Literal[
    "malformed",  # neither a report, a manifest, an HTML nor a PDF of one
    "altered",  # a manifest or report whose content does not match its hash
    "wrong_key",  # signed by another key than the one given
    "bad_signature",  # the signature does not verify
    "not_in_manifest",  # a rendering whose hash the manifest does not list
    "other_report",  # a report that is not the one the manifest names
    "not_in_audit_trail",  # no audit entry of the manifest (online check)
    "audit_hash_mismatch",  # the audit trail recorded another manifest hash
]


class RenderedFile(BaseModel):
    name: str = Field(examples=["rpt-solar_hijri-half_year-1405-H1.fa.pdf"])
    kind: Kind
    lang: Lang
    media_type: str
    sha256: str
    size: int


class FileVerifyResult(BaseModel):
    """What ``secops report verify`` and ``POST .../verify-file`` say of one file."""

    intact: bool
    kind: FileKind | None = None
    reason: VerifyReason | None = None
    detail: str | None = None
    report_id: str | None = None
    name: str | None = Field(None, description="The rendering the file is, when listed")
    lang: Lang | None = None
    sha256: str | None = Field(None, description="SHA-256 of the file's bytes")
    manifest_hash: str | None = None
    key_id: str | None = None
    key_source: Literal["given", "deployment", "embedded"] | None = None


def file_name(report_id: str, kind: Kind, lang: Lang) -> str:
    return f"{report_id}.{lang}.{kind}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_manifest(
    *,
    document: dict[str, Any],
    files: dict[tuple[Kind, Lang], bytes],
    key: Ed25519PrivateKey,
    now: datetime,
) -> dict[str, Any]:
    """The sealed manifest of ``files`` (by kind and language) rendered from ``document``."""
    report_id = document["report_id"]
    listed = [
        RenderedFile(
            name=file_name(report_id, kind, lang),
            kind=kind,
            lang=lang,
            media_type=MEDIA_TYPES[kind],
            sha256=sha256(data),
            size=len(data),
        ).model_dump()
        for (kind, lang), data in sorted(files.items())
    ]
    public = key.public_key()
    body = {
        "format": FORMAT,
        "report_id": report_id,
        "report_hash": document["hash"],
        "report_format": document["format"],
        "generated_at": iso_seconds(now),
        "files": listed,
        "signature_algorithm": "Ed25519 over the SHA-256 of the canonical JSON",
        "key_id": key_id(public),
        "public_key_pem": public_key_pem(public),
    }
    return seal(body, key)


def check_manifest(
    manifest: Any, *, public_key: Ed25519PublicKey | str | bytes | None = None
) -> FileVerifyResult:
    """Is ``manifest`` as it was signed, by the key expected (else the one it carries)?"""
    if not isinstance(manifest, dict):
        return FileVerifyResult(intact=False, reason="malformed", detail="a manifest is an object")
    missing = [f for f in _REQUIRED if not isinstance(manifest.get(f), str)]
    if missing or manifest["format"] != FORMAT or not isinstance(manifest.get("files"), list):
        detail = f"missing {', '.join(missing)}" if missing else f"format is not {FORMAT}"
        return FileVerifyResult(intact=False, kind="manifest", reason="malformed", detail=detail)
    result = FileVerifyResult(intact=False, kind="manifest", report_id=manifest["report_id"])
    try:
        digest = entry_hash(manifest)
    except ValueError as exc:
        result.reason, result.detail = "malformed", str(exc)
        return result
    result.manifest_hash = digest
    if digest != manifest["hash"]:
        result.reason, result.detail = "altered", "the manifest does not match its hash"
        return result
    try:
        if public_key is None:
            key = load_public_key(manifest["public_key_pem"])
            result.key_source = "embedded"
        else:
            key = (
                public_key
                if isinstance(public_key, Ed25519PublicKey)
                else load_public_key(public_key)
            )
            result.key_source = "given"
    except ConfigError as exc:
        result.reason, result.detail = "malformed", exc.message
        return result
    result.key_id = key_id(key)
    if manifest["key_id"] != result.key_id:
        result.reason = "wrong_key"
        result.detail = f"the manifest names key {manifest['key_id']}, checked with {result.key_id}"
        return result
    if not signature_valid(key, digest, manifest["signature"]):
        result.reason, result.detail = "bad_signature", "the signature does not verify"
        return result
    result.intact = True
    return result


def check_rendering(
    data: bytes, manifest: dict[str, Any], sealed: FileVerifyResult
) -> FileVerifyResult:
    """Is ``data`` one of the renderings a checked manifest (``sealed``) lists?"""
    digest = sha256(data)
    kind: FileKind | None = "pdf" if data.startswith(b"%PDF-") else "html"
    result = sealed.model_copy(update={"intact": False, "kind": kind, "sha256": digest})
    if not sealed.intact:
        return result
    for entry in manifest["files"]:
        if isinstance(entry, dict) and entry.get("sha256") == digest:
            listed = RenderedFile.model_validate(entry)
            return result.model_copy(
                update={
                    "intact": True,
                    "kind": listed.kind,
                    "name": listed.name,
                    "lang": listed.lang,
                }
            )
    result.reason = "not_in_manifest"
    result.detail = (
        f"no rendering of {manifest['report_id']} has SHA-256 {digest}: "
        "the file was changed, or is not of this report"
    )
    return result


def sniff(data: bytes) -> str:
    """``pdf``, ``html`` or ``json``, from the first bytes."""
    head = data.lstrip()[:64].lower()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "json"
