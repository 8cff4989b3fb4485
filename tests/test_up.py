"""`secops up` as a user runs it: syslog in, a correlation alert out through the API, then a
stop request (SIGTERM, as docker and systemd send; Ctrl-C takes the same path) ends it cleanly."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyotp
from es_node import NodeAccess
from polling import wait_until

from secops.es.node import free_port
from secops.settings import Settings

INGEST_KEY = "bootstrap-ingest-key-for-the-up-test-0123456789"


def _syslog_lines(source_ip: str, count: int) -> bytes:
    stamp = datetime.now(UTC).strftime("%b %e %H:%M:%S")
    return b"".join(
        f"<38>{stamp} bastion sshd[42]: Failed password for root from {source_ip} "
        f"port {40000 + i} ssh2\n".encode()
        for i in range(count)
    )


def test_up_receives_detects_serves_and_stops_cleanly(
    settings: Settings, es_node: NodeAccess, tmp_path: Path
) -> None:
    api_port, syslog_port = free_port(), free_port()
    log_path = tmp_path / "up.log"
    env = {
        **es_node.process_env(),
        "SECOPS_DEV_MODE": "1",
        "SECOPS_NAMESPACE": settings.namespace,
        "SECOPS_STATE_DIR": str(tmp_path / "state"),
        "SECOPS_API_PORT": str(api_port),
        "SECOPS_SYSLOG_TCP_PORT": str(syslog_port),
        "SECOPS_SYSLOG_UDP_PORT": str(syslog_port),
        "SECOPS_INGEST_API_KEYS": json.dumps([INGEST_KEY]),
    }
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "secops", "up"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{api_port}/api/v1"
    try:
        wait_until(lambda: _get_ok(f"{base}/health"), timeout=120, interval=0.3, what="the API")
        text = log_path.read_text()
        password = re.search(r"password: (\S+)", text)
        secret = re.search(r"secret=([A-Z2-7]+)", text)
        assert password, text[-2000:]
        assert secret, text[-2000:]

        with socket.create_connection(("127.0.0.1", syslog_port)) as conn:
            conn.sendall(_syslog_lines("198.51.100.99", 10))
        pushed = httpx.post(
            f"{base}/ingest?format=syslog",
            content=_syslog_lines("203.0.113.5", 1),
            headers={"Authorization": f"ApiKey {INGEST_KEY}", "Content-Type": "text/plain"},
        )
        assert pushed.status_code == 200, pushed.text
        assert pushed.json()["accepted"] == 1

        login = httpx.post(
            f"{base}/auth/login",
            json={
                "username": "admin",
                "password": password.group(1),
                "totp": pyotp.TOTP(secret.group(1)).now(),
            },
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

        def brute_force_alert() -> dict | None:
            items = httpx.get(f"{base}/alerts", headers=headers).json()["items"]
            return next((a for a in items if a["kind"] == "correlation"), None)

        alert = wait_until(
            brute_force_alert, timeout=60, interval=0.3, what="the brute-force alert"
        )
        assert "198.51.100.99" in alert["summary"]
        metrics = httpx.get(f"http://127.0.0.1:{api_port}/metrics").text
        assert 'input="syslog-tcp"' in metrics
        assert 'input="http"' in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=90)
    log_text = log_path.read_text()
    assert code == 0, log_text[-3000:]
    assert "Scheduler has been shut down" in log_text


def _get_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
