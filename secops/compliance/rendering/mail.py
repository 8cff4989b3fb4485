"""Mail a signed report to the configured list, through the notifications' SMTP relay.

One message per report: a short text in English and Persian, the PDF of each
language, the signed JSON and the manifest attached, so a recipient can run
``secops report verify`` on what arrived.
"""

from __future__ import annotations

import json
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from pydantic import BaseModel

from secops import audit
from secops.alerts.notify.smtp import SmtpChannel
from secops.auth.principals import Actor
from secops.compliance import reports
from secops.compliance.rendering import mail_pace, service
from secops.compliance.rendering.catalog import Catalogue
from secops.compliance.rendering.formats import LANGS, period_name
from secops.context import Context
from secops.errors import ConflictError, RateLimitedError, SecopsError, UnavailableError

ACTION = "report.mail"


class MailResult(BaseModel):
    report_id: str
    recipients: list[str]
    attachments: list[str]


def channel(ctx: Context) -> SmtpChannel:
    settings = ctx.settings
    if not settings.notify_smtp_host:
        raise ConflictError("reports are not mailed here: set SECOPS_NOTIFY_SMTP_HOST")
    if not settings.report_mail_to:
        raise ConflictError("reports are not mailed here: set SECOPS_REPORT_MAIL_TO")
    return SmtpChannel(
        settings.notify_smtp_host,
        settings.notify_smtp_port,
        sender=settings.notify_smtp_from,
        recipients=settings.report_mail_to,
        starttls=settings.notify_smtp_starttls,
    )


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def message(
    relay: SmtpChannel,
    *,
    document: dict[str, Any],
    manifest: dict[str, Any],
    pdfs: dict[str, bytes],
) -> EmailMessage:
    period = document["period"]
    names = {
        lang: period_name(period["label"], period["calendar"], lang, Catalogue(lang))
        for lang in LANGS
    }
    fa = Catalogue("fa")
    msg = EmailMessage()
    msg["Subject"] = f"[secops] Security monitoring report, {names['en']} ({period['label']})"
    msg["From"] = relay.sender
    msg["To"] = ", ".join(relay.recipients)
    msg.set_content(
        "\n".join(
            [
                f"Security monitoring report: {names['en']}",
                f"Report {document['report_id']}, SHA-256 {document['hash']}",
                f"Manifest SHA-256 {manifest['hash']}, key {manifest['key_id']}",
                "Check any attachment with: secops report verify FILE --manifest MANIFEST",
                "",
                f"{fa.gettext('Security monitoring report')}: {names['fa']}",
            ]
        )
        + "\n"
    )
    report_id = document["report_id"]
    for name, data in sorted(pdfs.items()):
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    msg.add_attachment(
        _json(document), maintype="application", subtype="json", filename=f"{report_id}.json"
    )
    msg.add_attachment(
        _json(manifest),
        maintype="application",
        subtype="json",
        filename=f"{report_id}.manifest.json",
    )
    return msg


def mail_report(ctx: Context, *, report_id: str, actor: Actor) -> MailResult:
    """Send the report's PDFs (rendered first when needed) to ``report_mail_to``.

    At most one mail per report every ``MAIL_INTERVAL``; a refused attempt is audited.
    """
    relay = channel(ctx)
    reports.get_report(ctx, report_id=report_id)  # NotFoundError before any claim
    try:
        mail_pace.claim(ctx, report_id=report_id, now=datetime.now(UTC))
    except RateLimitedError as exc:
        _audit_failure(ctx, actor=actor, report_id=report_id, error=exc.message)
        raise
    try:
        return _send(ctx, relay, report_id=report_id, actor=actor)
    except SecopsError as exc:
        mail_pace.release(ctx, report_id=report_id)
        _audit_failure(ctx, actor=actor, report_id=report_id, error=exc.message)
        raise


def _audit_failure(ctx: Context, *, actor: Actor, report_id: str, error: str) -> None:
    audit.record(
        ctx,
        actor=actor,
        action=ACTION,
        target=report_id,
        outcome="failure",
        details={"error": error},
    )


def _send(ctx: Context, relay: SmtpChannel, *, report_id: str, actor: Actor) -> MailResult:
    manifest = service.publish(ctx, report_id=report_id, actor=actor)
    document = reports.get_report(ctx, report_id=report_id).document
    pdfs = {}
    for lang in LANGS:
        listed, data = service.rendering(
            ctx, report_id=report_id, kind="pdf", lang=lang, actor=actor
        )
        pdfs[listed.name] = data
    msg = message(relay, document=document, manifest=manifest, pdfs=pdfs)
    try:
        relay.deliver(msg)
    except (OSError, smtplib.SMTPException) as exc:
        where = f"{relay.host}:{relay.port}"
        raise UnavailableError(f"the SMTP relay refused the report: {exc}", where=where) from exc
    attachments = [str(part.get_filename()) for part in msg.iter_attachments()]
    audit.record(
        ctx,
        actor=actor,
        action=ACTION,
        target=report_id,
        outcome="success",
        details={"recipients": relay.recipients, "manifest_hash": manifest["hash"]},
    )
    return MailResult(report_id=report_id, recipients=relay.recipients, attachments=attachments)
