"""/api/v1/compliance/reports/...: a signed report's renderings, its manifest, checks, mail.

The HTML and PDF of a report (Persian or English) are rendered on first request,
listed by hash in a signed manifest and kept beside the report; every later
download returns the same bytes. Any downloaded file (JSON, HTML, PDF, manifest)
can be checked here or offline with ``secops report verify``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from api.deps import Ctx
from api.errors import answers
from api.security import require
from secops.auth.principals import Principal, Role
from secops.compliance import reports
from secops.compliance.rendering import mail, service
from secops.compliance.rendering.manifest import FileVerifyResult
from secops.definitions import REPORT_ID_PATTERN
from secops.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
)

router = APIRouter(prefix="/compliance/reports", tags=["compliance"])

Auditor = Annotated[Principal, Depends(require(Role.auditor, Role.admin))]
ReportId = Annotated[
    str,
    Path(
        max_length=80,
        pattern=REPORT_ID_PATTERN,
        examples=["rpt-solar_hijri-half_year-1405-H1"],
    ),
]

_NOT_FOUND = (NotFoundError, "No report of that id")
_INVALID = (InvalidInputError, "The report cannot be rendered, or the upload is unreadable")
MAX_UPLOAD = 32 * 1024 * 1024
# A rendering opened in a browser runs nothing and loads nothing: its styles are
# inline and its charts inline SVG.
_CONFINED = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
}


@router.get(
    "/{report_id}/manifest",
    summary="The signed manifest: the hashes of the report and of each rendering",
    response_model=dict[str, Any],
    responses=answers(_NOT_FOUND, _INVALID),
)
def get_manifest(ctx: Ctx, caller: Auditor, report_id: ReportId) -> JSONResponse:
    manifest = service.publish(ctx, report_id=report_id, actor=caller)
    return JSONResponse(
        manifest,
        headers={"Content-Disposition": f'attachment; filename="{report_id}.manifest.json"'},
    )


@router.get(
    "/{report_id}/rendering",
    summary="Download the report as signed JSON, or as HTML or PDF in Persian or English",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}},
                "application/json": {
                    "schema": {"type": "object", "description": "The signed report"}
                },
            },
            "description": "The file, exactly as listed in the manifest",
        },
        **answers(_NOT_FOUND, _INVALID),
    },
)
def download_rendering(
    ctx: Ctx,
    caller: Auditor,
    report_id: ReportId,
    fmt: Annotated[Literal["json", "html", "pdf"], Query(alias="format")] = "pdf",
    lang: Annotated[Literal["fa", "en"], Query()] = "fa",
) -> Response:
    if fmt == "json":
        report = reports.get_report(ctx, report_id=report_id)
        return JSONResponse(
            report.document,
            headers={"Content-Disposition": f'attachment; filename="{report_id}.json"'},
        )
    listed, data = service.rendering(ctx, report_id=report_id, kind=fmt, lang=lang, actor=caller)
    return Response(
        data,
        media_type=listed.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{listed.name}"',
            "X-Content-SHA256": listed.sha256,
            **_CONFINED,
        },
    )


async def _read(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInputError(f"a file to verify is at most {MAX_UPLOAD} bytes")
    return data


@router.post(
    "/verify-file",
    summary="Verify a downloaded file: a report's JSON, its manifest, or an HTML or PDF rendering",
    description="A rendering is intact when a manifest signed by this deployment's key, "
    "and recorded in the audit trail, lists its SHA-256. Without a `manifest` part, the "
    "manifest stored for the file's hash is used.",
    responses=answers(_INVALID),
)
async def verify_file(
    ctx: Ctx,
    _: Auditor,
    file: Annotated[
        UploadFile,
        File(
            description="The file as downloaded: JSON, manifest, HTML or PDF",
            examples=["rpt-solar_hijri-half_year-1405-H1.fa.pdf"],
        ),
    ],
    manifest: Annotated[
        UploadFile | None,
        File(
            description="Its signed manifest (optional)",
            examples=["rpt-solar_hijri-half_year-1405-H1.manifest.json"],
        ),
    ] = None,
) -> FileVerifyResult:
    data = await _read(file)
    given = None
    if manifest is not None:
        try:
            given = json.loads(await _read(manifest))
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
            raise InvalidInputError(f"the manifest is not JSON: {exc}") from exc
    return service.verify_file(data, manifest=given, ctx=ctx)


@router.post(
    "/{report_id}/mail",
    summary="Mail the report's PDFs, JSON and manifest to the configured list",
    responses=answers(
        _NOT_FOUND,
        _INVALID,
        (ConflictError, "Mail of reports is not configured"),
        (UnavailableError, "The SMTP relay refused or could not be reached"),
        (RateLimitedError, "The report was mailed a short while ago"),
    ),
)
def mail_report(ctx: Ctx, caller: Auditor, report_id: ReportId) -> mail.MailResult:
    return mail.mail_report(ctx, report_id=report_id, actor=caller)
