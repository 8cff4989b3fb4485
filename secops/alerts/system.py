"""Alerts that secops raises about itself (the audit trail truncated), not from a Sigma rule.

They take the path of every alert but suppression (no suppression silences them):
``write_alerts`` stores them in the alert queue
(deterministic id: raising the same finding again changes nothing) and the
configured notification channels hear of new ones. Outside ``secops up`` no
dispatcher runs in the process (a CLI command, a worker starting), so without a
sink the channels are called directly, once each, best-effort.
"""

from __future__ import annotations

import hashlib
import logging
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from secops.alerts.models import AlertDoc
from secops.alerts.notify.dispatcher import channels_from_settings
from secops.alerts.service import AlertSink, write_alerts
from secops.context import Context
from secops.definitions import Severity
from secops.detect.models import RuleMatch, RuleMeta
from secops.settings import Settings
from secops.times import iso_millis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SystemAlert:
    rule_id: str
    title: str
    description: str
    action: str  # event.action of the finding
    message: str
    key: str  # what makes it one finding: the same key, the same alert
    details: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "critical"


class _DirectSink:
    """Each configured channel, called once in the caller's thread; failures are logged."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def submit(self, alert_id: str, alert: AlertDoc) -> None:
        try:
            channels = channels_from_settings(self.settings)
        except ValueError as exc:
            log.error("notification channels misconfigured: %s", exc)
            return
        for channel in channels:
            try:
                channel.send(alert_id, alert.stored())
            except Exception as exc:  # best-effort, like the dispatcher's last attempt
                log.error("notification %s of %s failed: %s", channel.name, alert_id, exc)


def raise_system_alert(ctx: Context, alert: SystemAlert, *, sink: AlertSink | None = None) -> str:
    """Store (and notify) ``alert``; its id."""
    now = datetime.now(UTC)
    rule = RuleMeta(
        id=alert.rule_id,
        title=alert.title,
        level=alert.severity,
        tags=("secops.group_by.none",),
        description=alert.description,
        logsource={"product": "secops", "service": "self-monitoring"},
    )
    event = {
        "@timestamp": iso_millis(now),
        "event": {"kind": "alert", "module": "secops", "action": alert.action},
        "message": alert.message,
        "host": {"name": socket.gethostname() or "secops"},
        "secops": {"namespace": ctx.settings.namespace, "finding": alert.details},
    }
    event_id = hashlib.sha256(f"{alert.rule_id}\x1f{alert.key}".encode()).hexdigest()[:32]
    match = RuleMatch(rule=rule, event=event, event_id=event_id)
    report = write_alerts(
        ctx, [match], sink=sink or _DirectSink(ctx.settings), now=now, suppressible=False
    )
    ids = report.created or report.updated or report.unchanged
    return ids[0] if ids else ""
