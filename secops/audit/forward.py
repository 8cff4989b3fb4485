"""Checkpoints forwarded through the syslog notification channel, when one is configured.

A copy of each checkpoint line on another machine (the SIEM, a log server) is what
catches an intruder who can also edit the state directory. The message is RFC 5424,
MSGID ``audit-checkpoint``, with the seq and hash as structured data and the signed
line itself as the message, so the receiver can verify it with the public key.
Delivery is the dispatcher's (one background thread, retries with backoff,
best-effort, counted); at process exit what is queued gets a moment to leave.
"""

from __future__ import annotations

import atexit
import threading
import time
from typing import Any

from secops.alerts.notify.dispatcher import Dispatcher
from secops.alerts.notify.syslog import FACILITY_LOCAL0, SyslogChannel
from secops.audit.signed_lines import encode
from secops.settings import Settings
from secops.times import now_millis

_SD_ID = "secops-checkpoint@32473"
_INFORMATIONAL, _WARNING = 6, 4
_DRAIN_SECONDS = 2.0


def format_checkpoint(line: dict[str, Any], *, hostname: str) -> bytes:
    severity = _WARNING if line.get("kind") == "base" else _INFORMATIONAL
    ts = now_millis()
    params = {k: line.get(k) for k in ("namespace", "kind", "seq", "hash")}
    sd = "[" + _SD_ID + "".join(f' {k}="{v}"' for k, v in params.items()) + "]"
    body = encode(line).decode()
    pri = FACILITY_LOCAL0 * 8 + severity
    return f"<{pri}>1 {ts} {hostname} secops - audit-checkpoint {sd} \ufeff{body}".encode()


class CheckpointChannel:
    """The syslog channel's transport, with the checkpoint's own message format."""

    name = "syslog-audit-checkpoint"

    def __init__(self, settings: Settings) -> None:
        assert settings.notify_syslog_host is not None
        self.syslog = SyslogChannel(
            settings.notify_syslog_host,
            settings.notify_syslog_port,
            protocol=settings.notify_syslog_protocol,
        )

    def send(self, alert_id: str, alert: dict[str, Any]) -> None:
        self.syslog.deliver(format_checkpoint(alert["line"], hostname=self.syslog.hostname))


_forwarders: dict[tuple[str, int, str], Dispatcher] = {}
_lock = threading.Lock()


def _drain_all() -> None:
    deadline = time.monotonic() + _DRAIN_SECONDS
    for dispatcher in list(_forwarders.values()):
        while not dispatcher.idle() and time.monotonic() < deadline:
            time.sleep(0.01)


def forwarder(settings: Settings) -> Dispatcher | None:
    """The process's forwarder for the configured syslog channel, started on first use."""
    host = settings.notify_syslog_host
    if not host:
        return None
    where = (host, settings.notify_syslog_port, settings.notify_syslog_protocol)
    with _lock:
        found = _forwarders.get(where)
        if found is None:
            if not _forwarders:
                atexit.register(_drain_all)
            found = Dispatcher(
                [CheckpointChannel(settings)],
                min_severity="informational",
                max_attempts=settings.notify_max_attempts,
                backoff=settings.notify_backoff_seconds,
                queue_size=settings.notify_queue_size,
            ).start()
            _forwarders[where] = found
    return found


def forward(settings: Settings, lines: list[dict[str, Any]]) -> None:
    """Queue ``lines`` for the syslog channel; never blocks, never raises."""
    dispatcher = forwarder(settings)
    if dispatcher is None:
        return
    for line in lines:
        dispatcher.submit(f"checkpoint:{line['seq']}", {"severity": "informational", "line": line})
