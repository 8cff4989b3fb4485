"""Notifications to local sinks: signed webhook with a retry, SMTP mail, syslog UDP and TCP."""

from __future__ import annotations

import email
import email.policy
import socket
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import orjson
import pytest
from polling import wait_until
from prometheus_client import CollectorRegistry, generate_latest

from secops.alerts.build import Grouping, from_rule_match
from secops.alerts.notify import Dispatcher, NotificationCollector
from secops.alerts.notify.base import Channel
from secops.alerts.notify.smtp import SmtpChannel
from secops.alerts.notify.syslog import SyslogChannel
from secops.alerts.notify.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookChannel,
    verify,
)

from .factories import SSH_RULE, ssh_match

SECRET = b"shared-webhook-secret"


def _alert(level: str = "high") -> tuple[str, dict[str, Any]]:
    from datetime import UTC, datetime

    rule = SSH_RULE.model_copy(update={"level": level})
    return from_rule_match(
        ssh_match(1, rule=rule), grouping=Grouping(300, {}), now=datetime.now(UTC)
    )


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]], list[int]]]:
    """A local receiver that answers each request with the next planned status."""
    received: list[tuple[dict[str, str], bytes]] = []
    plan: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(plan.pop(0) if plan else 204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, plan
    server.shutdown()
    server.server_close()


def _run(channels: list[Channel], **kw: Any) -> Dispatcher:
    return Dispatcher(channels, backoff=0.05, **kw).start()


def test_webhook_body_is_signed_and_verifies(webhook: Any) -> None:
    url, received, _ = webhook
    dispatcher = _run([WebhookChannel(url, SECRET)])
    alert_id, alert = _alert()
    dispatcher.submit(alert_id, alert)
    wait_until(lambda: dispatcher.stats["webhook"].sent == 1)
    dispatcher.stop()
    headers, body = received[0]
    ts, sig = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert verify(SECRET, timestamp=ts, body=body, signature=sig)
    assert not verify(b"other", timestamp=ts, body=body, signature=sig)
    assert not verify(SECRET, timestamp=ts, body=body + b" ", signature=sig)
    assert not verify(SECRET, timestamp=str(int(ts) - 3600), body=body, signature=sig)
    payload = orjson.loads(body)
    assert payload["alert"]["id"] == alert_id
    assert payload["alert"]["severity"] == "high"


def test_failing_endpoint_is_retried_then_succeeds(webhook: Any) -> None:
    url, received, plan = webhook
    plan.extend([500, 503])
    dispatcher = _run([WebhookChannel(url, SECRET)])
    dispatcher.submit(*_alert())
    wait_until(lambda: dispatcher.stats["webhook"].sent == 1)
    dispatcher.stop()
    stats = dispatcher.stats["webhook"]
    assert len(received) == 3
    assert (stats.failed_attempts, stats.gave_up) == (2, 0)
    assert "503" in (stats.last_error or "")
    registry = CollectorRegistry()
    registry.register(NotificationCollector(dispatcher))
    text = generate_latest(registry).decode()
    assert 'secops_notifications_failed_total{channel="webhook"} 2.0' in text
    assert 'secops_notifications_sent_total{channel="webhook"} 1.0' in text


def test_unreachable_channel_gives_up_after_max_attempts() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens
    dispatcher = _run([WebhookChannel(f"http://127.0.0.1:{port}/", SECRET)], max_attempts=3)
    dispatcher.submit(*_alert())
    wait_until(lambda: dispatcher.stats["webhook"].gave_up == 1)
    dispatcher.stop()
    assert dispatcher.stats["webhook"].failed_attempts == 3
    assert dispatcher.stats["webhook"].sent == 0


def test_below_the_threshold_nothing_is_sent(webhook: Any) -> None:
    url, received, _ = webhook
    dispatcher = _run([WebhookChannel(url, SECRET)], min_severity="high")
    dispatcher.submit(*_alert("medium"))
    dispatcher.submit(*_alert("critical"))
    wait_until(lambda: dispatcher.stats["webhook"].sent == 1)
    wait_until(dispatcher.idle, what="the dispatcher idle")
    dispatcher.stop()
    assert len(received) == 1
    assert orjson.loads(received[0][1])["alert"]["severity"] == "critical"


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough of SMTP (RFC 5321) to accept one message per session."""

    messages: list[bytes]

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._reply("220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 sink")
            elif verb == "DATA":
                self._reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.messages.append(data)
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 ok")


def test_smtp_mail_reaches_a_local_server() -> None:
    messages: list[bytes] = []
    handler = type("Sink", (_SmtpSink,), {"messages": messages})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        channel = SmtpChannel(
            "127.0.0.1",
            server.server_address[1],
            sender="secops@example.org",
            recipients=["soc@example.org"],
        )
        dispatcher = _run([channel])
        alert_id, alert = _alert("critical")
        dispatcher.submit(alert_id, alert)
        wait_until(lambda: dispatcher.stats["smtp"].sent == 1)
        dispatcher.stop()
    finally:
        server.shutdown()
        server.server_close()
    msg = email.message_from_bytes(messages[0], policy=email.policy.default)
    assert msg["To"] == "soc@example.org"
    assert msg["Subject"].strip().startswith("[secops critical] SSH failed login")
    assert alert_id in msg.get_content()


def test_syslog_udp_and_tcp_deliver_rfc5424() -> None:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(10)
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(1)
    tcp.settimeout(10)
    dispatcher = _run(
        [
            SyslogChannel("127.0.0.1", udp.getsockname()[1], protocol="udp"),
            type("Tcp", (SyslogChannel,), {"name": "syslog_tcp"})(
                "127.0.0.1", tcp.getsockname()[1], protocol="tcp"
            ),
        ]
    )
    alert_id, alert = _alert("high")
    dispatcher.submit(alert_id, alert)
    datagram, _ = udp.recvfrom(65536)
    conn, _ = tcp.accept()
    framed = b""
    while b" " not in framed or len(framed.split(b" ", 1)[1]) < int(framed.split(b" ", 1)[0]):
        framed += conn.recv(65536)
    conn.close()
    dispatcher.stop()
    udp.close()
    tcp.close()
    length, message = framed.split(b" ", 1)
    assert int(length) == len(message) == len(datagram)
    assert datagram.startswith(b"<131>1 ")  # local0 (16) * 8 + error (3)
    assert f'[secops@32473 id="{alert_id}" severity="high"'.encode() in datagram
    assert datagram.decode().endswith("SSH failed login: by root from 183.62.140.253 on LabSZ")
