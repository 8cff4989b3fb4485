"""The scheduler's part: render, and mail when configured, each newly signed report.

The job looks at the newest signed reports (of format 2: the ones that can be
rendered) and publishes those without renderings; it mails those generated in
the last week that have no successful ``report.mail`` entry yet, so a report signed
while the relay was down is mailed at a later run, and none is mailed twice: mailing
takes the report's mail slot first (``mail_pace``: one mail per report per interval,
on any node), so of two processes running the job at once one mails and the other
finds the slot taken. Whoever signed the report (the period job, the CLI, the API)
needs to know nothing of this.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from secops import audit
from secops.compliance import reports
from secops.compliance.rendering import mail, service
from secops.compliance.report_model import FORMAT_V2
from secops.context import Context
from secops.errors import RateLimitedError, SecopsError

log = logging.getLogger(__name__)
ACTOR = "system:scheduler"
RECENT = 50  # reports looked at per run
MAIL_WITHIN = timedelta(days=7)  # older reports are not mailed when mail is configured late


def renderings_job(ctx: Context, *, now: datetime | None = None) -> list[str]:
    """Publish (and mail) what is owed; the ids of the reports acted on."""
    now = now or datetime.now(UTC)
    settings = ctx.settings
    mailing = bool(settings.notify_smtp_host and settings.report_mail_to)
    acted = []
    for summary in reports.list_reports(ctx, limit=RECENT):
        rid = summary.report_id
        rendered = service.has_renderings(ctx, rid)
        owes_mail = (
            mailing
            and now - summary.generated_at <= MAIL_WITHIN
            # Failed attempts are audited too: only a sent mail settles the debt.
            and audit.first_entry(ctx, action=mail.ACTION, target=rid, outcome="success") is None
        )
        if rendered and not owes_mail:
            continue
        if reports.get_report(ctx, report_id=rid).document.get("format") != FORMAT_V2:
            continue
        try:
            manifest = service.publish(ctx, report_id=rid, actor=ACTOR)
            if owes_mail:
                mail.mail_report(ctx, report_id=rid, actor=ACTOR)
        except RateLimitedError:
            log.debug("report %s: its mail slot is taken (another process mails it)", rid)
            continue
        except SecopsError as exc:
            log.warning("renderings of %s: %s; tried again at the next run", rid, exc)
            continue
        log.info("renderings of %s: manifest %s%s", rid, manifest["hash"], " mailed" * owes_mail)
        acted.append(rid)
    return acted
