"""Syslog forward in RFC 5424, over UDP or TCP (octet-counted framing, RFC 6587)."""

from __future__ import annotations

import socket
from typing import Any

from secops.alerts.notify.base import essentials
from secops.times import now_millis

FACILITY_LOCAL0 = 16
# Syslog severities: 2 critical, 3 error, 4 warning, 5 notice, 6 informational.
_SYSLOG_SEVERITY = {"critical": 2, "high": 3, "medium": 4, "low": 5, "informational": 6}
_SD_ID = "secops@32473"  # 32473: the example enterprise number of RFC 5612


def _sd_value(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def format_5424(alert_id: str, alert: dict[str, Any], *, hostname: str) -> bytes:
    info = essentials(alert_id, alert)
    pri = FACILITY_LOCAL0 * 8 + _SYSLOG_SEVERITY.get(str(info["severity"]), 4)
    ts = now_millis()
    params = {
        "id": alert_id,
        "severity": info["severity"],
        "rule": info["rule"]["id"],
        "risk": info["risk_score"],
    }
    sd = "[" + _SD_ID + "".join(f' {k}="{_sd_value(v)}"' for k, v in params.items()) + "]"
    msg = str(info["summary"] or "").replace("\n", " ")
    return f"<{pri}>1 {ts} {hostname} secops - alert {sd} \ufeff{msg}".encode()


class SyslogChannel:
    name = "syslog"

    def __init__(self, host: str, port: int, *, protocol: str = "udp", timeout: float = 5.0):
        if protocol not in ("udp", "tcp"):
            raise ValueError(f"syslog protocol must be udp or tcp, not {protocol!r}")
        self.host, self.port, self.protocol, self.timeout = host, port, protocol, timeout
        self.hostname = socket.gethostname() or "-"

    def send(self, alert_id: str, alert: dict[str, Any]) -> None:
        self.deliver(format_5424(alert_id, alert, hostname=self.hostname))

    def deliver(self, data: bytes) -> None:
        """Send one formatted message (also used for the audit trail's checkpoints)."""
        if self.protocol == "udp":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.sendto(data, (self.host, self.port))
            return
        with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
            sock.sendall(str(len(data)).encode() + b" " + data)
