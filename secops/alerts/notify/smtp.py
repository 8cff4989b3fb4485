"""Mail through an SMTP relay (optionally STARTTLS), one message per alert."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

import orjson

from secops.alerts.notify.base import essentials


class SmtpChannel:
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        recipients: list[str],
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        if not recipients:
            raise ValueError("SMTP notifications need at least one recipient")
        self.host, self.port = host, port
        self.sender, self.recipients = sender, recipients
        self.starttls, self.timeout = starttls, timeout

    def message(self, alert_id: str, alert: dict[str, Any]) -> EmailMessage:
        info = essentials(alert_id, alert)
        msg = EmailMessage()
        msg["Subject"] = f"[secops {info['severity']}] {info['summary']}"
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg.set_content(orjson.dumps(info, option=orjson.OPT_INDENT_2).decode())
        return msg

    def send(self, alert_id: str, alert: dict[str, Any]) -> None:
        self.deliver(self.message(alert_id, alert))

    def deliver(self, msg: EmailMessage) -> None:
        """Send a message built elsewhere (a report with its PDF) through this relay."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            smtp.send_message(msg)
